// Where plugins and ferry-worker are found.
#pragma once

#include <string>
#include <vector>

namespace ferry::plugin {

// The folders searched for a plugin given by name, in order: extra (from
// EngineOptions), FERRY_PLUGIN_PATH (colon-separated), then the plugin folder
// beside libferry (<libdir>/ferry/plugins, see install_layout.hpp).
std::vector<std::string> search_path(const std::vector<std::string>& extra);

// The plugin file for name_or_path. A value with a '/' or ending in ".so" is
// a path (made absolute); anything else is a name looked up as lib<name>.so
// or <name>.so in search_path. Throws ferry::PluginError when nothing matches,
// listing the folders searched.
std::string resolve(const std::string& name_or_path, const std::vector<std::string>& extra);

// The ferry-worker executable: explicit if non-empty, else FERRY_WORKER, else
// the one beside libferry (default_worker() in install_layout.hpp).
std::string worker_executable(const std::string& explicit_path);

}  // namespace ferry::plugin
