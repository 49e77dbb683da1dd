// `ferry inspect PLUGIN`: what a plugin is and which tasks it offers.
#include <algorithm>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <ferry/engine.hpp>

#include "commands.hpp"

namespace ferry::cli {
namespace {

struct InspectOptions {
  std::string plugin;
  bool json = false;
};

std::string text_of(const Plugin& p) {
  std::ostringstream out;
  out << "name:    " << p.name() << '\n'
      << "version: " << p.version() << '\n'
      << "path:    " << p.path() << '\n'
      << "tasks:\n";
  // Docs start in one column, as in `--help` listings.
  std::size_t width = 0;
  for (const auto& t : p.tasks()) width = std::max(width, t.name.size() + t.signature().size());
  for (const auto& t : p.tasks()) {
    const std::string head = t.name + t.signature();
    out << "  " << head;
    if (!t.doc.empty()) out << std::string(width - head.size() + 4, ' ') << t.doc;
    out << '\n';
  }
  return out.str();
}

std::string json_of(const Plugin& p) {
  nlohmann::ordered_json tasks = nlohmann::ordered_json::array();
  for (const auto& t : p.tasks())
    tasks.push_back({{"name", t.name}, {"params", t.params}, {"result", t.result}, {"doc", t.doc}});
  const nlohmann::ordered_json out = {
      {"name", p.name()}, {"version", p.version()}, {"path", p.path()}, {"tasks", std::move(tasks)}};
  return out.dump(2) + '\n';
}

}  // namespace

void add_inspect(CLI::App& app, Action& action) {
  auto opts = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "Show a plugin's name, version, path and tasks.");
  cmd->add_option("PLUGIN", opts->plugin,
                  "Plugin name (searched on FERRY_PLUGIN_PATH, then the built-in plugin folder) or path to a .so")
      ->required();
  cmd->add_flag("--json", opts->json, "Print one JSON object: name, version, path, tasks[{name, params, result, doc}]");
  cmd->footer("Example: ferry inspect math");
  cmd->callback([opts, &action] {
    action = [opts] {
      Engine engine;
      const Plugin plugin = engine.load(opts->plugin);
      print_result(opts->json ? json_of(plugin) : text_of(plugin));
      return static_cast<int>(kOk);
    };
  });
}

}  // namespace ferry::cli
