// The stages the host runs itself, each in its own thread: sources that
// read inline values, ranges and files; batch, which groups items; and the
// sinks. Each closes its output queue when done and stops the run (through
// RunControl) on an input or output error.
#pragma once

#include <iosfwd>
#include <memory>

#include <ferry/shared.hpp>

#include "pipeline/run/item_queue.hpp"
#include "pipeline/spec/plan.hpp"
#include "pipeline/run/run_control.hpp"

namespace ferry::pipeline {

// values, range, lines, json_lines: every item as a Value archive. out is
// null when the source is the last stage: its items are dropped.
void run_source(const StagePlan& plan, std::size_t index, ItemQueue* out, RunControl& control);

// Groups consecutive items into lists of plan.stage->batch; error records
// pass on at once, outside any group. out is null when it is the last stage.
void run_batch(const StagePlan& plan, std::size_t index, ItemQueue& in, ItemQueue* out, RunControl& control);

// Where sinks write.
struct SinkTargets {
  std::ostream& out;     // sink: stdout
  std::ostream& errors;  // error records that reach a dict sink
  std::shared_ptr<ManagerLink> manager;
  Journal* journal = nullptr;  // a file sink's progress record (--journal)
};
void run_sink(const StagePlan& plan, std::size_t index, ItemQueue& in, RunControl& control, SinkTargets& targets);

}  // namespace ferry::pipeline
