// Tasks that share state through the manager: the tutorials' Manager dict
// and list, Queue, Lock and Event examples, and counters for stress tests.
// Handles arrive as task arguments (Python's Process(args=(q,))) or come
// from ferry::Context by name.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <ferry/plugin.hpp>

namespace {

using Counts = ferry::Dict<std::string, std::int64_t>;

// how-to: shared_dict[key] = value
void update_dict(Counts d, std::string key, std::int64_t value) { d.set(key, value); }

// how-to: lst.append(100); golinuxcloud: shared_list.append(i)
void append_item(ferry::List<std::int64_t> list, std::int64_t value) { list.append(value); }

// how-to: q.put("Hello"); q.put("from"); q.put("another process")
void producer(ferry::Queue<std::string> q) {
  q.put("Hello");
  q.put("from");
  q.put("another process");
}

// golinuxcloud: q.put(n * n)
void put_square(std::int64_t n, ferry::Queue<std::int64_t> q) { q.put(n * n); }

// how-to: with lock: print(...); event.wait(); print(...)
void lock_then_wait(ferry::Lock lock, ferry::Event event, std::int64_t id) {
  {
    std::lock_guard guard(lock);
    std::cout << "Worker " << id << " acquired the lock" << std::endl;
  }
  event.wait();
  std::cout << "Worker " << id << " received event signal" << std::endl;
}

// Raises counts[key] by one, n times, with the manager's atomic add.
void add_many(Counts counts, std::string key, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) counts.add(key, 1);
}

// Raises counts[key] by one, n times, as get + set under a shared lock.
void locked_add_many(Counts counts, ferry::Lock lock, std::string key, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::lock_guard guard(lock);
    counts.set(key, counts.get(key).value_or(0) + 1);
  }
}

// Takes the lock, tells the host through started, puts 0 .. n-1 on q (an
// unbounded queue: posted, no round trips) and releases the lock.
void put_under_lock(ferry::Lock lock, ferry::Event started, ferry::Queue<std::int64_t> q, std::int64_t n) {
  std::lock_guard guard(lock);
  started.set();
  for (std::int64_t i = 0; i < n; ++i) q.put(i);
}

// Takes the lock and dies holding it.
void die_holding(ferry::Lock lock) {
  lock.acquire();
  ::raise(SIGKILL);
}

// Counts the words of a line into the shared dict "word_counts", by name.
std::int64_t count_words(ferry::Context& ctx, std::string line) {
  auto counts = ctx.dict<std::string, std::int64_t>("word_counts");
  std::istringstream words(line);
  std::int64_t n = 0;
  for (std::string w; words >> w; ++n) counts.add(w, 1);
  return n;
}

