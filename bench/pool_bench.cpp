// ferry-bench: what ferry's process model costs per call, as JSON lines with
// the same keys as python_baseline.py prints for Python's multiprocessing:
//   pool_map     Pool(2).map(square, 100,000 ints), default chunksize; best of 5
//   apply_async  one apply_async(square).get() round trip; median of 2000
//   process      Process(square).start(); join(); median of 50
// The tasks are trivial on purpose: what is measured is the engine.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <ferry/ferry.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using i64 = std::int64_t;

constexpr std::size_t kMapItems = 100'000;
constexpr int kMapRuns = 5;
constexpr int kWarmup = 200;
constexpr int kRoundTrips = 2000;
constexpr int kProcesses = 50;

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A benchmark whose answers are wrong measures nothing.
void expect(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("wrong result in ") + what);
}

void bench_map(ferry::Pool& pool) {
  std::vector<i64> items(kMapItems);
  std::iota(items.begin(), items.end(), i64{0});
  double best = 1e300;
  for (int run = 0; run < kMapRuns; ++run) {
    const auto start = Clock::now();
    const auto out = pool.map<i64>("square", items);
    best = std::min(best, elapsed_ms(start));
    expect(out.size() == kMapItems && out.back() == i64{kMapItems - 1} * i64{kMapItems - 1}, "pool_map");
  }
  std::printf(
      "{\"impl\":\"ferry\",\"bench\":\"pool_map\",\"items\":%zu,\"workers\":%zu,\"chunksize\":%zu,\"runs\":%d,"
      "\"total_ms\":%.3f,\"ns_per_item\":%.1f}\n",
      kMapItems, pool.workers(), pool.chunksize_for(kMapItems, {}), kMapRuns, best,
      best * 1e6 / static_cast<double>(kMapItems));
}

void bench_apply_async(ferry::Pool& pool) {
  for (int i = 0; i < kWarmup; ++i) pool.apply_async<i64>("square", i64{i}).get();
  std::vector<double> us;
  us.reserve(kRoundTrips);
  for (int i = 0; i < kRoundTrips; ++i) {
    const auto start = Clock::now();
    const i64 r = pool.apply_async<i64>("square", i64{i}).get();
    us.push_back(elapsed_ms(start) * 1000);
    expect(r == i64{i} * i, "apply_async");
  }
  std::printf("{\"impl\":\"ferry\",\"bench\":\"apply_async\",\"samples\":%d,\"median_us\":%.1f}\n", kRoundTrips,
              median(us));
}

void bench_process(const ferry::Plugin& plugin) {
  std::vector<double> ms;
  ms.reserve(kProcesses);
  for (int i = 0; i < kProcesses; ++i) {
    const auto start = Clock::now();
    ferry::Process proc(plugin, "square", i64{3});
    proc.start();
    proc.join();
    ms.push_back(elapsed_ms(start));
    expect(proc.exitcode() == 0 && proc.result<i64>() == 9, "process");
  }
  std::printf("{\"impl\":\"ferry\",\"bench\":\"process\",\"samples\":%d,\"median_ms\":%.3f}\n", kProcesses,
              median(ms));
}

}  // namespace

int main() {
  try {
    ferry::Engine engine;
    const ferry::Plugin plugin = engine.load("math");
    {
      ferry::Pool pool(plugin, {.workers = 2});
      bench_map(pool);
      std::fflush(stdout);
      bench_apply_async(pool);
      std::fflush(stdout);
      pool.close();
      pool.join();
    }
    bench_process(plugin);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ferry-bench: %s\n", e.what());
    return 1;
  }
}
