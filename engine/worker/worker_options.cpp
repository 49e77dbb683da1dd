#include "worker_options.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ferry::worker {

bool parse_options(int argc, char** argv, Options& out) {
  bool ok = argc % 2 == 1;  // flags come in --name value pairs
  for (int i = 1; ok && i + 1 < argc; i += 2) {
    const char* flag = argv[i];
    const char* value = argv[i + 1];
    if (!std::strcmp(flag, "--plugin")) out.plugin_path = value;
    else if (!std::strcmp(flag, "--fd")) out.fd = std::atoi(value);
    else if (!std::strcmp(flag, "--manager-fd")) out.manager_fd = std::atoi(value);
    else if (!std::strcmp(flag, "--parent")) out.parent_pid = std::atol(value);
    else if (!std::strcmp(flag, "--memory-limit")) out.memory_limit = std::strtoull(value, nullptr, 10);
    else if (!std::strcmp(flag, "--protocol")) out.protocol = static_cast<std::uint32_t>(std::strtoul(value, nullptr, 10));
    else if (!std::strcmp(flag, "--forkserver")) out.forkserver = !std::strcmp(value, "1");
    else ok = false;
  }
  if (ok && !out.plugin_path.empty() && out.fd >= 0) return true;
  std::fprintf(stderr,
               "usage: ferry-worker --plugin PATH [--fd N] [--manager-fd N] [--parent PID] [--memory-limit BYTES] [--protocol N]\n"
               "                    [--forkserver 1]\n"
               "ferry-worker is started by the ferry engine; it is not meant to be run by hand.\n");
  return false;
}

}  // namespace ferry::worker
