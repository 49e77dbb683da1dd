// Nothing is left behind: after pools and processes are gone, including ones
// whose workers crashed or timed out, the host holds no extra file
// descriptor and has no child process, reaped or not.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <filesystem>

#include <ferry/ferry.hpp>

using namespace std::chrono_literals;

namespace {
std::size_t dev_shm_entries() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/dev/shm")) ++n;
  return n;
}
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}
}  // namespace

TEST_CASE("no descriptor, zombie or worker outlives the engine", "[pool][process]") {
  const std::size_t before = open_fds();
  {
    ferry::Engine engine;
    ferry::Plugin faults = engine.load("faults");
    ferry::Pool pool(faults, {.workers = 2, .timeout = 200ms});
    CHECK(pool.apply<std::int64_t>("echo", std::int64_t{1}) == 1);
    CHECK_THROWS_AS(pool.apply<std::int64_t>("segfault", std::int64_t{0}), ferry::WorkerError);
    CHECK_THROWS_AS(pool.apply<std::int64_t>("hang", std::int64_t{0}), ferry::Timeout);
    CHECK_THROWS_AS(pool.apply<std::int64_t>("garbage_to_host", std::int64_t{0}), ferry::WorkerError);

    ferry::Process done(faults, "echo", std::int64_t{2});
    done.start();
    done.join();
    ferry::Process running(faults, "hang", std::int64_t{0});
    running.start();
    CHECK(running.is_alive());
    ferry::Pool terminated(faults, {.workers = 1});
    auto pending = terminated.apply_async<std::int64_t>("hang", std::int64_t{0});
    terminated.terminate();
    CHECK_THROWS_AS(pending.get(), ferry::StateError);
  }
  CHECK(open_fds() == before);
  // No child left at all: waitpid has nothing to wait for.
  errno = 0;
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

TEST_CASE("shared objects leave no descriptor, thread socket or /dev/shm entry", "[shared]") {
  const std::size_t fds_before = open_fds();
  const std::size_t shm_before = dev_shm_entries();
  {
    ferry::Engine engine;
    ferry::Plugin shared = engine.load("shared");
    auto counts = engine.dict<std::string, std::int64_t>("c");
    auto lock = engine.lock("l");
    auto value = engine.shared_value<std::int64_t>(1);
    auto array = engine.shared_array<std::int32_t>({1, 2, 3, 4});
    auto [a, b] = engine.pipe<std::int64_t>();
    ferry::Pool pool(shared, {.workers = 2});
    pool.apply<void>("add_many", counts, std::string("k"), std::int64_t{10});
    CHECK_THROWS_AS(pool.apply<void>("die_holding", lock), ferry::WorkerError);
    CHECK_THROWS_AS(pool.apply<void>("die_holding_value", value), ferry::WorkerError);
    ferry::Process p(shared, "pipe_count", b, std::int64_t{3});
    p.start();
    CHECK(a.recv() + a.recv() + a.recv() == 3);
    p.join();
    CHECK(dev_shm_entries() == shm_before);  // memfd: never a file in /dev/shm
  }
  CHECK(open_fds() == fds_before);
  CHECK(dev_shm_entries() == shm_before);
  errno = 0;
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}
