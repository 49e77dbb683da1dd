// The one door through which a pipeline run calls its PipelineObserver: one
// hook at a time, and an exception a hook throws turns into a failed run
// instead of escaping into an engine thread. Without an observer every call
// is one test of a null pointer, so stages call it unconditionally.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ferry/pipeline_observer.hpp>

namespace ferry::pipeline {

class RunControl;

class ObserverGate {
 public:
  // observer may be null; control is failed when a hook throws.
  ObserverGate(PipelineObserver* observer, RunControl& control) : observer_(observer), control_(control) {}

  bool active() const { return observer_ != nullptr; }

  void run_started(const std::string& pipeline, const std::vector<std::string>& stages) {
    if (observer_) call("run_started", [&](PipelineObserver& o) { o.run_started(pipeline, stages); });
  }
  void stage_started(const std::string& stage) {
    if (observer_) call("stage_started", [&](PipelineObserver& o) { o.stage_started(stage); });
  }
  void items_done(const std::string& stage, std::uint64_t count) {
    if (observer_ && count) call("items_done", [&](PipelineObserver& o) { o.items_done(stage, count); });
  }
  void item_failed(const std::string& stage, std::optional<std::uint64_t> item, const std::string& error,
                   ItemAction action) {
    if (observer_) call("item_failed", [&](PipelineObserver& o) { o.item_failed(stage, item, error, action); });
  }
  void worker_started(const std::string& stage, pid_t pid) {
    if (observer_) call("worker_started", [&](PipelineObserver& o) { o.worker_started(stage, pid); });
  }
  void chunk_finished(const std::string& stage, const ChunkRun& run) {
    if (observer_) call("chunk_finished", [&](PipelineObserver& o) { o.chunk_finished(stage, run); });
  }
  void worker_replaced(const std::string& stage, const WorkerReplaced& w) {
    if (observer_)
      call("worker_replaced", [&](PipelineObserver& o) { o.worker_replaced(stage, w.pid, w.cause, w.detail); });
  }
  void stage_finished(const std::string& stage, const StageStats& stats) {
    if (observer_) call("stage_finished", [&](PipelineObserver& o) { o.stage_finished(stage, stats); });
  }
  // Returns what the hook threw, as the run's error, or "": the run is over,
  // so there is nothing left to stop.
  std::string run_finished(const PipelineStats& stats);

 private:
  template <class F>
  void call(const char* hook, F&& f) {
    std::string error = guarded(hook, f);
    if (!error.empty()) stop_run(error);
  }
  // Runs f under the lock; returns "observer: <hook>: <what>" if it threw.
  template <class F>
  std::string guarded(const char* hook, F& f) {
    // A hook that stops the run (Pipeline::stop) can cause events on its own
    // thread; waiting for the lock it holds would deadlock, so they are dropped.
    if (owner_.load() == std::this_thread::get_id()) return "";
    std::lock_guard lock(mu_);
    if (broken_) return "";
    owner_ = std::this_thread::get_id();
    std::string error;
    try {
      f(*observer_);
    } catch (...) {
      broken_ = true;  // its state is unknown: no further calls
      error = describe(hook, std::current_exception());
    }
    owner_ = std::thread::id();
    return error;
  }
  static std::string describe(const char* hook, const std::exception_ptr& e);
  void stop_run(const std::string& error);  // outside the lock: stopping calls into the stages

  PipelineObserver* const observer_;
  RunControl& control_;
  std::mutex mu_;                           // held while a hook runs
  bool broken_ = false;                     // a hook threw; guarded by mu_
  std::atomic<std::thread::id> owner_{};    // the thread running a hook, if any
};

}  // namespace ferry::pipeline
