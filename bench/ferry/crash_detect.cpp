// A task aborts its worker inside pool.map: the time from the abort (the
// task writes the clock to shared memory just before) to the map raising
// in the host. The median of 5 crashes on one Pool(2).
#include <cstdint>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"
#include "workers_up.hpp"

int main() {
  return bench::run("crash_detect", [] {
    using i64 = std::int64_t;
    constexpr int kCrashes = 5;
    ferry::Engine engine;
    ferry::Pool pool(engine.load("bench"), {.workers = 2});
    bench::all_workers_up(pool);
    auto died_at = engine.shared_value<i64>(0);

    std::vector<double> ms;
    for (int i = 0; i < kCrashes; ++i) {
      died_at.set(0);
      bool raised = false;
      try {
        pool.map<i64>("crash", std::vector<ferry::SharedValue<i64>>{died_at});
      } catch (const ferry::Error&) {
        raised = true;
      }
      const i64 now = bench::now_ns();
      bench::check(raised && died_at.value() > 0, "the crash was not reported");
      ms.push_back(static_cast<double>(now - died_at.value()) / 1e6);
    }
    bench::emit("ms", bench::median(ms), "ms");
  });
}
