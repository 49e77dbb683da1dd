#include "plugin/install_layout.hpp"

#include <dlfcn.h>
#include <link.h>

#include <filesystem>
#include <system_error>

namespace fs = std::filesystem;

namespace ferry::plugin {
namespace {

// An object of libferry's own, for dladdr to tell which file it is in.
const char anchor = 0;

// The file holding libferry: libferry.so.N, or the executable when libferry
// is linked in statically.
fs::path this_object() {
  Dl_info info{};
  link_map* map = nullptr;
  // The link map's name is the path the dynamic loader opened (with $ORIGIN
  // and the search path already applied); the main program's is empty.
  if (::dladdr1(&anchor, &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) != 0 && map && map->l_name &&
      *map->l_name)
    return map->l_name;
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe;
}

std::string find_library_dir() {
  const fs::path object = this_object();
  if (object.empty()) return "";
  std::error_code ec;
  // Resolving symlinks finds the real prefix behind a linked libferry.so.0.
  fs::path real = fs::weakly_canonical(fs::absolute(object, ec), ec);
  if (ec) real = object;
  return real.parent_path().string();
}

std::string normal(const fs::path& p) { return p.lexically_normal().string(); }

}  // namespace

const std::string& library_dir() {
  static const std::string dir = find_library_dir();
  return dir;
}

std::string default_worker() {
  const fs::path dir = library_dir();
  const fs::path installed = dir / FERRY_REL_INSTALL_WORKER;
  if (dir.empty()) return installed.string();
  if (is_file(installed)) return normal(installed);
  if (const fs::path built = dir / FERRY_REL_BUILD_WORKER; is_file(built)) return normal(built);
  return normal(installed);
}

std::vector<std::string> default_plugin_dirs() {
  if (library_dir().empty()) return {};
  return {normal(fs::path(library_dir()) / FERRY_REL_PLUGIN_DIR)};
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace ferry::plugin
