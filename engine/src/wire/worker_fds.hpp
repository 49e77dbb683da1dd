// Where a worker finds its sockets: the protocol socket on fd 3, the manager
// socket on fd 4. Shared by the launcher (between vfork and exec) and a
// forkserver (in the forked worker), so it only calls async-signal-safe
// functions.
#pragma once

#include <fcntl.h>
#include <unistd.h>

namespace ferry::wire {

inline constexpr int kWorkerFd = 3;
inline constexpr int kManagerFd = 4;

// Puts socket on fd 3 and manager (if >= 0) on fd 4. Both are first moved
// above 4 so neither is overwritten by the other; dup2 onto a different fd
// clears CLOEXEC.
inline void place_worker_fds(int socket, int manager) {
  auto clear_of_targets = [](int fd) {
    return fd == kWorkerFd || fd == kManagerFd ? ::fcntl(fd, F_DUPFD_CLOEXEC, kManagerFd + 1) : fd;
  };
  socket = clear_of_targets(socket);
  if (manager >= 0) manager = clear_of_targets(manager);
  ::dup2(socket, kWorkerFd);
  if (manager >= 0) ::dup2(manager, kManagerFd);
}

}  // namespace ferry::wire
