// A validated pipeline, ready to run: each stage with its plugin loaded,
// its task resolved, its settings final and the encoding of both its edges
// decided. The planner makes it; the runner only follows it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ferry/engine.hpp>

#include "pipeline/spec/defaults.hpp"
#include "pipeline/spec/model.hpp"

namespace ferry::pipeline {

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
  // Where its error records go: 1 + an index into Plan::dead_letters, or 0
  // for the sink (stages without errors: here or on the pipeline).
  std::uint16_t dead_letter = 0;
  // apply: the input arrives already gathered into one call (a distributed
  // run's host gathers, and a worker only runs the call).
  bool gathered = false;
};

struct Plan {
  Pipeline model;
  std::vector<StagePlan> stages;
  // The errors: outputs the stages use, each once.
  std::vector<std::shared_ptr<const SinkConfig>> dead_letters;
};

}  // namespace ferry::pipeline
