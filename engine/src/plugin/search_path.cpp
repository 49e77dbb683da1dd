#include "plugin/search_path.hpp"

#include <cstdlib>
#include <filesystem>

#include <ferry/errors.hpp>

#include "plugin/install_layout.hpp"

namespace fs = std::filesystem;

namespace ferry::plugin {
namespace {

void split_into(const char* text, std::vector<std::string>& out) {
  if (!text) return;
  std::string s(text);
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto end = s.find(':', start);
    std::string part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

}  // namespace

std::vector<std::string> search_path(const std::vector<std::string>& extra) {
  std::vector<std::string> dirs = extra;
  split_into(std::getenv("FERRY_PLUGIN_PATH"), dirs);
  for (auto& dir : default_plugin_dirs()) dirs.push_back(std::move(dir));
  return dirs;
}

std::string resolve(const std::string& name_or_path, const std::vector<std::string>& extra) {
  if (name_or_path.empty()) throw PluginError("\"\"", "an empty plugin name");
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       (name_or_path.size() > 3 && name_or_path.ends_with(".so"));
  if (is_path) {
    std::error_code ec;
    const fs::path p = fs::absolute(name_or_path, ec);
    if (!fs::exists(p, ec)) throw PluginError(p.string(), "no such file");
    // Canonical, so ./libx.so and libx.so name the same cached plugin.
    const fs::path canonical = fs::weakly_canonical(p, ec);
    return ec ? p.string() : canonical.string();
  }
  const auto dirs = search_path(extra);
  for (const auto& dir : dirs)
    for (const auto& file : {"lib" + name_or_path + ".so", name_or_path + ".so"})
      if (is_file(fs::path(dir) / file)) return fs::weakly_canonical(fs::absolute(fs::path(dir) / file)).string();
  std::string searched;
  for (const auto& dir : dirs) searched += (searched.empty() ? "" : ", ") + dir;
  throw PluginError(name_or_path, "not found as lib" + name_or_path + ".so or " + name_or_path + ".so in " + searched +
                                      " (add folders with FERRY_PLUGIN_PATH, or give a path)");
}

std::string worker_executable(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* env = std::getenv("FERRY_WORKER"); env && *env) return env;
  return default_worker();
}

}  // namespace ferry::plugin
