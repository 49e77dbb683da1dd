// CPU-bound work on Pool(2): 8 calls of burn(n) as pool.map, against the same
// 8 calls one after the other in one worker. Reports the speed-up.
#include <cstdint>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"
#include "workers_up.hpp"

int main() {
  return bench::run("cpu_bound", [] {
    using i64 = std::int64_t;
    constexpr i64 kCalls = 8, kRounds = 30'000'000;
    ferry::Engine engine;
    ferry::Pool pool(engine.load("bench"), {.workers = 2});
    bench::all_workers_up(pool);

    auto start = bench::Clock::now();
    const i64 serial = pool.apply<i64>("burn_serial", kRounds, kCalls);
    const double serial_s = bench::seconds_since(start);

    start = bench::Clock::now();
    const auto parallel = pool.map<i64>("burn", std::vector<i64>(kCalls, kRounds), {.chunksize = 1});
    const double parallel_s = bench::seconds_since(start);
    for (i64 r : parallel) bench::check(r == serial, "burn results differ");
    bench::emit("speedup", serial_s / parallel_s, "x");
    bench::emit("serial_s", serial_s, "s");
    bench::emit("parallel_s", parallel_s, "s");
  });
}
