// The worker that Engine::load starts to read a plugin's task table becomes
// the first worker of the next pool or process made from the plugin, when
// that one would start an identical worker; otherwise it is never used, and
// never left behind.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <ferry/ferry.hpp>

namespace {

// A ferry-worker behind a wrapper that writes its pid (which exec keeps)
// to a file at every start.
class CountedWorker {
 public:
  CountedWorker() {
    char dir_template[] = "/tmp/ferry-loading-worker-XXXXXX";
    dir_ = ::mkdtemp(dir_template);
    log_ = dir_ + "/starts";
    wrapper_ = dir_ + "/worker.sh";
    std::ofstream script(wrapper_);
    script << "#!/bin/sh\necho $$ >> '" << log_ << "'\nexec '" << FERRY_TEST_WORKER << "' \"$@\"\n";
    script.close();
    ::chmod(wrapper_.c_str(), 0755);
  }
  ~CountedWorker() { std::filesystem::remove_all(dir_); }

  ferry::EngineOptions options() const { return {.worker_executable = wrapper_}; }

  // The pids of every worker started so far, in order.
  std::vector<pid_t> starts() const {
    std::vector<pid_t> pids;
    std::ifstream in(log_);
    for (long pid; in >> pid;) pids.push_back(static_cast<pid_t>(pid));
    return pids;
  }

 private:
  std::string dir_, log_, wrapper_;
};

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

// Whether pid has exited and waits to be reaped (state Z in /proc).
bool is_zombie(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

}  // namespace

TEST_CASE("a pool's first worker is the one that loaded its plugin", "[loading_worker]") {
  CountedWorker counted;
  {
    ferry::Engine engine(counted.options());
    ferry::Pool pool(engine.load("faults"), {.workers = 1});
    const auto pids = pool.map<std::int64_t>("worker_pid", std::vector<std::int64_t>{1, 2, 3});
    REQUIRE(counted.starts().size() == 1);
    CHECK(pids == std::vector<std::int64_t>(3, counted.starts()[0]));
  }
  CHECK_FALSE(process_exists(counted.starts()[0]));
}

TEST_CASE("a process's worker is the one that loaded its plugin", "[loading_worker]") {
  CountedWorker counted;
  ferry::Engine engine(counted.options());
  ferry::Process process(engine.load("faults"), "worker_pid", std::int64_t{0});
  process.start();
  process.join();
  CHECK(process.exitcode() == 0);
  REQUIRE(counted.starts().size() == 1);
  CHECK(process.pid() == counted.starts()[0]);
}

TEST_CASE("only the first pool takes the loading worker", "[loading_worker]") {
  CountedWorker counted;
  ferry::Engine engine(counted.options());
  ferry::Plugin faults = engine.load("faults");
  ferry::Pool first(faults, {.workers = 1});
  ferry::Pool second(faults, {.workers = 1});
  const auto a = first.map<std::int64_t>("worker_pid", std::vector<std::int64_t>{1});
  const auto b = second.map<std::int64_t>("worker_pid", std::vector<std::int64_t>{1});
  CHECK(a[0] != b[0]);
  CHECK(counted.starts().size() == 2);
}

#ifndef FERRY_SANITIZED  // sanitizers reserve terabytes of address space: RLIMIT_AS cannot apply
// A memory limit is set as a worker starts: the loading worker has none.
TEST_CASE("a pool with a memory limit starts its own workers", "[loading_worker]") {
  CountedWorker counted;
  ferry::Engine engine(counted.options());
  ferry::Plugin faults = engine.load("faults");
  const pid_t loader = counted.starts().at(0);
  ferry::Pool pool(faults, {.workers = 1, .memory_limit = 256u << 20});
  const auto pids = pool.map<std::int64_t>("worker_pid", std::vector<std::int64_t>{1});
  CHECK(pids[0] != loader);
  CHECK(counted.starts().size() == 2);
}
#endif

TEST_CASE("a loading worker killed while it waits costs no item", "[loading_worker]") {
  CountedWorker counted;
  ferry::Engine engine(counted.options());
  ferry::Plugin faults = engine.load("faults");
  const pid_t loader = counted.starts().at(0);
  REQUIRE(::kill(loader, SIGKILL) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!is_zombie(loader) && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  REQUIRE(is_zombie(loader));
  ferry::Pool pool(faults, {.workers = 1});
  const auto pids = pool.map<std::int64_t>("worker_pid", std::vector<std::int64_t>{1, 2});
  CHECK(pids[0] != loader);
  CHECK(pids[0] == pids[1]);
  CHECK(counted.starts().size() == 2);
}

TEST_CASE("a loading worker nothing takes goes with its plugin", "[loading_worker]") {
  CountedWorker counted;
  {
    ferry::Engine engine(counted.options());
    CHECK(engine.load("faults").name() == "faults");
  }
  REQUIRE(counted.starts().size() == 1);
  CHECK_FALSE(process_exists(counted.starts()[0]));
}
