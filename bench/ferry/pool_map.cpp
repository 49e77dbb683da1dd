// Pool(2).map(square, 100,000 ints), Python's default chunksize: the time of
// the second such map (ms); the first one, which also pays for first-touch
// memory in the host and the workers, is reported as first_ms.
#include <cstdint>
#include <numeric>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"
#include "workers_up.hpp"

int main() {
  return bench::run("pool_map", [] {
    using i64 = std::int64_t;
    constexpr std::size_t kItems = 100'000;
    ferry::Engine engine;
    ferry::Pool pool(engine.load("bench"), {.workers = 2});
    std::vector<i64> items(kItems);
    std::iota(items.begin(), items.end(), i64{0});
    bench::all_workers_up(pool);
    pool.map<i64>("square", std::vector<i64>(items.begin(), items.begin() + 1000));

    double ms[2];
    for (double& m : ms) {
      const auto start = bench::Clock::now();
      const auto out = pool.map<i64>("square", items);
      m = bench::seconds_since(start) * 1e3;
      bench::check(out.size() == kItems && out[12345] == i64{12345} * 12345, "pool_map results");
    }
    bench::emit("ms", ms[1], "ms");
    bench::emit("first_ms", ms[0], "ms");
    // MapOptions' default, ceil(len / (4 * workers)) (docs: Pool::map).
    const std::size_t per = 4 * pool.workers();
    bench::emit("chunksize", static_cast<double>((kItems + per - 1) / per), "items");
  });
}
