// The floor under a pool whose every item's result goes back on its own, as
// Pool.map with chunksize 1 needs (a worker that dies must not take
// finished results with it): a host thread per child feeds it 16-byte
// calls over a socketpair, several in one write, at most 64 in flight,
// refilled once 32 or fewer are, and waits for replies with poll, as
// ferry's pool does; each child, two of them, answers every call with a
// 16-byte write of its own. No work, no encoding: only the messages.
// Prints microseconds an item (both children together), the median of 7
// runs of 20,000 items.
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench.hpp"

namespace {

constexpr std::size_t kMessage = 16;
constexpr std::size_t kMaxInFlight = 64, kRefillAt = 32;

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) throw std::runtime_error("send failed");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// A child: one reply write per call read, until the host closes.
[[noreturn]] void answer(int fd) {
  std::vector<char> in(64 * 1024);
  std::size_t held = 0;
  for (;;) {
    const ssize_t r = ::recv(fd, in.data() + held, in.size() - held, 0);
    if (r <= 0) ::_exit(0);
    held += static_cast<std::size_t>(r);
    std::size_t at = 0;
    for (; held - at >= kMessage; at += kMessage) write_all(fd, in.data() + at, kMessage);
    std::memmove(in.data(), in.data() + at, held - at);
    held -= at;
  }
}

// The host's side of one child: n calls out, n replies in.
void feed(int fd, std::size_t n) {
  std::vector<char> calls(kMaxInFlight * kMessage, 'c');
  std::vector<char> in(64 * 1024);
  std::size_t sent = 0, replied = 0, held = 0;
  while (replied < n) {
    if (sent - replied <= kRefillAt && sent < n) {
      const std::size_t k = std::min(kMaxInFlight - (sent - replied), n - sent);
      write_all(fd, calls.data(), k * kMessage);
      sent += k;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, -1) != 1) throw std::runtime_error("poll failed");
    const ssize_t r = ::recv(fd, in.data() + held, in.size() - held, 0);
    if (r <= 0) throw std::runtime_error("child gone");
    held += static_cast<std::size_t>(r);
    replied += held / kMessage;
    held %= kMessage;
  }
}

}  // namespace

int main() {
  return bench::run("reply_stream", [] {
    constexpr int kChildren = 2, kRuns = 7;
    constexpr std::size_t kItems = 20'000;
    std::vector<int> host_ends;
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c) {
      int fds[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair failed");
      const pid_t pid = ::fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) {
        for (int h : host_ends) ::close(h);  // siblings' ends: they must see their host close
        ::close(fds[0]);
        answer(fds[1]);
      }
      ::close(fds[1]);
      host_ends.push_back(fds[0]);
      children.push_back(pid);
    }
    std::vector<double> us;
    for (int run = 0; run < kRuns; ++run) {
      const auto start = bench::Clock::now();
      std::vector<std::thread> threads;
      for (int fd : host_ends) threads.emplace_back(feed, fd, kItems / kChildren);
      for (auto& t : threads) t.join();
      us.push_back(bench::seconds_since(start) * 1e6 / kItems);
    }
    for (int fd : host_ends) ::close(fd);
    for (pid_t pid : children) ::waitpid(pid, nullptr, 0);
    bench::emit("us_per_item", bench::median(us), "us");
  });
}
