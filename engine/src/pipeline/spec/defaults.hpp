// The built-in stage settings: what a task stage gets for a setting that
// neither it nor `defaults:` sets. The one place they are written;
// docs/pipelines.md's settings table states the same values.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

#include "pipeline/spec/model.hpp"

namespace ferry::pipeline {

// Workers when nothing says: one per CPU, as Python's Pool().
inline std::size_t default_workers() { return std::max(1u, std::thread::hardware_concurrency()); }

// A task stage's settings with every default applied; default-constructed,
// the built-in defaults.
struct FinalSettings {
  std::size_t workers = default_workers();
  std::size_t chunksize = 0;  // 0: adapt to the queue in front
  bool ordered = true;
  std::optional<std::chrono::milliseconds> timeout;  // none: no limit
  std::size_t retries = 0;
  OnError on_error = OnError::fail;
  std::size_t max_tasks_per_child = 0;  // 0: never replaced
  std::size_t queue_size = 4096;
  std::uint64_t memory_limit = 0;  // 0: no limit
};

}  // namespace ferry::pipeline
