// ferry-shared-bench: what ferry's shared state costs, as JSON lines with
// the same keys as python_shared_baseline.py prints for Python's
// multiprocessing (Manager, Queue, Value). Every measurement is the best of
// kRuns, checks its results, and throws (exit 1) when they are wrong.
//   dict_host     100,000 x (d[k] = i; d[k]) from the host on engine.dict
//                 (Python: Manager().dict() from the parent); ops = 2 per pair
//   dict_worker   the same from one worker, through a handle passed as the
//                 task argument; timed inside the worker, so process start is
//                 left out (wall_ms has it in)
//   queue_small   a worker puts 100,000 strings of 16 bytes, the host gets
//                 them all; from Process start to the last get
//   queue_large   a worker puts 20 strings of 10 MB (10^6 bytes), the host
//                 gets them; from Process start to the last get
//   shared_value  100,000 increments under the value's lock in one worker
//                 (with counter.get_lock(): counter.value += 1); timed inside
//                 the worker
// Tasks: plugins/shared (dict_ops, queue_produce, timed_increment_counter).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <ferry/ferry.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using i64 = std::int64_t;

constexpr int kRuns = 3;
constexpr i64 kDictPairs = 100'000;
constexpr int kDictKeys = 1000;  // keys "key0".."key999", as the dict_ops task
constexpr i64 kSmallMessages = 100'000;
constexpr i64 kSmallBytes = 16;
constexpr i64 kLargeMessages = 20;
constexpr i64 kLargeBytes = 10'000'000;
constexpr i64 kIncrements = 100'000;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A benchmark whose answers are wrong measures nothing.
void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("wrong result in " + what);
}

// A fresh name per run, so that every run starts from an empty object.
std::string fresh(const char* bench, int run) { return std::string("bench_") + bench + "_" + std::to_string(run); }

// Runs a worker task to the end; checks it succeeded.
template <class R, class... Args>
R run_task(const ferry::Plugin& plugin, const char* task, double& wall_s, const Args&... args) {
  const auto start = Clock::now();
  ferry::Process proc(plugin, task, args...);
  proc.start();
  proc.join();
  wall_s = seconds_since(start);
  expect(proc.exitcode() == 0, std::string(task) + ": worker exit code " + std::to_string(proc.exitcode().value_or(-99)));
  return proc.result<R>();
}

// The index a queue_produce message starts with, checked against want.
void check_message(const std::string& msg, i64 want, i64 size, const char* bench) {
  i64 got = -1;
  const auto [end, ec] = std::from_chars(msg.data(), msg.data() + msg.size(), got);
  expect(ec == std::errc{} && got == want && static_cast<i64>(msg.size()) == size && end < msg.data() + msg.size() &&
             *end == ' ',
         std::string(bench) + ": message " + std::to_string(want) + " arrived as #" + std::to_string(got) + " of " +
             std::to_string(msg.size()) + " bytes");
}

std::vector<std::string> dict_keys() {
  std::vector<std::string> keys;
  for (int k = 0; k < kDictKeys; ++k) keys.push_back("key" + std::to_string(k));
  return keys;
}

// The dict after kDictPairs pairs: every key, the last one set to n - 1.
void check_dict(const ferry::Dict<std::string, i64>& d, const char* bench) {
  expect(d.size() == kDictKeys, std::string(bench) + ": dict size " + std::to_string(d.size()));
  const i64 last = kDictPairs - 1;
  expect(d.get("key" + std::to_string(last % kDictKeys)) == last, std::string(bench) + ": last value");
}

void bench_dict_host(const ferry::Engine& engine) {
  const auto keys = dict_keys();
  double best = 1e300;
  for (int run = 0; run < kRuns; ++run) {
    auto d = engine.dict<std::string, i64>(fresh("dict_host", run));
    const auto start = Clock::now();
    for (i64 i = 0; i < kDictPairs; ++i) {
      const std::string& key = keys[static_cast<std::size_t>(i % kDictKeys)];
      d.set(key, i);
      if (d.get(key) != i) expect(false, "dict_host: d[" + key + "] != " + std::to_string(i));
    }
    best = std::min(best, seconds_since(start));
    check_dict(d, "dict_host");
  }
  std::printf("{\"impl\":\"ferry\",\"bench\":\"dict_host\",\"pairs\":%lld,\"runs\":%d,\"total_ms\":%.3f,\"ops_per_s\":%.0f}\n",
              static_cast<long long>(kDictPairs), kRuns, best * 1e3, 2.0 * kDictPairs / best);
}

