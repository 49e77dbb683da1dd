// A plugin that starts a thread while it loads, as one with a thread pool
// or a background logger does. A process holding such a thread cannot be
// forked safely, so an engine with StartMethod::forkserver spawns this
// plugin's workers (tests/integration/forkserver_test.cpp).
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include <ferry/plugin.hpp>

namespace {

const bool thread_started = [] {
  std::thread([] {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }).detach();
  return true;
}();

// The pid of the worker's parent.
std::int64_t parent_pid() { return thread_started ? ::getppid() : 0; }

}  // namespace

FERRY_PLUGIN(threads_on_load, "1.0") { plugin.task("parent_pid", parent_pid, "the pid of this worker's parent"); }
