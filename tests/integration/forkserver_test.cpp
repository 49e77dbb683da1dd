// StartMethod::forkserver: workers forked from a process that loaded the
// plugin once behave as spawned ones do (results, exit codes, signals,
// shared objects, limits), die with it, and leave nothing behind.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <ferry/ferry.hpp>

#include "leftovers.hpp"

using namespace std::chrono_literals;
using I64 = std::int64_t;

namespace {
ferry::EngineOptions forking() { return {.start_method = ferry::StartMethod::forkserver}; }

// The parent of a live process, from /proc (its name may hold spaces).
pid_t parent_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  char state = 0;
  pid_t ppid = 0;
  rest >> state >> ppid;
  return ppid;
}
}  // namespace

TEST_CASE("forkserver: every worker is forked by one process, the host's child", "[process][forkserver]") {
  ferry::Engine engine(forking());
  ferry::Pool pool(engine.load("faults"), {.workers = 2});
  std::set<pid_t> parents;
  for (const I64 pid : pool.map<I64>("worker_pid", std::vector<I64>{0, 1, 2, 3, 4, 5}, {.chunksize = 1}))
    parents.insert(parent_of(static_cast<pid_t>(pid)));
  REQUIRE(parents.size() == 1);
  const pid_t forkserver = *parents.begin();
  CHECK(forkserver != ::getpid());
  CHECK(parent_of(forkserver) == ::getpid());

  ferry::Engine spawning;  // the default: workers are the host's children
  ferry::Pool spawned(spawning.load("faults"), {.workers = 1});
  CHECK(parent_of(static_cast<pid_t>(spawned.apply<I64>("worker_pid", I64{0}))) == ::getpid());
}

TEST_CASE("forkserver: results, exit codes, terminate and crashes as with spawned workers", "[process][forkserver]") {
  ferry::Engine engine(forking());
  const ferry::Plugin math = engine.load("math");
  const ferry::Plugin faults = engine.load("faults");

  ferry::Process ok(math, "slow_square", I64{3});
  ok.start();
  CHECK(ok.result<I64>() == 9);
  CHECK(ok.exitcode() == 0);

  ferry::Process raised(math, "bad");
  raised.start();
  raised.join();
  CHECK(raised.exitcode() == 1);
  CHECK_THROWS_WITH(raised.result<void>(), Catch::Contains("std::runtime_error"));

  ferry::Process exited(faults, "exit_with", I64{7});
  exited.start();
  exited.join();
  CHECK(exited.exitcode() == 7);

  ferry::Process crashed(faults, "segfault", I64{0});
  crashed.start();
  crashed.join();
  CHECK(crashed.exitcode() == -SIGSEGV);
  CHECK_THROWS_WITH(crashed.result<I64>(), Catch::Contains("SIGSEGV"));

  ferry::Process sleeper(math, "long_task");
  sleeper.start();
  CHECK_FALSE(sleeper.join(100ms));
  CHECK(sleeper.is_alive());
  sleeper.terminate();  // the host's SIGTERM is obeyed, though the forkserver is the parent
  sleeper.join();
  CHECK(sleeper.exitcode() == -SIGTERM);
}

TEST_CASE("forkserver: forked workers reach the engine's shared objects", "[process][forkserver][shared]") {
  ferry::Engine engine(forking());
  auto counts = engine.dict<std::string, I64>("counts");
  auto lock = engine.lock("lock");
  ferry::Pool pool(engine.load("shared"), {.workers = 2});
  std::vector<std::tuple<ferry::Dict<std::string, I64>, ferry::Lock, std::string, I64>> jobs(4, {counts, lock, "k", 500});
  pool.starmap<void>("locked_add_many", jobs, {.chunksize = 1});
  CHECK(counts.at("k") == 2000);
}

#ifndef FERRY_SANITIZED  // sanitizers reserve terabytes of address space: RLIMIT_AS cannot apply
TEST_CASE("forkserver: a memory limit holds in a forked worker", "[process][forkserver]") {
  ferry::Engine engine(forking());
  ferry::Pool pool(engine.load("faults"), {.workers = 1, .memory_limit = 256ull << 20});
  CHECK_THROWS(pool.apply<std::string>("huge_result", std::int64_t{1} << 30));
  CHECK(pool.apply<I64>("echo", I64{1}) == 1);
}
#endif

TEST_CASE("forkserver: its workers die with it, and the next start does not need it", "[process][forkserver]") {
  ferry::Engine engine(forking());
  const ferry::Plugin math = engine.load("math");
  ferry::Process sleeper(math, "long_task");
  sleeper.start();
  const pid_t forkserver = parent_of(sleeper.pid());
  REQUIRE(forkserver != ::getpid());
  REQUIRE(::kill(forkserver, SIGKILL) == 0);
  sleeper.join();
  CHECK(sleeper.exitcode() == -SIGKILL);
  ferry::Process again(math, "slow_square", I64{4});
  again.start();
  CHECK(again.result<I64>() == 16);
}

TEST_CASE("forkserver: a plugin that starts threads while loading gets spawned workers", "[process][forkserver]") {
  ferry::Engine engine(forking());
  ferry::Process p(engine.load("threads_on_load"), "parent_pid");
  p.start();
  CHECK(p.result<I64>() == ::getpid());
}

TEST_CASE("forkserver: no process outlives its engine", "[process][forkserver][cleanup]") {
  ferry::test::ProcessTag tag("FERRY_FORKSERVER_TEST", std::to_string(::getpid()));
  {
    ferry::Engine engine(forking());
    ferry::Pool pool(engine.load("math"), {.workers = 2});
    CHECK(pool.map<I64>("square", std::vector<I64>{1, 2, 3}) == std::vector<I64>{1, 4, 9});
    ferry::Process sleeper(engine.load("math"), "long_task");
    sleeper.start();
    // The forkserver and the sleeper at least; the pool's workers too, but
    // one of them may have run all three items before the other started.
    CHECK(tag.await_at_least(3) >= 3);
  }
  CHECK(tag.remaining().empty());
  CHECK(ferry::test::no_children());
}
