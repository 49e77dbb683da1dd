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
