// all_workers_up(pool): returns once every worker of a Pool has run a call.
//
// Pool's constructor returns at once and starts its workers in the
// background (one slot may take the engine's spare worker, up already), so
// a warm-up map can finish on the first worker while the other still
// starts, and the timed section after it would pay for that start (~4 ms
// of a CPU on this project's 2-CPU machines) as Python's, whose Pool forks
// its workers before it returns, does not. Rows that time calls wait here
// first; process_start is the row that times starting.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"

namespace bench {

// Needs the bench plugin's worker_pid task.
inline void all_workers_up(ferry::Pool& pool) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::set<std::int64_t> pids;
  while (pids.size() < pool.workers()) {
    check(Clock::now() < deadline, "the pool's workers did not all start within 60 s");
    std::vector<ferry::AsyncResult<std::int64_t>> calls;
    for (std::size_t i = 0; i < 4 * pool.workers(); ++i) calls.push_back(pool.apply_async<std::int64_t>("worker_pid"));
    for (auto& call : calls) pids.insert(call.get());
  }
}

}  // namespace bench
