// What every thread of one pipeline run shares: the counters progress is
// read from, the gate to the host's observer, and the one way to stop the
// run early (a failed item under on_error: fail, a sink that cannot write,
// a bad input line, an observer that threw).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/run/dead_letters.hpp"
#include "pipeline/run/item_queue.hpp"
#include "pipeline/run/journal.hpp"
#include "pipeline/run/observer_gate.hpp"

namespace ferry::pipeline {

using Clock = std::chrono::steady_clock;

// Per stage; written by that stage's threads, read by anyone.
struct StageCounters {
  std::atomic<std::uint64_t> items_in{0}, items_out{0};
  std::atomic<std::uint64_t> failed{0}, skipped{0}, collected{0}, retried{0};
  std::atomic<std::int64_t> busy_ns{0};
  std::atomic<std::uint64_t> resumed{0};  // sources: items skipped as done by an earlier run
  std::atomic<std::int64_t> in_flight{0};  // task stages: items dispatched and not yet emitted
  const ItemQueue* input = nullptr;        // the queue in front of the stage, for its depth; set before threads start
  std::atomic<std::int64_t> started_ns{-1}, finished_ns{-1};  // since the run started
};

class RunControl {
 public:
  // observer (may be null) is told of the run's events through observer().
  RunControl(std::size_t stages, PipelineObserver* observer)
      : counters_(stages), started_(Clock::now()), observer_(observer, *this) {}

  // Every stage reports its events here; a no-op without an observer.
  ObserverGate& observer() { return observer_; }

  StageCounters& counters(std::size_t stage) { return counters_[stage]; }
  std::size_t stages() const { return counters_.size(); }
  Clock::time_point started() const { return started_; }
  std::int64_t now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_).count();
  }

  // Queues cancelled and hooks called when the run stops early. A queue
  // kept on drain (the sink's) still delivers what reaches it.
  void watch(ItemQueue& queue, bool keep_on_drain = false);
  void on_stop(std::function<void()> hook);
  void on_drain(std::function<void()> hook);

  // Stops the run with reason (the first reason wins): every queue is
  // cancelled and every hook called. Safe from any thread, more than once.
  void fail(const std::string& reason);
  bool failed() const { return failed_.load(); }
  std::string reason() const;

  // Stops intake: sources stop reading, queued items are dropped (every
  // queue but the sink's is cancelled), calls in progress finish and the
  // results of the last task stage are still written.
  void drain();
  bool draining() const { return draining_.load(); }

  // The source's wish to hear which of its items are written (see
  // ItemEmitter::when_written); the sink stage tells it.
  void on_written(std::function<void(const std::vector<std::uint64_t>&)> hook);
  bool wants_written() const { return wants_written_.load(); }
  void written(const std::vector<std::uint64_t>& origins);

  // Source positions an earlier run finished (--journal): not read again.
  void skip_origins(const OriginSet* done) { done_ = done; }
  const OriginSet* skipped_origins() const { return done_; }
  // The run's errors: outputs (opened by the runner before any stage starts).
  DeadLetters& dead_letters() { return dead_letters_; }

 private:
  std::vector<StageCounters> counters_;
  const Clock::time_point started_;
  std::atomic<bool> failed_{false};
  std::atomic<bool> draining_{false};
  std::atomic<bool> wants_written_{false};
  const OriginSet* done_ = nullptr;
  ObserverGate observer_;
  DeadLetters dead_letters_;
  mutable std::mutex mu_;
  std::string reason_;                        // guarded by mu_
  std::vector<ItemQueue*> queues_;            // guarded by mu_
  std::vector<ItemQueue*> drained_queues_;    // guarded by mu_
  std::vector<std::function<void()>> hooks_;  // guarded by mu_
  std::vector<std::function<void()>> drain_hooks_;  // guarded by mu_
  std::function<void(const std::vector<std::uint64_t>&)> written_hook_;  // guarded by mu_
};

}  // namespace ferry::pipeline
