// ferry::PipelineObserver: what a host implements to follow a pipeline run
// as it happens (progress, failed items, replaced workers) without polling
// and without exceptions crossing threads. Pass one in
// PipelineRunOptions::observer; docs/embedding.md shows an example.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ferry/export.hpp>
#include <ferry/pipeline.hpp>
#include <ferry/pool.hpp>

namespace ferry {

// What became of an item whose call failed.
enum class ItemAction {
  failed,     // on_error: fail; the run stops
  skipped,    // on_error: skip; the item is dropped
  collected,  // on_error: collect; an error record goes on in its place
  retried,    // it runs again (retries:); if that fails too, another event follows
};

// One call of a task stage's task, run by one worker: what a timeline
// shows as a slice.
struct ChunkRun {
  std::string task;         // "plugin.task", as the pipeline file names it
  pid_t pid = 0;            // the worker that ran it
  std::uint64_t first_item = 0;  // the stage's input position of its first item
  std::uint64_t items = 0;  // how many items it ran (a retry runs the failed ones of a chunk again)
  std::chrono::steady_clock::time_point started{};  // when the worker began it
  std::chrono::nanoseconds duration{};              // until its reply came
};

// Hooks called during Pipeline::run. Every hook does nothing by default:
// override the ones you need.
//
// Calls are serialized (never two at once, so an observer needs no lock of
// its own for state only its hooks touch) but come from the run's engine
// threads, not the thread that called run(): keep hooks short, since a
// stage waits while its hook runs. A hook that throws stops the run: run()
// returns ok false with error "observer: <hook>: <what()>", and the
// observer gets no further call. A hook may call Pipeline::stop; events
// that stopping causes on the hook's own thread are then not reported.
class FERRY_API PipelineObserver {
 public:
  virtual ~PipelineObserver() = default;

  // First of all: the pipeline's name and its stages' names, in file order.
  virtual void run_started(const std::string& /*pipeline*/, const std::vector<std::string>& /*stages*/) {}
  // A stage's thread began; before any other event of that stage.
  virtual void stage_started(const std::string& /*stage*/) {}
  // The stage passed count more items on (once per chunk, not per item);
  // the counts add up to the stage's StageStats::items_out.
  virtual void items_done(const std::string& /*stage*/, std::uint64_t /*count*/) {}
  // An item's call failed: its position in the stage's input (when the
  // stage knows it), the error ("type: message") and what happens next.
  virtual void item_failed(const std::string& /*stage*/, std::optional<std::uint64_t> /*item*/,
                           const std::string& /*error*/, ItemAction /*action*/) {}
  // A worker process of a task stage started: the stage's first workers,
  // and each one that replaces a lost or retired one.
  virtual void worker_started(const std::string& /*stage*/, pid_t /*pid*/) {}
  // A call of the stage's task came back (whatever became of its items).
  virtual void chunk_finished(const std::string& /*stage*/, const ChunkRun& /*run*/) {}
  // A worker of the stage was lost and is being replaced.
  virtual void worker_replaced(const std::string& /*stage*/, pid_t /*pid*/, WorkerLoss /*cause*/,
                               const std::string& /*detail*/) {}
  // The stage ended (finished, failed or stopped); its final counters.
  virtual void stage_finished(const std::string& /*stage*/, const StageStats& /*stats*/) {}
  // Last of all: what Pipeline::run is about to return.
  virtual void run_finished(const PipelineStats& /*stats*/) {}
};

}  // namespace ferry
