// The floor under streaming bytes between processes: a forked child writes
// 256 MiB in 1 MiB writes, the parent reads it, through a pipe and through a
// Unix socketpair (what ferry's pipes are). GB/s (10^9 bytes), best of 3.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "bench.hpp"

namespace {

constexpr std::size_t kChunk = 1u << 20, kChunks = 256;

// One transfer over fds[0] (read) / fds[1] (write); seconds.
double transfer(int read_fd, int write_fd) {
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::close(read_fd);
    std::vector<char> buf(kChunk, 'x');
    for (std::size_t i = 0; i < kChunks; ++i)
      for (std::size_t off = 0; off < kChunk;) {
        const ssize_t w = ::write(write_fd, buf.data() + off, kChunk - off);
        if (w <= 0) ::_exit(1);
        off += static_cast<std::size_t>(w);
      }
    ::_exit(0);
  }
  ::close(write_fd);
  std::vector<char> buf(kChunk);
  std::size_t total = 0;
  const auto start = bench::Clock::now();
  for (ssize_t r; (r = ::read(read_fd, buf.data(), kChunk)) > 0;) total += static_cast<std::size_t>(r);
  const double s = bench::seconds_since(start);
  ::close(read_fd);
  int status = 0;
  ::waitpid(child, &status, 0);
  bench::check(total == kChunk * kChunks && WIFEXITED(status) && WEXITSTATUS(status) == 0, "bytes transferred");
  return s;
}

}  // namespace

int main() {
  return bench::run("pipe_throughput", [] {
    double pipe_best = 0, socket_best = 0;
    for (int i = 0; i < 3; ++i) {
      int p[2], s[2];
      if (::pipe(p) != 0) throw std::runtime_error("pipe failed");
      pipe_best = std::max(pipe_best, kChunk * kChunks / transfer(p[0], p[1]) / 1e9);
      if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0) throw std::runtime_error("socketpair failed");
      socket_best = std::max(socket_best, kChunk * kChunks / transfer(s[0], s[1]) / 1e9);
    }
    bench::emit("pipe_gb_per_s", pipe_best, "GB/s");
    bench::emit("socketpair_gb_per_s", socket_best, "GB/s");
  });
}