// The words of a line, split on whitespace as count_words splits them
// (pipelines: a flat_map stage, or a task source).
std::vector<std::string> split_words(std::string line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// A file's name (without its folder) and its number of words, split as
// split_words splits them: for a pipeline whose source lists files
// (source: {files: "data/*.txt"}), Python's pool.map over glob.glob().
std::tuple<std::string, std::int64_t> file_words(std::string path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::int64_t n = 0;
  for (std::string w; in >> w;) ++n;
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  const auto slash = path.find_last_of('/');
  return {slash == std::string::npos ? path : path.substr(slash + 1), n};
}

// how-to: shared_dict[f"key{i}"] = i * 10, with the dict "shared_dict"
// found by name, so a pipeline can map it over range(3).
void update_shared_dict(ferry::Context& ctx, std::int64_t i) {
  std::int64_t value = 0;
  if (__builtin_mul_overflow(i, 10, &value)) throw std::overflow_error("update_shared_dict: i * 10 overflows");
  ctx.dict<std::string, std::int64_t>("shared_dict").set("key" + std::to_string(i), value);
}

// Every kind of shared object a pipeline task reaches by name: counts x
// under the lock "tally_lock" (get + set, so a lock that does not exclude
// loses counts), appends x to the list "seen" and puts x * x on the queue
// "squares". Returns x.
std::int64_t tally(ferry::Context& ctx, std::int64_t x) {
  auto counts = ctx.dict<std::string, std::int64_t>("tally");
  const std::string key = "k" + std::to_string(x % 4);
  {
    auto lock = ctx.lock("tally_lock");
    std::lock_guard guard(lock);
    counts.set(key, counts.get(key).value_or(0) + 1);
  }
  ctx.list<std::int64_t>("seen").append(x);
  ctx.queue<std::int64_t>("squares").put(x * x);
  return x;
}

// After tally: how many items came ([xs] gathered by apply), how many the
// list "seen" holds, and the sum of what the queue "squares" held (drained).
std::vector<std::int64_t> tally_summary(ferry::Context& ctx, std::vector<std::int64_t> xs) {
  auto squares = ctx.queue<std::int64_t>("squares");
  std::int64_t sum = 0;
  while (auto v = squares.get_nowait()) sum += *v;
  return {static_cast<std::int64_t>(xs.size()), static_cast<std::int64_t>(ctx.list<std::int64_t>("seen").size()), sum};
}

// Takes items from the queue "jobs" until it is empty, squares them into the
// queue "results", and marks each done (JoinableQueue).
std::int64_t drain_jobs(ferry::Context& ctx) {
  auto jobs = ctx.queue<std::int64_t>("jobs");
  auto results = ctx.queue<std::int64_t>("results");
  std::int64_t handled = 0;
  while (auto job = jobs.get_nowait()) {
    results.put(*job * *job);
    jobs.task_done();
    ++handled;
  }
  return handled;
}

// how-to: number.value += 100; arr[i] *= 2 for each element
void update_shared(ferry::SharedValue<std::int32_t> number, ferry::SharedArray<std::int32_t> arr) {
  number.add(100);
  std::lock_guard guard(arr.get_lock());
  for (auto& x : arr.span()) x *= 2;
}

// pool tutorial: with counter.get_lock(): counter.value += 1, iterations times
void increment_counter(ferry::SharedValue<std::int32_t> counter, std::int64_t iterations) {
  for (std::int64_t i = 0; i < iterations; ++i) {
    std::lock_guard guard(counter.get_lock());
    counter.unsynchronized() += 1;
  }
}

// golinuxcloud: with lock: counter.value += 1, a thousand times, under a
// separate shared Lock
void bump(ferry::SharedValue<std::int32_t> counter, ferry::Lock lock) {
  for (int i = 0; i < 1000; ++i) {
    std::lock_guard guard(lock);
    counter.set(counter.value() + 1);
  }
}

// pool tutorial: results[result_idx] = sum(array[start:end])
void sum_partition(ferry::SharedArray<std::int32_t> array, std::int64_t start, std::int64_t end,
                   std::int64_t result_idx, ferry::SharedArray<std::int32_t> results) {
  std::int32_t total = 0;
  for (auto i = start; i < end; ++i) total += array.get(static_cast<std::size_t>(i));
  std::lock_guard guard(results.get_lock());
  results.span()[static_cast<std::size_t>(result_idx)] = total;
}

// Takes the shared value's lock and dies holding it.
void die_holding_value(ferry::SharedValue<std::int64_t> value) {
  value.get_lock().lock();
  ::raise(SIGKILL);
}

// Puts n strings on q: every third one 100,000 bytes (written on its own),
// the rest a few bytes (batched), so the reader sees whether order holds
// across the two ways a put leaves the worker.
void put_mixed(ferry::Queue<std::string> q, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::string msg = std::to_string(i) + ' ';
    if (i % 3 == 0) msg.resize(100'000, 'x');
    q.put(msg);
  }
}

// Gets n strings from q, each as put_mixed puts it; returns how many were
// whole and in order.
std::int64_t check_mixed(ferry::Queue<std::string> q, std::int64_t n) {
  std::int64_t good = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string msg = q.get();
    const std::string head = std::to_string(i) + ' ';
    if (msg.rfind(head, 0) == 0 && msg.size() == (i % 3 == 0 ? 100'000u : head.size())) ++good;
  }
  return good;
}

// For i = 1..n: d["k"] = i, then i sent on out: whoever receives i must
// see d["k"] >= i, though the sets are posted.
void set_then_send(ferry::Dict<std::string, std::int64_t> d, ferry::Connection<std::int64_t> out, std::int64_t n) {
  for (std::int64_t i = 1; i <= n; ++i) {
    d.set("k", i);
    out.send(i);
  }
}

// For i = 1..n: d["k"] = i, then v = i: whoever reads v == i must see
// d["k"] >= i.
void set_then_value(ferry::Dict<std::string, std::int64_t> d, ferry::SharedValue<std::int64_t> v, std::int64_t n) {
  for (std::int64_t i = 1; i <= n; ++i) {
    d.set("k", i);
    v.set(i);
  }
}

// d["k"] = 1, then d["k"] = n (posted: the first set confirmed the type),
// then nothing through the manager: waits, reading go (a read does not
// settle posts) for up to a minute, until the host has seen d["k"] == n
// and set go. Returns whether it was told to go.
bool set_then_wait(ferry::Dict<std::string, std::int64_t> d, ferry::SharedValue<std::int64_t> go, std::int64_t n) {
  d.set("k", 1);
  d.set("k", n);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (go.value() == 0) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Answers every message on conn with its reply until it receives "bye".
std::int64_t pipe_echo(ferry::Connection<std::string> conn) {
  std::int64_t n = 0;
  for (std::string m = conn.recv(); m != "bye"; m = conn.recv(), ++n) conn.send("echo: " + m);
  return n;
}

// Sends 0 .. n-1 on a one-way pipe's sending end.
void pipe_count(ferry::Connection<std::int64_t> out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out.send(i);
}

// Puts its worker's pid on pids, then waits for go: a way to know a worker
// is up and busy.
void report_pid_and_wait(ferry::Queue<std::int64_t> pids, ferry::Event go) {
  pids.put(::getpid());
  go.wait();
}

// Waits at the barrier; returns this caller's arrival index.
std::int64_t arrive(ferry::Barrier barrier) { return static_cast<std::int64_t>(barrier.wait()); }

// Holds the semaphore for 20 ms; logs how many holders there were,
// itself included, when it entered.
void guarded_section(ferry::Semaphore sem, Counts counts, ferry::List<std::int64_t> log) {
  std::lock_guard guard(sem);
  log.append(counts.add("inside", 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  counts.add("inside", -1);
}

// Puts v without waiting; false when the queue is full.
bool try_put(ferry::Queue<std::int64_t> q, std::int64_t v) { return q.put(v, std::chrono::milliseconds(0)); }

}  // namespace

FERRY_PLUGIN(shared, "1.0") {
  plugin.task("update_dict", update_dict, "sets d[key] = value")
      .task("append_item", append_item, "appends value to a shared list")
      .task("producer", producer, "puts 'Hello', 'from', 'another process' on q")
      .task("put_square", put_square, "puts n * n on q")
      .task("lock_then_wait", lock_then_wait, "prints under the lock, then waits for the event")
      .task("add_many", add_many, "adds 1 to counts[key] n times, atomically")
      .task("locked_add_many", locked_add_many, "adds 1 to counts[key] n times, get + set under lock")
      .task("die_holding", die_holding, "acquires lock and kills its own worker")
      .task("put_under_lock", put_under_lock, "under lock: sets started, puts 0 .. n-1 on q")
      .task("count_words", count_words, "counts a line's words into the dict word_counts")
      .task("split_words", split_words, "the words of line, split on whitespace like count_words")
      .task("file_words", file_words, "the file's name and its number of words")
      .task("update_shared_dict", update_shared_dict, "sets shared_dict[\"key<i>\"] = i * 10 in the dict shared_dict")
      .task("drain_jobs", drain_jobs, "squares queue jobs into queue results until jobs is empty")
      .task("tally", tally, "counts x in tally under tally_lock, appends it to seen, puts x * x on squares")
      .task("tally_summary", tally_summary, "[items, size of seen, sum drained from squares]")
      .task("update_shared", update_shared, "adds 100 to number and doubles every element of arr")
      .task("increment_counter", increment_counter, "adds 1 to counter, iterations times, under its lock")
      .task("bump", bump, "adds 1 to counter a thousand times under a shared Lock")
      .task("sum_partition", sum_partition, "results[result_idx] = sum(array[start:end])")
      .task("die_holding_value", die_holding_value, "takes the value's lock and kills its own worker")
      .task("put_mixed", put_mixed, "puts n strings on q, every third 100,000 bytes, each starting with its index")
      .task("check_mixed", check_mixed, "gets n strings from q as put_mixed puts them; how many were whole, in order")
      .task("set_then_send", set_then_send, "d[\"k\"] = i, then i sent on out, for i = 1..n")
      .task("set_then_value", set_then_value, "d[\"k\"] = i, then v = i, for i = 1..n")
      .task("set_then_wait", set_then_wait, "d[\"k\"] = n, then waits (no manager request) until go is set")
      .task("pipe_echo", pipe_echo, "answers each message on conn with 'echo: ' + message until 'bye'")
      .task("pipe_count", pipe_count, "sends 0 .. n-1 on out")
      .task("arrive", arrive, "waits at the barrier; returns the arrival index")
      .task("guarded_section", guarded_section, "holds the semaphore for 20 ms, tracking how many are inside")
      .task("try_put", try_put, "puts v on q without waiting; false when q is full")
      .task("report_pid_and_wait", report_pid_and_wait, "puts its worker's pid on pids, then waits for go");
}