void bench_dict_worker(const ferry::Engine& engine, const ferry::Plugin& plugin) {
  double best = 1e300, best_wall = 1e300;
  for (int run = 0; run < kRuns; ++run) {
    auto d = engine.dict<std::string, i64>(fresh("dict_worker", run));
    double wall = 0;
    const i64 ns = run_task<i64>(plugin, "dict_ops", wall, d, kDictPairs);
    best = std::min(best, static_cast<double>(ns) / 1e9);
    best_wall = std::min(best_wall, wall);
    check_dict(d, "dict_worker");
  }
  std::printf(
      "{\"impl\":\"ferry\",\"bench\":\"dict_worker\",\"pairs\":%lld,\"runs\":%d,\"total_ms\":%.3f,\"wall_ms\":%.3f,"
      "\"ops_per_s\":%.0f}\n",
      static_cast<long long>(kDictPairs), kRuns, best * 1e3, best_wall * 1e3, 2.0 * kDictPairs / best);
}

// A worker puts count messages of size bytes; the host gets and checks them.
// Returns the seconds from Process start to the last get.
double queue_run(const ferry::Engine& engine, const ferry::Plugin& plugin, const char* bench, int run, i64 count,
                 i64 size) {
  auto q = engine.queue<std::string>(fresh(bench, run));
  const auto start = Clock::now();
  ferry::Process proc(plugin, "queue_produce", q, count, size);
  proc.start();
  for (i64 i = 0; i < count; ++i) check_message(q.get(), i, size, bench);
  const double s = seconds_since(start);
  proc.join();
  expect(proc.exitcode() == 0, std::string(bench) + ": producer exit code");
  expect(q.empty(), std::string(bench) + ": queue not empty after the last message");
  return s;
}

void bench_queue_small(const ferry::Engine& engine, const ferry::Plugin& plugin) {
  double best = 1e300;
  for (int run = 0; run < kRuns; ++run)
    best = std::min(best, queue_run(engine, plugin, "queue_small", run, kSmallMessages, kSmallBytes));
  std::printf(
      "{\"impl\":\"ferry\",\"bench\":\"queue_small\",\"messages\":%lld,\"message_bytes\":%lld,\"runs\":%d,"
      "\"total_ms\":%.3f,\"ops_per_s\":%.0f}\n",
      static_cast<long long>(kSmallMessages), static_cast<long long>(kSmallBytes), kRuns, best * 1e3,
      kSmallMessages / best);
}

void bench_queue_large(const ferry::Engine& engine, const ferry::Plugin& plugin) {
  double best = 1e300;
  for (int run = 0; run < kRuns; ++run)
    best = std::min(best, queue_run(engine, plugin, "queue_large", run, kLargeMessages, kLargeBytes));
  std::printf(
      "{\"impl\":\"ferry\",\"bench\":\"queue_large\",\"messages\":%lld,\"message_bytes\":%lld,\"runs\":%d,"
      "\"total_ms\":%.3f,\"mb_per_s\":%.1f}\n",
      static_cast<long long>(kLargeMessages), static_cast<long long>(kLargeBytes), kRuns, best * 1e3,
      static_cast<double>(kLargeMessages * kLargeBytes) / 1e6 / best);
}

void bench_shared_value(const ferry::Engine& engine, const ferry::Plugin& plugin) {
  double best = 1e300, best_wall = 1e300;
  for (int run = 0; run < kRuns; ++run) {
    auto counter = engine.shared_value<std::int32_t>(0);
    double wall = 0;
    const i64 ns = run_task<i64>(plugin, "timed_increment_counter", wall, counter, kIncrements);
    expect(counter.value() == kIncrements, "shared_value: counter is " + std::to_string(counter.value()));
    best = std::min(best, static_cast<double>(ns) / 1e9);
    best_wall = std::min(best_wall, wall);
  }
  std::printf(
      "{\"impl\":\"ferry\",\"bench\":\"shared_value\",\"increments\":%lld,\"runs\":%d,\"total_ms\":%.3f,"
      "\"wall_ms\":%.3f,\"ops_per_s\":%.0f}\n",
      static_cast<long long>(kIncrements), kRuns, best * 1e3, best_wall * 1e3, kIncrements / best);
}

}  // namespace

// ferry-shared-bench [BENCH...]: all benchmarks, or only those named.
int main(int argc, char** argv) {
  const std::vector<std::string> only(argv + 1, argv + argc);
  auto wanted = [&](const char* name) { return only.empty() || std::find(only.begin(), only.end(), name) != only.end(); };
  try {
    ferry::Engine engine;
    const ferry::Plugin plugin = engine.load("shared");
    struct Bench {
      const char* name;
      void (*run)(const ferry::Engine&, const ferry::Plugin&);
    };
    const Bench benches[] = {
        {"dict_host", [](const ferry::Engine& e, const ferry::Plugin&) { bench_dict_host(e); }},
        {"dict_worker", bench_dict_worker},
        {"queue_small", bench_queue_small},
        {"queue_large", bench_queue_large},
        {"shared_value", bench_shared_value},
    };
    for (const auto& name : only)
      if (std::none_of(std::begin(benches), std::end(benches), [&](const Bench& b) { return name == b.name; }))
        throw std::runtime_error("unknown bench " + name);
    for (const auto& b : benches) {
      if (!wanted(b.name)) continue;
      b.run(engine, plugin);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ferry-shared-bench: %s\n", e.what());
    return 1;
  }
}
