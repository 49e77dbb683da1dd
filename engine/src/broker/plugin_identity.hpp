// Which build of a plugin a run needs: a worker serves a stage only with the
// same name, version and file contents as the host loaded, since a task
// built from other sources could read the same bytes differently.
#pragma once

#include <string>

namespace ferry::broker {

struct PluginIdentity {
  std::string name;
  std::string version;
  std::string hash;  // of the .so file's bytes: 16 hex digits (FNV-1a, 64 bits)

  bool operator==(const PluginIdentity&) const = default;
  // "math 1.0 (build 0123456789abcdef)"
  std::string describe() const;
};

// The hash of a file's bytes; throws ferry::Error when it cannot be read.
std::string file_hash(const std::string& path);

}  // namespace ferry::broker
