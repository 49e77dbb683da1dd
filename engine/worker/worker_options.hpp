// Command line of ferry-worker. The host builds it; users never run the
// worker by hand, so parsing is strict and minimal.
#pragma once

#include <cstdint>
#include <string>

namespace ferry::worker {

struct Options {
  std::string plugin_path;
  int fd = 3;                    // the protocol socket inherited from the host
  int manager_fd = -1;           // the manager socket, when the host runs one
  long parent_pid = 0;           // exit at once if the parent is already gone
  std::uint64_t memory_limit = 0;  // RLIMIT_AS in bytes; 0 = none
  std::uint32_t protocol = 0;      // the host's worker protocol version; 0 = it announced none
  bool forkserver = false;         // fd is a forkserver's control socket (wire/forkserver_protocol.hpp)
};

// Parses argv; on error prints usage to stderr and returns false.
bool parse_options(int argc, char** argv, Options& out);

}  // namespace ferry::worker
