// A host for host_death_test: starts a pool whose workers are busy with long
// tasks, prints "ready", then waits to be killed.
#include <unistd.h>

#include <cstdio>

#include <ferry/ferry.hpp>

int main() {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("math"), {.workers = 2});
  // Both workers have answered once: they are up.
  pool.map<std::int64_t>("slow_square", std::vector<std::int64_t>{1, 2}, {.chunksize = 1});
  auto c = pool.apply_async<void>("long_task");
  auto d = pool.apply_async<void>("long_task");
  std::printf("ready\n");
  std::fflush(stdout);
  ::pause();  // until SIGKILL
}
