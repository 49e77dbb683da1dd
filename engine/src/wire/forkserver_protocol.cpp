#include "wire/forkserver_protocol.hpp"

#include "wire/fd_passing.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferry::wire {

namespace {
constexpr std::size_t kMaxFds = 4;
}

bool send_packet(int socket, const void* data, std::size_t size, std::span<const int> fds) {
  if (fds.size() > kMaxFds) return false;
  iovec iov{const_cast<void*>(data), size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t r;
  do {
    r = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  return r == static_cast<ssize_t>(size);
}

ssize_t receive_packet(int socket, void* data, std::size_t size, std::deque<int>& fds) {
  int flags = 0;
  const ssize_t r = recv_with_fds(socket, data, size, 0, fds, &flags);
  if (r > 0 && (static_cast<std::size_t>(r) != size || (flags & (MSG_TRUNC | MSG_CTRUNC)))) {
    for (int fd : fds) ::close(fd);
    fds.clear();
    return -1;
  }
  return r;
}

}  // namespace ferry::wire
