// The stages the host runs itself, each in its own thread: sources (their
// connector reads), batch, which groups items, and sinks (their connector
// writes). Each closes its output queue when done and stops the run (through
// RunControl) on an input or output error.
#pragma once

#include <iosfwd>
#include <memory>

#include <ferry/shared.hpp>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/run/item_queue.hpp"
#include "pipeline/spec/plan.hpp"
#include "pipeline/run/run_control.hpp"

namespace ferry::pipeline {

// A source the host reads: every item as a Value archive. out is null when
// the source is the last stage: its items are dropped.
void run_source(const StagePlan& plan, std::size_t index, ItemQueue* out, RunControl& control, const SourceIo& io);

// Groups consecutive items into lists of plan.stage->batch; error records
// pass on at once, outside any group. out is null when it is the last stage.
void run_batch(const StagePlan& plan, std::size_t index, ItemQueue& in, ItemQueue* out, RunControl& control);

// Writes every item through the sink's connector. Error records go to their
// errors: output, else into the sink when it takes them, else as JSON lines
// to io.err. With a journal, records which source items are completely
// written, after the bytes are.
void run_sink(const StagePlan& plan, std::size_t index, ItemQueue& in, RunControl& control, const SinkIo& io,
              Journal* journal);

}  // namespace ferry::pipeline
