// Process(noop).start(); join(): the median of 30, in milliseconds.
//   process_start [spawn|forkserver]   the engine's start method (default spawn)
#include <stdexcept>
#include <string_view>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  return bench::run("process_start", [&] {
    constexpr int kSamples = 30;
    const std::string_view method = argc > 1 ? argv[1] : "spawn";
    if (method != "spawn" && method != "forkserver") throw std::invalid_argument("usage: process_start [spawn|forkserver]");
    ferry::Engine engine({.start_method = method == "forkserver" ? ferry::StartMethod::forkserver
                                                                  : ferry::StartMethod::spawn});
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
