// The floor under any request/reply between two processes: one byte each
// way over a pair of pipes, between a parent and a forked child.
//   pingpong same|cross|unpinned
// same: both on one CPU; cross: on two different CPUs; unpinned: wherever
// the scheduler puts them. Prints the round trip in microseconds, the median
// of 20 batches of 500 (after 500 to warm up). cross prints nothing on a
// machine with one CPU.
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "bench.hpp"

namespace {

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) throw std::runtime_error("sched_setaffinity failed");
}

void write_byte(int fd) {
  const char c = 'x';
  if (::write(fd, &c, 1) != 1) throw std::runtime_error("write failed");
}
bool read_byte(int fd) {
  char c;
  return ::read(fd, &c, 1) == 1;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run("pingpong", [&] {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode != "same" && mode != "cross" && mode != "unpinned")
      throw std::invalid_argument("usage: pingpong same|cross|unpinned");
    cpu_set_t allowed;
    if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) throw std::runtime_error("sched_getaffinity failed");
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    if (mode == "cross" && cpus.size() < 2) return;

    constexpr int kWarmup = 500, kBatches = 20, kBatch = 500;
    int to_child[2], to_parent[2];
    if (::pipe(to_child) != 0 || ::pipe(to_parent) != 0) throw std::runtime_error("pipe failed");
    const pid_t child = ::fork();
    if (child < 0) throw std::runtime_error("fork failed");
    if (child == 0) {
      ::close(to_child[1]);  // or the child never sees the end of its input
      ::close(to_parent[0]);
      if (mode == "same") pin(cpus[0]);
      if (mode == "cross") pin(cpus[1]);
      while (read_byte(to_child[0])) write_byte(to_parent[1]);
      ::_exit(0);
    }
    ::close(to_child[0]);
    ::close(to_parent[1]);
    if (mode != "unpinned") pin(cpus[0]);
    auto round_trip = [&] {
      write_byte(to_child[1]);
      if (!read_byte(to_parent[0])) throw std::runtime_error("child gone");
    };
    for (int i = 0; i < kWarmup; ++i) round_trip();
    std::vector<double> us;
    for (int b = 0; b < kBatches; ++b) {
      const auto start = bench::Clock::now();
      for (int i = 0; i < kBatch; ++i) round_trip();
      us.push_back(bench::seconds_since(start) * 1e6 / kBatch);
    }
    ::close(to_child[1]);
    int status = 0;
    ::waitpid(child, &status, 0);
    bench::emit("us", bench::median(us), "us");
  });
}
