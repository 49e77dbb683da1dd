// Private to the pool: what PoolCore keeps per worker, shared by its files
// (pool_core.cpp feeds slots, pool_replies.cpp takes their replies).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>

#include "pool/pool_core.hpp"
#include "wire/spin_policy.hpp"

namespace ferry::detail {

struct PoolCore::Slot {
  std::unique_ptr<process::Worker> worker;
  std::exception_ptr start_error;  // why worker is null
  std::size_t calls_done = 0;      // by this worker, for max_tasks_per_child
  std::deque<Batch> in_flight;     // sent to the worker, oldest first
  // When the oldest batch in flight began to run: when it was sent, or when
  // the reply before it came (the worker runs calls in order).
  process::Clock::time_point oldest_started{};
  std::optional<std::chrono::nanoseconds> last_busy;  // how long the last batch took
  std::uint64_t last_group = 0;                        // and its group
  process::LogSink log;  // the worker's log lines, told which item of which batch wrote them
  const Batch* awaited = nullptr;  // the oldest batch, out of in_flight while its reply is awaited
  // Spins that save a wake-up when calls come one at a time (apply_async):
  // for the next batch once this slot is idle, and for a lone call's reply.
  wire::SpinPolicy idle_spin, reply_spin;
  // Whether the last batch took less than a spin: only then is a spin for
  // a reply, or for the next call, likely to pay. A map's large chunks
  // (hundreds of microseconds each) would have their slot threads spin
  // for nothing on CPUs the workers need (bench pool_map: 2x slower).
  bool last_was_brief() const { return last_busy && *last_busy < wire::SpinPolicy::budget(); }
};

}  // namespace ferry::detail
