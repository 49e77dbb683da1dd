// The broker's key names. Every key of one run shares the hash tag {RUN}, so
// a Redis Cluster keeps a run on one shard; workers are not per run.
#pragma once

#include <cstddef>
#include <string>

namespace ferry::broker::keys {

// Runs in progress: a sorted set of run ids scored by their start time.
inline const std::string runs = "ferry:runs";
// The consumer group of every stage stream.
inline const std::string group = "workers";

inline std::string run_prefix(const std::string& run) { return "ferry:{" + run + "}:"; }
// The run's description (JSON) for workers: its stages, plugins, settings.
inline std::string plan(const std::string& run) { return run_prefix(run) + "plan"; }
// Exists while the host lives (a short expiry the host keeps renewing).
inline std::string alive(const std::string& run) { return run_prefix(run) + "alive"; }
// The input stream of task stage `stage` (its index in the pipeline).
inline std::string stage_stream(const std::string& run, std::size_t stage) {
  return run_prefix(run) + "stage:" + std::to_string(stage);
}
// Items of task stage `stage` taken over from a lost worker: each is run
// alone (a worker holds nothing else meanwhile), so that losing a worker
// again counts against that item only.
inline std::string suspect_stream(const std::string& run, std::size_t stage) {
  return run_prefix(run) + "stage:" + std::to_string(stage) + ":suspects";
}
// Where the results of the segment ending at stage `last` go (the host reads).
inline std::string out_stream(const std::string& run, std::size_t last) {
  return run_prefix(run) + "out:" + std::to_string(last);
}
// Workers that refused a stage of the run, with why (a hash).
inline std::string refusals(const std::string& run) { return run_prefix(run) + "refusals"; }
// Per stage counters workers keep (a hash): retried items.
inline std::string counters(const std::string& run) { return run_prefix(run) + "counters"; }
// A live worker's description (JSON), with a short expiry it renews.
inline std::string worker(const std::string& name) { return "ferry:worker:" + name; }
inline const std::string workers = "ferry:workers";  // a set of worker names

}  // namespace ferry::broker::keys
