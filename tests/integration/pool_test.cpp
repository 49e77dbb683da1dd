// Every Pool call against the math plugin in real workers.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <mutex>
#include <set>
#include <thread>

#include <ferry/ferry.hpp>

using namespace std::chrono_literals;

namespace {
ferry::Plugin math_plugin(ferry::Engine& engine) { return engine.load("math"); }
std::vector<std::int64_t> range(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}
}  // namespace

TEST_CASE("map keeps input order over many chunks", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  const auto inputs = range(1000);
  for (std::size_t chunk : {0, 1, 7, 1000, 5000}) {
    auto out = pool.map<std::int64_t>("square", inputs, {.chunksize = chunk});
    REQUIRE(out.size() == inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) REQUIRE(out[i] == inputs[i] * inputs[i]);
  }
}

// Many quick chunks queue on each worker; together they are larger than a
// socket buffer, and so are the replies. Neither side may block the other.
TEST_CASE("map of many quick chunks larger than a socket buffer completes", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  const auto inputs = range(200'000);
  auto out = pool.map<std::int64_t>("square", inputs, {.chunksize = 10000});
  REQUIRE(out.size() == inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) REQUIRE(out[i] == inputs[i] * inputs[i]);
}

// Quick calls are queued on a worker several at a time; a map of slow calls
// right after must not inherit that and pile onto one worker.
TEST_CASE("slow calls after quick ones still spread over every worker", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 2});
  pool.map<std::int64_t>("worker_pid", range(200), {.chunksize = 1});
  const auto pids = pool.map<std::int64_t>("pid_after_ms", std::vector<std::int64_t>(6, 100), {.chunksize = 1});
  // Queued all at once, one worker would take five of the six.
  const auto most = std::max(std::count(pids.begin(), pids.end(), pids.front()),
                             std::count_if(pids.begin(), pids.end(), [&](auto p) { return p != pids.front(); }));
  CHECK(most <= 4);
}

TEST_CASE("map of an empty input returns an empty list", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 1});
  CHECK(pool.map<std::int64_t>("square", std::vector<std::int64_t>{}).empty());
}

TEST_CASE("starmap unpacks tuples and pairs", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  auto p = pool.starmap<std::int64_t>("power", std::vector<std::tuple<std::int64_t, std::int64_t>>{{2, 3}, {3, 4}, {5, 2}, {10, 3}});
  CHECK(p == std::vector<std::int64_t>{8, 81, 25, 1000});
  auto q = pool.starmap<std::int64_t>("mul", std::vector<std::pair<std::int64_t, std::int64_t>>{{2, 3}, {4, 5}, {6, 7}});
  CHECK(q == std::vector<std::int64_t>{6, 20, 42});
}

TEST_CASE("apply_async: get, get with timeout, ready, wait, successful", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  ferry::AsyncResult<std::int64_t> r = pool.apply_async<std::int64_t>("power", std::int64_t{2}, std::int64_t{10});
  CHECK(r.get(std::chrono::seconds(5)) == 1024);
  CHECK(r.ready());
  CHECK(r.successful());
  r.wait();
  CHECK(r.get() == 1024);

}

TEST_CASE("a bounded get of an unfinished task raises Timeout; the task goes on", "[pool]") {
  // The task waits for an event only the test sets, so "not ready" is
  // certain, not a matter of timing.
  ferry::Engine engine;
  ferry::Pool pool(engine.load("shared"), {.workers = 1});
  auto lock = engine.lock("l");
  auto go = engine.event("go");
  auto gated = pool.apply_async<void>("lock_then_wait", lock, go, std::int64_t{0});
  CHECK_THROWS_AS(gated.get(1ms), ferry::Timeout);
  CHECK_FALSE(gated.ready());
  CHECK_THROWS_AS(gated.successful(), ferry::StateError);  // Python raises ValueError
  go.set();
  CHECK(gated.wait(std::chrono::seconds(10)));
  CHECK(gated.successful());
}

TEST_CASE("a task's exception is re-raised as TaskError with its type and message", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  auto ok = pool.apply_async<std::string>("work_with_error", false);
  auto bad = pool.apply_async<std::string>("work_with_error", true);
  CHECK(ok.get(10s) == "Success!");
  try {
    bad.get(10s);
    FAIL("expected a TaskError");
  } catch (const ferry::TaskError& e) {
    CHECK(e.task() == "work_with_error");
    CHECK(e.type() == "std::invalid_argument");
    CHECK(e.message() == "Something went wrong!");
  }
  CHECK_FALSE(bad.successful());
  // The worker survived: the pool still serves.
  CHECK(pool.apply<std::int64_t>("square", std::int64_t{12}) == 144);
}

