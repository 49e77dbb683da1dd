// What the host and a forkserver (`ferry-worker --forkserver 1`, a worker
// that loaded its plugin once and forks a worker per request) say to each
// other: fixed-size packets on a SOCK_SEQPACKET socket, with descriptors
// attached (SCM_RIGHTS).
//
//   forkserver -> host  ready, or refused (it cannot fork safely), once;
//   host -> forkserver  ForkRequest + the worker's protocol socket [+ its
//                       manager socket];
//   forkserver -> host  forked (pid, with a pidfd attached) or fork_failed
//                       (errno), in request order; exited (pid, status)
//                       whenever a worker it forked has ended.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <deque>

namespace ferry::wire {

struct ForkRequest {
  std::uint64_t memory_limit = 0;  // RLIMIT_AS of the new worker; 0 = none
  std::uint32_t has_manager = 0;   // a second descriptor follows: the manager socket
  std::uint32_t reserved = 0;
};

struct ForkServerEvent {
  enum Kind : std::uint32_t { ready = 1, refused = 2, forked = 3, fork_failed = 4, exited = 5 };
  std::uint32_t kind = 0;
  std::int32_t pid = 0;
  std::int32_t signaled = 0;  // exited: killed by signal `value`, else exit code `value`
  std::int32_t value = 0;     // exited: see signaled; fork_failed: errno
};

// Sends one packet of size bytes with fds attached; false on failure.
bool send_packet(int socket, const void* data, std::size_t size, std::span<const int> fds = {});
// Receives one packet into data (exactly size bytes expected) and its
// descriptors (CLOEXEC, owned by the caller) into fds. Returns the bytes
// read: 0 at end of stream, -1 on error; a packet of another size is an
// error (its descriptors are closed).
ssize_t receive_packet(int socket, void* data, std::size_t size, std::deque<int>& fds);

}  // namespace ferry::wire
