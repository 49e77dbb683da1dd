// A validated pipeline, ready to run: each stage with its plugin loaded,
// its task resolved, its settings final and the encoding of both its edges
// decided. The validator makes it; the runner only follows it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ferry/engine.hpp>

#include "pipeline/spec/model.hpp"

namespace ferry::pipeline {

// Settings with every default applied.
struct FinalSettings {
  std::size_t workers = 1;
  std::size_t chunksize = 0;  // 0: adapt to the queue in front
  bool ordered = true;
  std::optional<std::chrono::milliseconds> timeout;
  std::size_t retries = 0;
  OnError on_error = OnError::fail;
  std::size_t max_tasks_per_child = 0;
  std::size_t queue_size = 1024;
  std::uint64_t memory_limit = 0;
};

struct StagePlan {
  const Stage* stage = nullptr;  // points into Plan::model
  std::optional<Plugin> plugin;  // stages that run tasks
  std::uint32_t task = 0;        // index in plugin->tasks()
  std::string task_label;        // "math.is_prime"
  FinalSettings settings;
  // Items arrive as the task's typed cereal arguments (an exact type match
  // with a task stage before) instead of Value archives.
  bool typed_in = false;
  // Results leave typed (the next stage takes them typed) instead of as
  // Value archives.
  bool typed_out = false;
  // Dict sinks: the dict's key and value types.
  std::string key_type, value_type;
};

struct Plan {
  Pipeline model;
  std::vector<StagePlan> stages;
};

}  // namespace ferry::pipeline
