#include "plugin/loader.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <set>

#include <boost/dll/shared_library.hpp>

#include <ferry/errors.hpp>

namespace ferry::plugin {

struct LoadedPlugin::Library {
  boost::dll::shared_library lib;
};

LoadedPlugin::~LoadedPlugin() = default;

std::string check_descriptor(const ferry_plugin_v1& d) {
  if (d.abi_version != FERRY_ABI_VERSION)
    return "built for ferry plugin ABI version " + std::to_string(d.abi_version) + ", this ferry speaks version " +
           std::to_string(FERRY_ABI_VERSION) + "; rebuild the plugin against this SDK";
  if (d.struct_size < sizeof(ferry_plugin_v1)) return "descriptor is smaller than ABI version 1 requires";
  if (d.load_error) return std::string("failed while registering its tasks: ") + d.load_error;
  if (!d.name || !d.version) return "descriptor has no name or version";
  if (d.task_count > 0 && !d.tasks) return "descriptor lists tasks but has no task table";
  std::set<std::string> seen;
  for (std::uint64_t i = 0; i < d.task_count; ++i) {
    const ferry_task_v1& t = d.tasks[i];
    if (!t.name || !*t.name || !t.params || !t.result || !t.invoke)
      return "task #" + std::to_string(i) + " is missing its name, signature or entry point";
    if (!seen.insert(t.name).second) return "duplicate task name '" + std::string(t.name) + "'";
  }
  return "";
}

std::unique_ptr<LoadedPlugin> load(const std::string& path) {
  std::error_code fs_ec;
  if (!std::filesystem::exists(path, fs_ec)) throw PluginError(path, "no such file");
  if (std::filesystem::is_directory(path, fs_ec)) throw PluginError(path, "is a directory, not a shared library");

  auto result = std::unique_ptr<LoadedPlugin>(new LoadedPlugin);
  result->lib_ = std::make_unique<LoadedPlugin::Library>();
  boost::dll::fs::error_code ec;
  result->lib_->lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    // Boost.DLL clears dlerror(); ask the loader again for the real reason
    // ("invalid ELF header", "undefined symbol: ...").
    std::string detail = ec.message();
    if (void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      ::dlclose(h);
    } else if (const char* e = ::dlerror()) {
      detail = e;
    }
    throw PluginError(path, "not a loadable shared library: " + detail);
  }
  if (!result->lib_->lib.has(FERRY_PLUGIN_SYMBOL))
    throw PluginError(path, "not a ferry plugin: it does not export '" FERRY_PLUGIN_SYMBOL
                            "' (define one with FERRY_PLUGIN from <ferry/plugin.hpp>)");
  auto entry = result->lib_->lib.get<const ferry_plugin_v1*()>(FERRY_PLUGIN_SYMBOL);
  const ferry_plugin_v1* desc = entry();
  if (!desc) throw PluginError(path, "its '" FERRY_PLUGIN_SYMBOL "' entry returned no descriptor");
  if (auto reason = check_descriptor(*desc); !reason.empty()) throw PluginError(path, reason);
  result->desc_ = desc;
  for (std::uint64_t i = 0; i < desc->task_count; ++i) {
    result->tasks_.push_back(TaskInfo::of(desc->tasks[i]));
  }
  return result;
}

}  // namespace ferry::plugin
