// ferry::Process: start, join with and without timeout, is_alive, exitcode
// with Python's conventions, terminate, pid, result.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>

#include <ferry/ferry.hpp>

using namespace std::chrono_literals;

TEST_CASE("a process runs one task and exits 0", "[process]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  ferry::Process proc(math, "slow_square", std::int64_t{3});
  CHECK(proc.pid() == 0);
  CHECK_FALSE(proc.exitcode().has_value());
  CHECK_FALSE(proc.is_alive());
  proc.start();
  CHECK(proc.pid() > 0);
  CHECK(proc.join(std::chrono::seconds(5)));
  CHECK_FALSE(proc.is_alive());
  CHECK(proc.exitcode() == 0);
  CHECK(proc.result<std::int64_t>() == 9);
}

TEST_CASE("join with a timeout returns while the task still runs; terminate stops it", "[process]") {
  ferry::Engine engine;
  ferry::Process proc(engine.load("math"), "long_task");
  proc.start();
  CHECK_FALSE(proc.join(200ms));  // long_task sleeps 10 s
  CHECK(proc.is_alive());
  CHECK_FALSE(proc.exitcode().has_value());
  proc.terminate();
  proc.join();
  CHECK_FALSE(proc.is_alive());
  CHECK(proc.exitcode() == -SIGTERM);
  CHECK_THROWS_WITH(proc.result<void>(), Catch::Contains("SIGTERM"));
}

TEST_CASE("exit codes follow Python: exception 1, std::exit(n) n, signal -n", "[process]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  ferry::Plugin faults = engine.load("faults");

  ferry::Process raised(math, "bad");
  raised.start();
  raised.join();
  CHECK(raised.exitcode() == 1);
  CHECK_THROWS_WITH(raised.result<void>(), Catch::Contains("std::runtime_error") && Catch::Contains("worker failed"));

  ferry::Process exited(faults, "exit_with", std::int64_t{7});
  exited.start();
  exited.join();
  CHECK(exited.exitcode() == 7);
  CHECK_THROWS_AS(exited.result<std::int64_t>(), ferry::WorkerError);

  ferry::Process crashed(faults, "segfault", std::int64_t{0});
  crashed.start();
  crashed.join();
  CHECK(crashed.exitcode() == -SIGSEGV);
  CHECK_THROWS_WITH(crashed.result<std::int64_t>(), Catch::Contains("SIGSEGV"));

  ferry::Process killed(faults, "hang", std::int64_t{0});
  killed.start();
  killed.kill();
  killed.join();
  CHECK(killed.exitcode() == -SIGKILL);
}

TEST_CASE("the 5-minute tutorial: five workers, their exit codes collected by pid", "[process][seeds]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  const std::vector<std::tuple<std::string, std::string, std::int64_t>> args = {
      {"Worker1", "New York", 0}, {"Worker2", "London", 1}, {"Worker3", "Sydney", 0},
      {"Worker4", "Lisbon", 1},   {"Worker5", "Paris", 0}};
  std::vector<ferry::Process> procs;
  std::map<int, std::string> worker_ids;
  for (const auto& [w, city, status] : args) {
    procs.emplace_back(math, "worker_function", w, city, status);
    procs.back().start();
    worker_ids[procs.back().pid()] = city;
  }
  CHECK(worker_ids.size() == 5);
  bool status_ok = true;
  for (std::size_t i = 0; i < procs.size(); ++i) {
    procs[i].join();
    CHECK(procs[i].exitcode() == std::get<2>(args[i]));
    CHECK(worker_ids[procs[i].pid()] == std::get<1>(args[i]));
    status_ok = status_ok && procs[i].exitcode() == 0;
  }
  CHECK_FALSE(status_ok);
}

TEST_CASE("start twice and join before start are errors", "[process]") {
  ferry::Engine engine;
  ferry::Process proc(engine.load("math"), "square", std::int64_t{2});
  CHECK_THROWS_AS(proc.join(), ferry::StateError);
  proc.start();
  CHECK_THROWS_AS(proc.start(), ferry::StateError);
  proc.join();
  CHECK(proc.result<std::int64_t>() == 4);
}

TEST_CASE("a process bound with wrong argument types is refused", "[process]") {
  ferry::Engine engine;
  CHECK_THROWS_AS(ferry::Process(engine.load("math"), "square", 2), ferry::SignatureError);
}

TEST_CASE("dynamic values reach typed parameters and come back", "[process]") {
  ferry::Engine engine;
  auto proc = ferry::Process::from_values(engine.load("math"), "multiply_matrices",
                                          {ferry::Value::List{ferry::Value::List{1, 2}, ferry::Value::List{3, 4}},
                                           ferry::Value::List{ferry::Value::List{5, 6}, ferry::Value::List{7, 8}}});
  proc.start();
  proc.join();
  CHECK(proc.exitcode() == 0);
  const ferry::Value expected = ferry::Value::List{ferry::Value::List{19, 22}, ferry::Value::List{43, 50}};
  CHECK(proc.value_result() == expected);

  auto wrong = ferry::Process::from_values(engine.load("math"), "power", {ferry::Value(2)});
  wrong.start();
  wrong.join();
  CHECK(wrong.exitcode() == 1);
  CHECK_THROWS_WITH(wrong.value_result(), Catch::Contains("takes 2 arguments, got 1"));
}

TEST_CASE("destroying a running process kills and reaps it", "[process]") {
  ferry::Engine engine;
  int pid = 0;
  {
    ferry::Process proc(engine.load("faults"), "hang", std::int64_t{0});
    proc.start();
    pid = proc.pid();
    REQUIRE(::kill(pid, 0) == 0);
  }
  // Reaped, not a zombie: the pid no longer names our child.
  CHECK(::kill(pid, 0) == -1);
}

// Workers start with vfork + exec: a failed exec must still come back to the
// host as an error naming the executable and the reason, not a dead child.
TEST_CASE("a worker executable that cannot run is reported with its path and reason", "[process]") {
  {
    ferry::Engine engine({.worker_executable = "/nonexistent/ferry-worker"});
    CHECK_THROWS_WITH(engine.load("math"),
                      "cannot start ferry-worker at /nonexistent/ferry-worker: No such file or directory");
  }
  ferry::Engine engine({.worker_executable = "/etc/hostname"});  // not a program (the reason varies: root may read it)
  CHECK_THROWS_WITH(engine.load("math"), Catch::StartsWith("cannot start ferry-worker at /etc/hostname: "));
}

TEST_CASE("check_arguments refuses, before anything runs, arguments that can never fit", "[process]") {
  ferry::Engine engine;
  const auto math = engine.load("math");
  using L = ferry::Value::List;
  CHECK_NOTHROW(math.check_arguments("power", L{2, 10}));
  CHECK_NOTHROW(math.check_arguments("multiply_matrices", L{L{L{1, 2}}, L{L{3}, L{4}}}));
  CHECK_THROWS_MATCHES(math.check_arguments("power", L{2}), ferry::SignatureError,
                       Catch::Message("task 'power' (i64,i64) takes 2 arguments, got 1"));
  CHECK_THROWS_MATCHES(math.check_arguments("power", L{2, "x"}), ferry::SignatureError,
                       Catch::Message("task 'power' (i64,i64): argument 2 (exp): expected i64, got string"));
  CHECK_THROWS_AS(math.check_arguments("midpoint", L{ferry::Value::Map{{"x", 0}, {"y", 0}}, 7}),
                  ferry::SignatureError);
  CHECK_THROWS_WITH(math.check_arguments("is_prim", L{7}), Catch::Contains("did you mean 'is_prime'?"));
}
