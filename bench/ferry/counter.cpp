// Two worker processes each add 1 to a shared counter n times under a lock:
//   counter value    the counter is a SharedValue, locked with get_lock()
//                    (Python: Value, with counter.get_lock())
//   counter manager  the same counter under a manager Lock (engine.lock)
// Both start counting together (a manager Barrier); increments a second,
// from then to the end of the last one.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  return bench::run("counter", [&] {
    using i64 = std::int64_t;
    const std::string_view kind = argc > 1 ? argv[1] : "";
    if (kind != "value" && kind != "manager") throw std::invalid_argument("usage: counter value|manager");
    const i64 n = kind == "value" ? 4'000'000 : 1'000'000;  // per process
    ferry::Engine engine;
    const ferry::Plugin plugin = engine.load("bench");
    auto counter = engine.shared_value<i64>(0);
    auto lock = engine.lock("counter_lock");
    auto start_together = engine.barrier("start_together", 2);

    std::vector<ferry::Process> procs;
    for (int i = 0; i < 2; ++i) {
      if (kind == "value") procs.emplace_back(plugin, "value_lock_increments", start_together, counter, n);
      else procs.emplace_back(plugin, "manager_lock_increments", start_together, lock, counter, n);
    }
    for (auto& p : procs) p.start();
    i64 first = std::numeric_limits<i64>::max(), last = std::numeric_limits<i64>::min();
    for (auto& p : procs) {
      const auto span = p.result<std::vector<i64>>();
      first = std::min(first, span.at(0));
      last = std::max(last, span.at(1));
    }
    bench::check(counter.value() == 2 * n, "counter is " + std::to_string(counter.value()));
    bench::emit("inc_per_s", 2.0 * n / (static_cast<double>(last - first) / 1e9), "inc/s");
  });
}
