// Every fault in plugins/faults fails only its own task, with a named cause,
// and the pool replaces the worker and keeps serving.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <ferry/ferry.hpp>

using namespace std::chrono_literals;

namespace {

// Runs fault(arg) on the pool, expects exception E mentioning `cause`, then
// checks the pool still answers.
template <class E, class R = std::int64_t, class A>
void expect_fault(ferry::Pool& pool, const char* fault, A arg, const std::string& cause) {
  auto r = pool.apply_async<R>(fault, arg);
  CHECK_THROWS_AS(r.get(), E);
  CHECK_THROWS_WITH(r.get(), Catch::Contains(cause));
  CHECK_FALSE(r.successful());
  CHECK(pool.apply<std::int64_t>("echo", std::int64_t{41}) == 41);
}

}  // namespace

TEST_CASE("crashing, aborting, exiting and self-killing workers fail their task only", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 2});
  expect_fault<ferry::WorkerError>(pool, "segfault", std::int64_t{0}, "SIGSEGV");
  expect_fault<ferry::WorkerError>(pool, "abort_now", std::int64_t{0}, "SIGABRT");
  expect_fault<ferry::WorkerError>(pool, "exit_with", std::int64_t{3}, "exited with code 3");
  expect_fault<ferry::WorkerError>(pool, "exit_with", std::int64_t{0}, "exited with code 0");
  expect_fault<ferry::WorkerError>(pool, "kill_self", std::int64_t{0}, "SIGKILL");
}

TEST_CASE("exceptions of any type become TaskError", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 1});
  expect_fault<ferry::TaskError>(pool, "throw_error", std::string("boom"), "std::runtime_error: boom");
  expect_fault<ferry::TaskError>(pool, "throw_int", std::int64_t{0}, "raised int");
}

TEST_CASE("a worker that writes garbage on or closes its socket is replaced", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 1});
  expect_fault<ferry::WorkerError>(pool, "garbage_to_host", std::int64_t{0}, "protocol error");
  expect_fault<ferry::WorkerError>(pool, "close_pipe", std::int64_t{0}, "worker running task 'close_pipe' failed");
}

TEST_CASE("a hanging task times out, its worker is replaced", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 1, .timeout = 300ms});
  expect_fault<ferry::Timeout>(pool, "hang", std::int64_t{0}, "timed out after 300ms");
}

TEST_CASE("a task sees its call's deadline through its Context", "[faults]") {
  ferry::Engine engine;
  const ferry::Plugin faults = engine.load("faults");
  ferry::Pool timed(faults, {.workers = 1, .timeout = 60s});
  const auto left = timed.apply<std::int64_t>("time_left_ms", std::int64_t{0});
  CHECK(left > 0);
  CHECK(left <= 60000);
  ferry::Pool untimed(faults, {.workers = 1});
  CHECK(untimed.apply<std::int64_t>("time_left_ms", std::int64_t{0}) == -1);
}

TEST_CASE("a worker killed from outside fails its task with SIGKILL", "[faults]") {
  std::mutex mu;
  int pid = 0;
  ferry::Engine engine({.log = [&](const ferry::LogRecord& r) {
    std::lock_guard lock(mu);
    pid = r.pid;
  }});
  ferry::Plugin math = engine.load("math");
  ferry::Pool pool(math, {.workers = 1});
  // Learn the worker's pid from a log line, then kill it mid-task.
  CHECK(pool.apply<std::string>("log_and_echo", std::string("x")) == "x");
  auto slow = pool.apply_async<std::int64_t>("slow_job", std::int64_t{300});
  {
    std::lock_guard lock(mu);
    REQUIRE(pid > 0);
    ::kill(pid, SIGKILL);
  }
  CHECK_THROWS_WITH(slow.get(), Catch::Contains("SIGKILL"));
  CHECK(pool.apply<std::int64_t>("square", std::int64_t{5}) == 25);
}

TEST_CASE("a huge result arrives whole", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 1});
  const std::int64_t size = 32 << 20;
  auto s = pool.apply<std::string>("huge_result", size);
  CHECK(static_cast<std::int64_t>(s.size()) == size);
  CHECK(s.find_first_not_of('x') == std::string::npos);
}

#ifndef FERRY_SANITIZED  // sanitizers reserve terabytes of address space: RLIMIT_AS cannot apply
TEST_CASE("a memory limit turns a blow-up into a failed task", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 1, .memory_limit = 256ull << 20});
  auto r = pool.apply_async<std::string>("huge_result", std::int64_t{1} << 30);
  CHECK_THROWS(r.get());
  CHECK(pool.apply<std::int64_t>("echo", std::int64_t{1}) == 1);
}
#endif

TEST_CASE("a failing item in a chunk fails only that item", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("math"), {.workers = 1});
  auto stream = pool.imap<double>("analyze_chunk", std::vector<std::vector<std::int64_t>>{{2, 4}, {}, {6}},
                                  {.chunksize = 3});
  auto it = stream.begin();
  CHECK(*it == 3.0);
  ++it;
  CHECK_THROWS_AS(*it, ferry::TaskError);
  ++it;
  CHECK(*it == 6.0);
}

