// The scheduling heart of Pool: a queue of batches and one thread per
// worker slot that feeds its worker, replaces it when it dies, times out or
// reaches max_tasks_per_child, and never lets a waiter hang. A slot keeps
// several quick batches in flight on its worker, so the worker never waits
// for a round trip between them (see take_batches).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <ferry/pool.hpp>

#include "engine/engine_core.hpp"
#include "wire/buffer_recycler.hpp"
#include "pool/group_queue.hpp"
#include "pool/result_buffer.hpp"
#include "process/worker.hpp"

namespace ferry::detail {

// Receives a finished batch's outcomes (one per item, in item order) and the
// time its worker spent on the call (zero when it never ran). Called once,
// from a pool thread or from terminate(); it may submit more work.
using BatchDone = std::function<void(ChunkOutcomes, std::chrono::nanoseconds busy)>;

// What the pipeline stage a call serves learns about it besides its
// outcomes.
struct StageCall {
  // Where item k of the call is in the stage's input, for log records.
  std::function<std::optional<std::uint64_t>(std::size_t)> position{};
  // Told, before done, that worker pid ran the call from started for busy
  // (replied calls only); may be empty.
  std::function<void(pid_t pid, process::Clock::time_point started, std::chrono::nanoseconds busy)> ran{};
};

// One call's worth of items and where their outcomes go.
struct Batch {
  wire::CallRequest request;
  BatchDone done;
  // Overrides PoolOptions::timeout for this call.
  std::optional<std::chrono::milliseconds> timeout{};
  // Batches of one group are alike (one map's chunks; a pipeline stage's
  // calls): a worker queues a batch behind others only once it has timed
  // one of the same group, so a quick earlier map says nothing about this one.
  std::uint64_t group = 0;
  // Null unless the batch serves a pipeline stage: behind a pointer, so
  // that a Pool.map of 10,000 one-item chunks does not write (and fault
  // in) 64 bytes of empty functions for each.
  std::shared_ptr<const StageCall> stage{};
};

// What a pool tells the pipeline stage it serves, besides outcomes.
struct PoolHooks {
  std::string stage;  // for log records; "" outside a pipeline
  std::function<void(pid_t)> worker_started{};  // after each worker's hello
};

// A BatchDone that fills buffer slots [first, first + n).
BatchDone fill_slots(std::shared_ptr<ResultBuffer> buffer, std::size_t first);

class PoolCore {
 public:
  PoolCore(Plugin plugin, PoolOptions options, PoolHooks hooks = {});
  ~PoolCore();  // terminates, then joins the slot threads

  void submit(std::vector<Batch> batches);  // throws StateError after close
  // As submit, for n batches that make makes one by one as they leave the
  // queue (in order, once each): a map of 10,000 chunks does not hold
  // 10,000 Batches at once.
  void submit_lazy(std::size_t n, GroupQueue<Batch>::Maker make);
  void close();
  void join();
  void terminate();

  const Plugin& plugin() const { return plugin_; }
  std::size_t workers() const { return threads_.size(); }
  // A group id no batch has used yet (Batch::group).
  std::uint64_t new_group() { return next_group_.fetch_add(1) + 1; }
  // Where this pool's request and reply buffers go back to between calls.
  const std::shared_ptr<BufferRecycler>& recycler() const { return recycler_; }

 private:
  struct Slot;  // one slot thread's worker and the batches it has in flight
  void slot_main();
  // Throws StateError once the pool is closed or terminated; mu_ held.
  void refuse_when_closed() const;
  // Tells idle slot threads of batches just queued (mu_ not held): wakes
  // one for one batch. claimed: the spinning slot takes the first one.
  void wake_slots_for(std::size_t batches, bool claimed);
  // True when a slot is spinning for batches and none has been promised to
  // it yet: the first batch just queued is then its, with no wake-up. mu_ held.
  bool claim_spinner();
  // Before an idle slot sleeps (lock holds mu_, queue empty): spins a while
  // for the next batch, if no other slot does, without the lock.
  void spin_while_idle(Slot& slot, std::unique_lock<std::mutex>& lock);
  // No batch can come any more: terminated, or closed with nothing queued.
  bool drained();
  std::unique_ptr<process::Worker> start_worker();
  // Takes batches from the queue for slot; false when the slot should end.
  bool take_batches(Slot& slot, std::vector<Batch>& taken);
  // Sends taken batches to the slot's worker (failing them when it has none).
  void send_batches(Slot& slot, std::vector<Batch>& taken);
  // Waits for the oldest batch in flight and delivers its outcomes.
  void finish_oldest(Slot& slot);
  // Waits for the reply to batch, the oldest in flight, holding each item to
  // the timeout; on a timeout the worker is stopped and culprit names the
  // item that ran past it, when the worker's progress page says.
  process::CallOutcome await_reply(Slot& slot, const Batch& batch, std::optional<std::size_t>& culprit);
  // The items of batch at positions `again`, to run again: their outcomes,
  // once in, fill those places of known (one outcome per item of batch),
  // and the whole goes to batch's done, which this takes over.
  Batch rerun_of(Batch& batch, std::vector<std::size_t> again, ChunkOutcomes known, std::chrono::nanoseconds lost);
  // Puts batches that never ran back at the front of the queue, in order.
  void requeue(std::deque<Batch> batches);
  // Tells options_.on_worker_replaced (if any) that a worker is gone.
  void report_loss(pid_t pid, WorkerLoss cause, std::string detail);
  void fail_batch(Batch& batch, const std::exception_ptr& error,
                  std::chrono::nanoseconds busy = std::chrono::nanoseconds::zero());
  ChunkOutcomes outcomes_from(wire::CallReply& reply, const std::string& task);

  Plugin plugin_;
  PoolOptions options_;
  PoolHooks hooks_;
  std::shared_ptr<BufferRecycler> recycler_ = std::make_shared<BufferRecycler>();
  int wake_fd_ = -1;  // eventfd, made readable once by terminate()

  std::mutex mu_;
  std::condition_variable cv_;
  GroupQueue<Batch> queue_;  // guarded by mu_
  bool closed_ = false;      // guarded by mu_
  bool terminated_ = false;  // guarded by mu_
  std::size_t idle_slots_ = 0;  // slots waiting for work with nothing in flight; guarded by mu_
  // One idle slot at a time spins for the next batch before it sleeps
  // (take_batches): a batch that finds it spinning needs no wake-up, so
  // the first such batch skips the notify. Both guarded by mu_.
  bool spinning_ = false, spinner_claimed_ = false;
  // Changes whenever the queue gains batches or the pool closes: what the
  // spinning slot watches without the lock.
  std::atomic<std::uint64_t> news_{0};
  std::uint64_t next_id_ = 1;  // guarded by mu_
  std::atomic<std::uint64_t> next_group_{0};
  std::vector<std::thread> threads_;
  std::mutex join_mu_;  // serialises joining threads_
};

}  // namespace ferry::detail
