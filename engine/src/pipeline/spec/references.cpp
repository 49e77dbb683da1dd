// What several parts of the file name and the loader checks the same way
// wherever it appears: a choice of kinds, a task, a file read or written,
// a shared dict.
#include <algorithm>
#include <filesystem>

#include "pipeline/spec/yaml_reading.hpp"

namespace fs = std::filesystem;

namespace ferry::pipeline::detail {

const Entry* one_kind(Context& cx, const YAML::Node& map, const std::vector<Entry>& items,
                      const std::vector<std::string>& kinds, const std::string& what) {
  std::vector<const Entry*> found;
  for (const auto& e : items)
    if (std::find(kinds.begin(), kinds.end(), e.key) != kinds.end()) found.push_back(&e);
  const std::string needs = what + " needs exactly one of " + join(kinds, ", ") + "; found ";
  if (found.empty()) {
    cx.problem(map, needs + "none");
    return nullptr;
  }
  if (found.size() > 1) {
    std::vector<std::string> keys;
    for (const auto* e : found) keys.push_back(e->key);
    cx.problem(found[1]->key_node, needs + join(keys));
  }
  return found.front();
}

TaskRef parse_task_ref(Context& cx, const YAML::Node& node, const std::string& key, const Pipeline& pipeline) {
  TaskRef ref;
  ref.where = cx.locator.at(node);
  const auto text = text_of(node);
  if (!text) {
    cx.problem(node, key + " must be a task reference plugin.task, got " + describe(node));
    return ref;
  }
  const auto dot = text->find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text->size()) {
    cx.problem(node, "task reference must be plugin.task, got '" + *text + "'");
    return ref;
  }
  ref.plugin = text->substr(0, dot);
  ref.task = text->substr(dot + 1);
  std::vector<std::string> aliases;
  for (const auto& d : pipeline.plugins) aliases.push_back(d.alias);
  if (std::find(aliases.begin(), aliases.end(), ref.plugin) == aliases.end())
    cx.problem(node, "'" + ref.plugin + "' is not a plugin alias declared under plugins: (" +
                         (aliases.empty() ? std::string("none declared") : "declared: " + join(aliases, ", ")) + ")");
  return ref;
}

std::string looked_in(const Context& cx, const std::string& written) {
  return fs::path(written).is_absolute() ? "" : " (looked in " + cx.dir + ")";
}

std::string existing_file(Context& cx, const YAML::Node& node, const std::string& written, const std::string& what) {
  auto path = resolve_path(cx.dir, written);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status))
    cx.problem(node, what + " file not found: " + written + looked_in(cx, written));
  else if (fs::is_directory(status))
    cx.problem(node, what + " file is a folder, not a file: " + written + looked_in(cx, written));
  return path;
}

std::string writable_file(Context& cx, const YAML::Node& node, const std::string& written, const std::string& what) {
  auto path = resolve_path(cx.dir, written);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    cx.problem(node, what + " file is a folder, not a file: " + written + looked_in(cx, written));
  } else if (!fs::is_directory(fs::path(path).parent_path(), ec)) {
    // Not `folder = "."` on an empty string: GCC 12 warns of an overlap there
    // (-Wrestrict, a false positive at -O3).
    const auto parent = fs::path(written).parent_path();
    const std::string folder = parent.empty() ? std::string(".") : parent.string();
    cx.problem(node, what + " file folder not found: " + folder + " (for " + written +
                         (fs::path(written).is_absolute() ? "" : ", looked in " + cx.dir) + ")");
  }
  return path;
}

void check_dict_ref(Context& cx, const YAML::Node& node, const std::string& name, const Pipeline& pipeline,
                    const std::string& what) {
  if (std::find(cx.bad_shared.begin(), cx.bad_shared.end(), name) != cx.bad_shared.end()) return;
  std::vector<std::string> dicts;
  for (const auto& d : pipeline.shared) {
    if (d.name == name && d.kind != SharedDecl::Kind::dict) {
      const char* kind = d.kind == SharedDecl::Kind::list ? "list" : "queue";
      return cx.problem(node, what + " '" + name + "' is declared under shared: as a " + kind + ", not a dict");
    }
    if (d.name == name) return;
    if (d.kind == SharedDecl::Kind::dict) dicts.push_back(d.name);
  }
  cx.problem(node, what + " '" + name + "' is not declared under shared: (" +
                       (dicts.empty() ? std::string("no dict is declared") : "declared dicts: " + join(dicts, ", ")) +
                       ")");
}

}  // namespace ferry::pipeline::detail
