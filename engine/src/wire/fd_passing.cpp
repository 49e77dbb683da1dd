#include "wire/fd_passing.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace ferry::wire {

ssize_t recv_with_fds(int socket, void* data, std::size_t size, int flags, std::deque<int>& fds, int* msg_flags) {
  iovec iov{data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t r;
  do {
    r = ::recvmsg(socket, &msg, flags | MSG_CMSG_CLOEXEC);
  } while (r < 0 && errno == EINTR);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); r >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.push_back(fd);
    }
  }
  if (msg_flags) *msg_flags = r >= 0 ? msg.msg_flags : 0;
  return r;
}

}  // namespace ferry::wire
