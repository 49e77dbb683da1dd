// Memory of an idle ferry: the host (an Engine and a Pool(1) that has run
// one task) and its worker, from /proc/PID/smaps_rollup: Rss and Pss in KiB.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include <ferry/ferry.hpp>

#include "bench.hpp"

namespace {

// The "Name:  N kB" line of /proc/pid/smaps_rollup.
double rollup_kib(std::int64_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(name.size() + 1));
    double kib = 0;
    fields >> kib;
    return kib;
  }
  throw std::runtime_error("no " + name + " in /proc/" + std::to_string(pid) + "/smaps_rollup");
}

}  // namespace

int main() {
  return bench::run("memory_idle", [] {
    ferry::Engine engine;
    ferry::Pool pool(engine.load("bench"), {.workers = 1});
    const auto worker = pool.apply<std::int64_t>("worker_pid");
    bench::emit("host_rss", rollup_kib(::getpid(), "Rss"), "KiB");
    bench::emit("host_pss", rollup_kib(::getpid(), "Pss"), "KiB");
    bench::emit("worker_rss", rollup_kib(worker, "Rss"), "KiB");
    bench::emit("worker_pss", rollup_kib(worker, "Pss"), "KiB");
  });
}
