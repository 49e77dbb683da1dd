// The `bench` plugin: the worker side of the benchmark suite's ferry
// programs (bench/ferry/*.cpp). Each task does what one row needs and no
// more, plainly, as a plugin author would write it. Timestamps are
// nanoseconds on the monotonic clock, which every process shares, so a host
// can subtract them from its own.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <ferry/plugin.hpp>

namespace {

using i64 = std::int64_t;

i64 now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// --- Pool rows ---------------------------------------------------------------

i64 square(i64 x) { return x * x; }

void noop() {}

i64 worker_pid() { return ::getpid(); }

// n rounds of xorshift64 from a seed: CPU work the compiler cannot fold away.
// bench/python/cpu_bound.py has the same function.
i64 burn(i64 n) {
  std::uint64_t x = 88172645463325252ULL;
  for (i64 i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return static_cast<i64>(x >> 1);
}

// k calls of burn(n) one after the other: the serial baseline, in a worker
// like the parallel run.
i64 burn_serial(i64 n, i64 k) {
  i64 last = 0;
  for (i64 i = 0; i < k; ++i) last = burn(n);
  return last;
}

// Records when it dies on t, then aborts its worker.
i64 crash(ferry::SharedValue<i64> t) {
  t.set(now_ns());
  std::abort();
}

// --- shared state rows -------------------------------------------------------

// Puts 0 .. n-1 on q.
void put_ints(ferry::Queue<i64> q, i64 n) {
  for (i64 i = 0; i < n; ++i) q.put(i);
}

// k messages of size bytes; message i starts with byte i % 256.
ferry::Bytes message(i64 i, i64 size) {
  ferry::Bytes b;
  b.data.assign(static_cast<std::size_t>(size), 'x');
  if (size > 0) b.data[0] = static_cast<std::uint8_t>(i % 256);
  return b;
}

void put_bytes(ferry::Queue<ferry::Bytes> q, i64 k, i64 size) {
  for (i64 i = 0; i < k; ++i) q.put(message(i, size));
}

void pipe_send(ferry::Connection<ferry::Bytes> out, i64 k, i64 size) {
  for (i64 i = 0; i < k; ++i) out.send(message(i, size));
}

// n pairs of d[key] = i; d[key] over the keys "key0".."key999", every get
// checked; returns the nanoseconds the loop took.
i64 dict_ops(ferry::Dict<std::string, i64> d, i64 n) {
  std::vector<std::string> keys;
  for (int k = 0; k < 1000; ++k) keys.push_back("key" + std::to_string(k));
  const i64 start = now_ns();
  for (i64 i = 0; i < n; ++i) {
    const std::string& key = keys[static_cast<std::size_t>(i % 1000)];
    d.set(key, i);
    if (d.get(key) != i) throw std::runtime_error("dict_ops: d[" + key + "] != " + std::to_string(i));
  }
  return now_ns() - start;
}

// Waits for the other process at start, then
// with counter.get_lock(): counter.value += 1, n times; returns {start, end}.
std::vector<i64> value_lock_increments(ferry::Barrier start_together, ferry::SharedValue<i64> counter, i64 n) {
  start_together.wait();
  const i64 start = now_ns();
  for (i64 i = 0; i < n; ++i) {
    std::lock_guard guard(counter.get_lock());
    counter.unsynchronized() += 1;
  }
  return {start, now_ns()};
}

// Waits for the other process at start, then
// with lock: counter.value += 1 under a manager Lock, n times; returns
// {start, end}.
std::vector<i64> manager_lock_increments(ferry::Barrier start_together, ferry::Lock lock,
                                         ferry::SharedValue<i64> counter, i64 n) {
  start_together.wait();
  const i64 start = now_ns();
  for (i64 i = 0; i < n; ++i) {
    std::lock_guard guard(lock);
    counter.set(counter.value() + 1);
  }
  return {start, now_ns()};
}

}  // namespace

FERRY_PLUGIN(bench, "1.0") {
  plugin.task("square", square, "x * x (no overflow check: the trivial task of the Pool rows)")
      .task("noop", noop, "does nothing")
      .task("worker_pid", worker_pid, "the worker's pid")
      .task("burn", burn, "n rounds of xorshift64: CPU work")
      .task("burn_serial", burn_serial, "k calls of burn(n) one after the other")
      .task("crash", crash, "stores the monotonic time in ns on t, then aborts")
      .task("put_ints", put_ints, "puts 0 .. n-1 on q")
      .task("put_bytes", put_bytes, "puts k messages of size bytes on q")
      .task("pipe_send", pipe_send, "sends k messages of size bytes on out")
      .task("dict_ops", dict_ops, "n checked set + get pairs on d; returns ns")
      .task("value_lock_increments", value_lock_increments,
            "n increments under the value's lock; returns {start, end} ns")
      .task("manager_lock_increments", manager_lock_increments,
            "n increments under a manager lock; returns {start, end} ns");
}
