// A host for host_death_test: starts a pool whose two workers are both busy,
// prints their pids and "ready", then waits to be killed.
//   ferry_test_host [spawn|forkserver]   the engine's start method
#include <unistd.h>

#include <cstdio>
#include <string>

#include <ferry/ferry.hpp>

int main(int argc, char** argv) {
  const bool forkserver = argc > 1 && std::string(argv[1]) == "forkserver";
  ferry::Engine engine({.start_method = forkserver ? ferry::StartMethod::forkserver : ferry::StartMethod::spawn});
  ferry::Pool pool(engine.load("shared"), {.workers = 2});
  auto pids = engine.queue<std::int64_t>("pids");
  auto go = engine.event("go");  // never set
  auto a = pool.apply_async<void>("report_pid_and_wait", pids, go);
  auto b = pool.apply_async<void>("report_pid_and_wait", pids, go);
  // Each worker reports once it runs its task, so both are up and busy.
  for (int i = 0; i < 2; ++i) std::printf("%lld\n", static_cast<long long>(pids.get()));
  std::printf("ready\n");
  std::fflush(stdout);
  ::pause();  // until SIGKILL
}
