// Process(noop).start(); join(): the median of 30, in milliseconds.
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"

int main() {
  return bench::run("process_start", [] {
    constexpr int kSamples = 30;
    ferry::Engine engine;
    const ferry::Plugin plugin = engine.load("bench");
    std::vector<double> ms;
    for (int i = 0; i < kSamples; ++i) {
      const auto start = bench::Clock::now();
      ferry::Process p(plugin, "noop");
      p.start();
      p.join();
      ms.push_back(bench::seconds_since(start) * 1e3);
      bench::check(p.exitcode() == 0, "process exit code");
    }
    bench::emit("ms", bench::median(ms), "ms");
  });
}
