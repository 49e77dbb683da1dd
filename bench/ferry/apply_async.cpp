// One pool.apply_async(square, (i,)).get() round trip on Pool(2): the median
// of 1000, after 100 to warm up.
#include <cstdint>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"
#include "workers_up.hpp"

int main() {
  return bench::run("apply_async", [] {
    using i64 = std::int64_t;
    constexpr int kWarmup = 100, kSamples = 1000;
    ferry::Engine engine;
    ferry::Pool pool(engine.load("bench"), {.workers = 2});
    bench::all_workers_up(pool);
    for (i64 i = 0; i < kWarmup; ++i) pool.apply_async<i64>("square", i).get();

    std::vector<double> us;
    for (i64 i = 0; i < kSamples; ++i) {
      const auto start = bench::Clock::now();
      const i64 r = pool.apply_async<i64>("square", i).get();
      us.push_back(bench::seconds_since(start) * 1e6);
      bench::check(r == i * i, "apply_async result");
    }
    bench::emit("us", bench::median(us), "us");
  });
}