TEST_CASE("a result stream's all() raises the first failed item's error", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("math"), {.workers = 1});
  const auto stream = pool.imap<double>("analyze_chunk", std::vector<std::vector<std::int64_t>>{{2, 4}, {}, {6}},
                                        {.chunksize = 1});
  CHECK_THROWS_AS(stream.all(), ferry::TaskError);
  CHECK(stream.wait_all_until(std::chrono::steady_clock::now()));  // every item had finished
}

// Quick batches are pipelined: several wait on one worker. A crash must fail
// only the batch that ran, and the ones queued behind it must run elsewhere.
TEST_CASE("a crash among pipelined calls fails only its own item", "[faults]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("faults"), {.workers = 2});
  std::vector<std::int64_t> xs(600);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<std::int64_t>(i);
  auto stream = pool.imap<std::int64_t>("segfault_on_3", xs, {.chunksize = 1});
  std::size_t i = 0, crashed = 0;
  for (auto it = stream.begin(); it != stream.end(); ++it, ++i) {
    if (i % 10 == 3) {
      CHECK_THROWS_WITH(*it, Catch::Contains("SIGSEGV"));
      ++crashed;
    } else {
      CHECK(*it == xs[i]);
    }
  }
  CHECK(i == xs.size());
  CHECK(crashed == xs.size() / 10);
}

namespace {

// Records PoolOptions::on_worker_replaced calls (made from pool threads).
struct Replacements {
  std::mutex mu;
  std::vector<ferry::WorkerReplaced> seen;  // guarded by mu
  std::function<void(const ferry::WorkerReplaced&)> hook() {
    return [this](const ferry::WorkerReplaced& w) {
      std::lock_guard lock(mu);
      seen.push_back(w);
    };
  }
};

}  // namespace

TEST_CASE("on_worker_replaced names the dead worker and why it went", "[faults][pool]") {
  ferry::Engine engine;
  const ferry::Plugin faults = engine.load("faults");
  Replacements r;
  SECTION("died") {
    ferry::Pool pool(faults, {.workers = 1, .on_worker_replaced = r.hook()});
    const auto before = pool.apply<std::int64_t>("worker_pid", std::int64_t{0});
    CHECK_THROWS_AS(pool.apply<std::int64_t>("segfault", std::int64_t{0}), ferry::WorkerError);
    const auto after = pool.apply<std::int64_t>("worker_pid", std::int64_t{0});
    pool.close();
    pool.join();  // every pool thread is done: seen is complete
    REQUIRE(r.seen.size() == 1);
    CHECK(r.seen[0].cause == ferry::WorkerLoss::died);
    CHECK(r.seen[0].pid == before);
    CHECK(after != before);
    CHECK_THAT(r.seen[0].detail, Catch::Contains("SIGSEGV"));
  }
  SECTION("timed_out") {
    ferry::Pool pool(faults, {.workers = 1, .timeout = 300ms, .on_worker_replaced = r.hook()});
    CHECK_THROWS_AS(pool.apply<std::int64_t>("hang", std::int64_t{0}), ferry::Timeout);
    pool.close();
    pool.join();
    REQUIRE(r.seen.size() == 1);
    CHECK(r.seen[0].cause == ferry::WorkerLoss::timed_out);
    CHECK_THAT(r.seen[0].detail, Catch::Contains("timed out after 300ms"));
  }
  SECTION("protocol_error") {
    ferry::Pool pool(faults, {.workers = 1, .on_worker_replaced = r.hook()});
    CHECK_THROWS_AS(pool.apply<std::int64_t>("garbage_to_host", std::int64_t{0}), ferry::WorkerError);
    pool.close();
    pool.join();
    REQUIRE(r.seen.size() == 1);
    CHECK(r.seen[0].cause == ferry::WorkerLoss::protocol_error);
    CHECK_THAT(r.seen[0].detail, Catch::Contains("protocol error"));
  }
  SECTION("max_tasks") {
    ferry::Pool pool(faults, {.workers = 1, .max_tasks_per_child = 2, .on_worker_replaced = r.hook()});
    std::vector<std::int64_t> pids;
    for (int i = 0; i < 4; ++i) pids.push_back(pool.apply<std::int64_t>("worker_pid", std::int64_t{0}));
    pool.close();
    pool.join();
    CHECK(pids[0] == pids[1]);
    CHECK(pids[2] == pids[3]);
    CHECK(pids[1] != pids[2]);
    REQUIRE(r.seen.size() == 2);
    for (const auto& w : r.seen) CHECK(w.cause == ferry::WorkerLoss::max_tasks);
    CHECK(r.seen[0].pid == pids[0]);
    CHECK(r.seen[1].pid == pids[2]);
  }
  SECTION("terminate replaces nothing") {
    ferry::Pool pool(faults, {.workers = 1, .on_worker_replaced = r.hook()});
    auto pending = pool.apply_async<std::int64_t>("hang", std::int64_t{0});
    std::this_thread::sleep_for(100ms);
    pool.terminate();
    pool.join();
    CHECK_THROWS_AS(pending.get(), ferry::StateError);
    CHECK(r.seen.empty());
  }
}