TEST_CASE("map re-raises the first failed item's error", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  CHECK_THROWS_AS(pool.map<double>("analyze_chunk", std::vector<std::vector<std::int64_t>>{{1, 2}, {}, {3}}),
                  ferry::TaskError);
}

// Large chunks are decoded as they come; the error raised is still the
// first failed item's, in input order, once the map is done.
TEST_CASE("map over large chunks raises the first failed item's error, in input order", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 2});
  for (std::size_t chunk : {300, 1000, 5000}) {
    CHECK_THROWS_WITH(pool.map<std::int64_t>("throw_on_7", range(20'000), {.chunksize = chunk}),
                      Catch::Contains("item 7 ends in 7"));
    const auto ok = pool.map<std::int64_t>("echo", range(20'000), {.chunksize = chunk});
    CHECK(ok == range(20'000));
  }
  // Items of other types take the item-by-item path.
  const std::vector<double> halves = {0.5, 1.5, 2.5};
  CHECK(pool.map<std::int64_t>("echo", range(3)) == range(3));
  CHECK_THROWS_AS(pool.map<std::int64_t>("echo", halves), ferry::SignatureError);
}

TEST_CASE("imap yields in order, imap_unordered yields every item once", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  const auto inputs = range(200);
  std::vector<std::int64_t> seen;
  for (std::int64_t x : pool.imap<std::int64_t>("square", inputs, {.chunksize = 10})) seen.push_back(x);
  REQUIRE(seen.size() == inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) CHECK(seen[i] == inputs[i] * inputs[i]);

  std::multiset<std::int64_t> unordered;
  for (std::int64_t x : pool.imap_unordered<std::int64_t>("square", inputs)) unordered.insert(x);
  std::multiset<std::int64_t> expected;
  for (auto x : inputs) expected.insert(x * x);
  CHECK(unordered == expected);
}

TEST_CASE("a result stream's all() gives every result, as map does, in its own order", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  const auto inputs = range(300);
  const auto ordered = pool.imap<std::int64_t>("square", inputs, {.chunksize = 7});
  CHECK(ordered.all() == pool.map<std::int64_t>("square", inputs));
  CHECK(ordered.wait_all_until(std::chrono::steady_clock::now()));
  CHECK(ordered.all() == ordered.all());  // it reads, it does not consume
  const auto unordered = pool.imap_unordered<bool>("is_even", inputs, {.chunksize = 1});
  const auto flags = unordered.all();
  CHECK(flags.size() == inputs.size());
  CHECK(std::count(flags.begin(), flags.end(), true) == 150);
  // Not ready yet: a job still sleeping.
  const auto slow = pool.imap<std::int64_t>("slow_job", std::vector<std::int64_t>{50, 1}, {.chunksize = 1});
  CHECK_FALSE(slow.wait_all_until(std::chrono::steady_clock::now()));
  CHECK(slow.all() == std::vector<std::int64_t>{2500, 1});
}

TEST_CASE("calls with the wrong types are refused before anything runs", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 1});
  CHECK_THROWS_WITH(pool.apply_async<std::int64_t>("power", 2, 10),
                    Catch::Contains("takes (i64,i64)") && Catch::Contains("called with (i32,i32)"));
  CHECK_THROWS_AS(pool.map<std::int64_t>("is_prime", std::vector<std::int64_t>{2}), ferry::SignatureError);
  CHECK_THROWS_WITH(pool.map<bool>("no_such_task", std::vector<std::int64_t>{2}), Catch::Contains("no task 'no_such_task'"));
}

TEST_CASE("close, join and terminate follow Python's rules", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  CHECK_THROWS_AS(pool.join(), ferry::StateError);  // join before close
  auto pending = pool.apply_async<std::int64_t>("slow_square", std::int64_t{4});
  pool.close();
  CHECK_THROWS_AS(pool.apply_async<std::int64_t>("square", std::int64_t{1}), ferry::StateError);
  pool.join();  // submitted work finishes first
  CHECK(pending.get() == 16);
}

TEST_CASE("terminate fails unfinished items instead of hanging", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 1});
  auto running = pool.apply_async<std::int64_t>("slow_job", std::int64_t{500});  // 5 s
  auto queued = pool.apply_async<std::int64_t>("square", std::int64_t{3});
  pool.terminate();
  CHECK_THROWS_AS(running.get(), ferry::StateError);
  CHECK_THROWS_AS(queued.get(), ferry::StateError);
  pool.join();
}

TEST_CASE("max_tasks_per_child replaces workers and keeps answering", "[pool]") {
  // Task log lines carry the worker's pid: count the workers that served.
  std::mutex mu;
  std::set<int> pids;
  ferry::Engine engine({.log = [&](const ferry::LogRecord& r) {
    std::lock_guard lock(mu);
    pids.insert(r.pid);
  }});
  ferry::Pool pool(math_plugin(engine), {.workers = 1, .max_tasks_per_child = 2});
  for (int i = 0; i < 6; ++i) {
    auto out = pool.map<std::string>("log_and_echo", std::vector<std::string>{std::to_string(i)}, {.chunksize = 1});
    CHECK(out[0] == std::to_string(i));
  }
  pool.close();
  pool.join();
  CHECK(pids.size() == 3);
}

TEST_CASE("user structs travel typed", "[pool]") {
  ferry::Engine engine;
  ferry::Plugin math = math_plugin(engine);
  CHECK(math.task("midpoint").params.find("Point") != std::string::npos);
}

TEST_CASE("plugins load by name and expose their tasks", "[pool]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  CHECK(math.name() == "math");
  CHECK(math.version() == "1.0");
  CHECK(math.task("is_prime").signature() == "(i64) -> bool");
  CHECK(math.task("power").params == "(i64,i64)");
  CHECK(engine.load(math.path()).path() == math.path());
}

// The handle load() returns is a temporary here: the loop must not read the
// table of a plugin state that went with it (ASan would say so).
TEST_CASE("a temporary plugin handle's task table can be iterated", "[pool]") {
  ferry::Engine engine;
  std::set<std::string> names;
  for (const auto& t : engine.load("math").tasks()) names.insert(t.name);
  CHECK(names.count("square") == 1);
  CHECK(engine.load("math").task("square").name == "square");
}

TEST_CASE("a worker retired by max_tasks_per_child after the pool was closed is not replaced", "[pool]") {
  // Every worker start leaves a line in a file, through a wrapper around ferry-worker.
  char dir_template[] = "/tmp/ferry-pool-test-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string log = dir + "/starts", wrapper = dir + "/worker.sh";
  {
    std::ofstream script(wrapper);
    script << "#!/bin/sh\necho start >> '" << log << "'\nexec '" << FERRY_TEST_WORKER << "' \"$@\"\n";
  }
  ::chmod(wrapper.c_str(), 0755);
  {
    ferry::Engine engine({.worker_executable = wrapper});  // loading the plugin: one start
    // The worker that loaded the plugin is the pool's (loading_worker_test).
    ferry::Pool pool(engine.load("shared"), {.workers = 1, .max_tasks_per_child = 1});
    auto pids = engine.queue<std::int64_t>("pids");
    auto go = engine.event("go");
    auto call = pool.apply_async<void>("report_pid_and_wait", pids, go);
    pids.get();  // the call is running: the pool closes before its worker retires
    pool.close();
    go.set();
    call.get();
    pool.join();
  }
  std::ifstream in(log);
  std::size_t starts = 0;
  for (std::string line; std::getline(in, line);) ++starts;
  CHECK(starts == 1);  // a second would be a replacement with nothing left to run
  std::filesystem::remove_all(dir);
}

TEST_CASE("imap_values runs dynamic calls and returns Values, in order or as they finish", "[pool]") {
  ferry::Engine engine;
  ferry::Pool pool(math_plugin(engine), {.workers = 2});
  std::vector<ferry::Value::List> calls;
  for (std::int64_t i = 0; i < 50; ++i) calls.push_back({ferry::Value(i), ferry::Value(std::int64_t{2})});
  auto ordered = pool.imap_values("power", calls, {.chunksize = 7});
  REQUIRE(ordered.size() == 50);
  for (std::size_t k = 0; k < 50; ++k) {
    REQUIRE(ordered.wait_until(k, std::chrono::steady_clock::now() + 30s));
    REQUIRE(ordered.get(k) == ferry::Value(static_cast<std::int64_t>(k * k)));
  }
  auto unordered = pool.imap_values("slow_job", {{ferry::Value(std::int64_t{30})}, {ferry::Value(std::int64_t{1})}},
                                    {.chunksize = 1}, false);
  REQUIRE_FALSE(unordered.wait_until(1, std::chrono::steady_clock::now()));
  REQUIRE(unordered.get(0) == ferry::Value(std::int64_t{1}));  // the quick one finishes first
  REQUIRE(unordered.get(1) == ferry::Value(std::int64_t{900}));
  // A struct as a map, and an argument the worker cannot convert.
  auto mid = pool.imap_values("midpoint", {{ferry::Value::Map{{"x", 0.0}, {"y", 0.0}}, ferry::Value::Map{{"x", 2.0}, {"y", 4.0}}}});
  REQUIRE(mid.get(0) == ferry::Value(ferry::Value::Map{{"x", 1.0}, {"y", 2.0}}));
  auto bad = pool.imap_values("power", {{ferry::Value("x"), ferry::Value(std::int64_t{1})}});
  REQUIRE_THROWS_AS(bad.get(0), ferry::TaskError);
  REQUIRE_THROWS_AS(pool.imap_values("no_such_task", {}), ferry::SignatureError);
}
