// Receiving bytes together with the descriptors a peer attached to them
// (SCM_RIGHTS): the protocol channel and the forkserver's packets both do.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>

namespace ferry::wire {

// One recvmsg into [data, data + size) with flags (MSG_CMSG_CLOEXEC is
// added), retried on EINTR. Descriptors that came with the bytes are
// appended to fds (owned by the caller). msg_flags, when given, receives
// recvmsg's msg_flags (MSG_TRUNC, MSG_CTRUNC). Returns what recvmsg does.
ssize_t recv_with_fds(int socket, void* data, std::size_t size, int flags, std::deque<int>& fds,
                      int* msg_flags = nullptr);

}  // namespace ferry::wire
