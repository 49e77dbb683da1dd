// Loads a plugin shared library in the current process (ferry-worker only:
// the host never maps plugin code) and checks its descriptor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ferry/abi.h>
#include <ferry/task_info.hpp>

namespace ferry::plugin {

// A plugin mapped into this process. Keeps the library loaded while alive.
class LoadedPlugin {
 public:
  ~LoadedPlugin();
  const ferry_plugin_v1& descriptor() const { return *desc_; }
  const std::vector<TaskInfo>& tasks() const { return tasks_; }

 private:
  friend std::unique_ptr<LoadedPlugin> load(const std::string& path);
  struct Library;
  std::unique_ptr<Library> lib_;
  const ferry_plugin_v1* desc_ = nullptr;
  std::vector<TaskInfo> tasks_;
};

// Loads the library at path. Throws ferry::PluginError naming the path and
// the reason: missing file, not a shared library, no ferry_plugin symbol,
// ABI version mismatch, registration failure, malformed or duplicate tasks.
std::unique_ptr<LoadedPlugin> load(const std::string& path);

// Checks a descriptor's fields; returns the reason it is unusable, or "".
std::string check_descriptor(const ferry_plugin_v1& desc);

}  // namespace ferry::plugin
