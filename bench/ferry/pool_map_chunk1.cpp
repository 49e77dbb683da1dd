// Pool(2).map(square, 10,000 ints, chunksize=1): the cost of one item when
// every item travels alone, in microseconds an item.
#include <cstdint>
#include <numeric>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"
#include "workers_up.hpp"

int main() {
  return bench::run("pool_map_chunk1", [] {
    using i64 = std::int64_t;
    constexpr std::size_t kItems = 10'000;
    ferry::Engine engine;
    ferry::Pool pool(engine.load("bench"), {.workers = 2});
    std::vector<i64> items(kItems);
    std::iota(items.begin(), items.end(), i64{0});
    bench::all_workers_up(pool);
    pool.map<i64>("square", std::vector<i64>(items.begin(), items.begin() + 100), {.chunksize = 1});

    const auto start = bench::Clock::now();
    const auto out = pool.map<i64>("square", items, {.chunksize = 1});
    const double s = bench::seconds_since(start);
    bench::check(out.size() == kItems && out[1234] == i64{1234} * 1234, "pool_map_chunk1 results");
    bench::emit("us_per_item", s * 1e6 / kItems, "us");
  });
}
