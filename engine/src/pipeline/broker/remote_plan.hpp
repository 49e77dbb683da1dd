// What a distributed run tells its workers: the task stages they may serve,
// each with the plugin build it needs, its task and settings, and the
// streams it reads and writes. Stored as JSON under the run's plan key, so
// that `ferry workers` and an operator with redis-cli can read it too.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "broker/plugin_identity.hpp"
#include "pipeline/spec/plan.hpp"

namespace ferry::pipeline {

// Task stages [first, last] that run on the broker's workers as one chain:
// items go stage to stage through streams, and only the results of `last`
// come back to the host. A gathering stage (apply) or a task source can
// only open a segment, since the host gathers or seeds its input.
struct Segment {
  std::size_t first = 0, last = 0;
};

struct RemoteStage {
  std::size_t index = 0;  // in the pipeline
  std::string name;
  Stage::Kind kind = Stage::Kind::map;
  broker::PluginIdentity plugin;
  std::string plugin_file;  // the host's file name (libmath.so): what a worker looks for
  std::string task;       // its name in the plugin
  std::string signature;  // "(i64) -> i64": a worker's task must have the same
  std::string task_label;
  bool typed_in = false, typed_out = false;
  std::uint16_t dead_letter = 0;
  FinalSettings settings;
  std::string in_stream, out_stream;
  std::string suspect_stream;  // its items taken over from lost workers, run one at a time
  std::string report_stream;  // the segment's end, which the host reads: where a failure goes
};

struct RemotePlan {
  static constexpr int kVersion = 1;
  std::string run;
  std::string pipeline;
  // How often workers renew what they hold; an entry idle for 3 heartbeats
  // belongs to a worker presumed dead and is taken over.
  std::chrono::milliseconds heartbeat{1000};
  // Deliveries after which an item whose workers keep dying becomes a
  // failure of its stage (handled by on_error). Only losses while the item
  // ran alone (as a suspect) count after the first.
  std::uint32_t max_deliveries = 3;
  std::vector<RemoteStage> stages;

  const RemoteStage* stage(std::size_t index) const;
};

// The segments of plan's task stages, in pipeline order.
std::vector<Segment> remote_segments(const Plan& plan);

// The description of plan's task stages for run.
RemotePlan describe_remote(const Plan& plan, const std::vector<Segment>& segments, const std::string& run,
                           std::chrono::milliseconds heartbeat);

std::string to_json(const RemotePlan& plan);
// Throws ferry::Error on text that is not a plan of this version.
RemotePlan remote_plan_from_json(const std::string& text);

// The StagePlan a worker runs a remote stage with: its Stage (which the
// StagePlan points to) lives in holder.
StagePlan stage_plan_for(const RemoteStage& remote, const Plugin& plugin, Stage& holder);

}  // namespace ferry::pipeline
