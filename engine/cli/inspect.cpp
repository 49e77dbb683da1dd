// `ferry inspect PLUGIN`: what a plugin is and which tasks it offers.
// `ferry inspect`: the plugins a name finds, folder by folder.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <ferry/engine.hpp>
#include <ferry/errors.hpp>

#include "commands.hpp"

namespace ferry::cli {
namespace {

struct InspectOptions {
  std::string plugin;
  bool json = false;
};

// The structs the plugin's tasks pass, each once, in the order first met.
std::vector<StructSchema> structs_of(const Plugin& p) {
  std::vector<StructSchema> out;
  for (const auto& t : p.tasks())
    for (const auto& s : t.structs)
      if (std::none_of(out.begin(), out.end(), [&](const StructSchema& o) { return o.name == s.name; }))
        out.push_back(s);
  return out;
}

std::string text_of(const Plugin& p) {
  std::ostringstream out;
  out << "name:    " << p.name() << '\n'
      << "version: " << p.version() << '\n'
      << "path:    " << p.path() << '\n'
      << "tasks:\n";
  // Docs start in one column, as in `--help` listings.
  std::size_t width = 0;
  for (const auto& t : p.tasks()) width = std::max(width, t.name.size() + t.named_signature().size());
  for (const auto& t : p.tasks()) {
    const std::string head = t.name + t.named_signature();
    out << "  " << head;
    if (!t.doc.empty()) out << std::string(width - head.size() + 4, ' ') << t.doc;
    out << '\n';
  }
  if (const auto structs = structs_of(p); !structs.empty()) {
    out << "structs:\n";
    for (const auto& s : structs) out << "  " << to_string(s) << '\n';
  }
  return out.str();
}

std::string json_of(const Plugin& p) {
  nlohmann::ordered_json tasks = nlohmann::ordered_json::array();
  for (const auto& t : p.tasks())
    tasks.push_back({{"name", t.name},
                     {"params", t.params},
                     {"result", t.result},
                     {"doc", t.doc},
                     {"param_names", t.param_names}});
  nlohmann::ordered_json structs = nlohmann::ordered_json::array();
  for (const auto& s : structs_of(p)) {
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    for (const auto& f : s.fields) fields.push_back({{"name", f.name}, {"type", f.type}});
    structs.push_back({{"name", s.name}, {"fields", std::move(fields)}});
  }
  const nlohmann::ordered_json out = {{"name", p.name()},       {"version", p.version()},
                                      {"path", p.path()},       {"tasks", std::move(tasks)},
                                      {"structs", std::move(structs)}};
  return out.dump(2) + '\n';
}

// A .so file of a folder on the search path, as `ferry inspect` lists it.
struct Found {
  std::string name;  // what loads it by name: libNAME.so or NAME.so
  std::string path;
  std::optional<Plugin> plugin;
  std::string error;  // when it is not a plugin that loads
  bool hidden = false;  // an earlier folder has a plugin of that name
};

std::vector<Found> find_plugins(Engine& engine, const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  std::vector<Found> found;
  std::set<std::string> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".so" && e.is_regular_file(ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      Found f;
      f.path = file.string();
      f.name = file.stem().string();
      if (f.name.starts_with("lib")) f.name.erase(0, 3);
      try {
        f.plugin = engine.load(f.path);
      } catch (const PluginError& e) {
        f.error = e.reason();  // the path is on the line already
      } catch (const std::exception& e) {
        f.error = e.what();
      }
      f.hidden = !seen.insert(f.name).second;
      found.push_back(std::move(f));
    }
  }
  return found;
}

std::string list_text(const std::vector<Found>& found, const std::vector<std::string>& dirs) {
  std::ostringstream out;
  std::size_t name_w = 4, version_w = 7;
  for (const auto& f : found)
    if (f.plugin) {
      name_w = std::max(name_w, f.name.size());
      version_w = std::max(version_w, f.plugin->version().size());
    }
  auto pad = [](const std::string& s, std::size_t w) { return s + std::string(w - std::min(w, s.size()) + 2, ' '); };
  out << pad("NAME", name_w) << pad("VERSION", version_w) << pad("TASKS", 5) << "PATH\n";
  for (const auto& f : found) {
    if (!f.plugin) continue;
    out << pad(f.name, name_w) << pad(f.plugin->version(), version_w) << pad(std::to_string(f.plugin->tasks().size()), 5)
        << f.path << (f.hidden ? "  (hidden: an earlier folder has a plugin of this name)" : "") << '\n';
  }
  for (const auto& f : found)
    if (!f.plugin) out << "not a plugin: " << f.path << ": " << f.error << '\n';
  out << "searched, in order:";
  for (const auto& dir : dirs) out << ' ' << dir;
  out << '\n';
  return out.str();
}

std::string list_json(const std::vector<Found>& found) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& f : found) {
    nlohmann::ordered_json j = {{"name", f.name}, {"path", f.path}};
    if (f.plugin) {
      j["version"] = f.plugin->version();
      j["tasks"] = f.plugin->tasks().size();
      j["hidden"] = f.hidden;
    } else {
      j["error"] = f.error;
    }
    out.push_back(std::move(j));
  }
  return out.dump(2) + '\n';
}

}  // namespace

void add_inspect(CLI::App& app, Action& action) {
  auto opts = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "Show a plugin's name, version, path and tasks.");
  cmd->add_option("PLUGIN", opts->plugin,
                  "Plugin name (searched on FERRY_PLUGIN_PATH, then the built-in plugin folder) or path to a .so; "
                  "without it, lists the plugins those folders hold");
  cmd->add_flag("--json", opts->json,
                "Print one JSON object: name, version, path, tasks[{name, params, result, doc}]; without "
                "PLUGIN, an array of {name, path, version, tasks, hidden} (or {name, path, error})");
  cmd->footer("Examples: ferry inspect math\n          ferry inspect");
  cmd->callback([opts, &action] {
    action = [opts] {
      Engine engine;
      if (opts->plugin.empty()) {
        const auto dirs = engine.plugin_search_path();
        const auto found = find_plugins(engine, dirs);
        print_result(opts->json ? list_json(found) : list_text(found, dirs));
        return static_cast<int>(kOk);
      }
      const Plugin plugin = engine.load(opts->plugin);
      print_result(opts->json ? json_of(plugin) : text_of(plugin));
      return static_cast<int>(kOk);
    };
  });
}

}  // namespace ferry::cli
