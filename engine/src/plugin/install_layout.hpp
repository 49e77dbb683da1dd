// Where ferry-worker and the bundled plugins are, relative to libferry
// itself, so that an installed prefix works wherever it is put or moved.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ferry::plugin {

// Whether p is a regular file (or a link to one); false on any error.
bool is_file(const std::filesystem::path& p);

// The folder of the file libferry was loaded from (found with dladdr, symlinks
// resolved), e.g. <prefix>/lib or <build>/lib. When libferry is linked
// statically, the executable's folder. "" when neither can be found.
// Computed once; thread-safe.
const std::string& library_dir();

// The ferry-worker that belongs to this libferry, the first that exists of
// <libdir>/../libexec/ferry/ferry-worker (installed) and <libdir>/../bin/ferry-worker
// (a build tree); the installed path when neither does, so errors name it.
std::string default_worker();

// The plugin folders that belong to this libferry: <libdir>/ferry/plugins
// (installed and build tree alike). Empty when library_dir() is unknown.
std::vector<std::string> default_plugin_dirs();

}  // namespace ferry::plugin
