// A stage that runs a plugin task (map, starmap, flat_map, apply, or a
// generator source) on its own pool of workers. One thread reads the input
// queue and sends chunks; pool threads hand back outcomes, which retries and
// on_error turn into final results; an emitter thread pushes them on, in
// input order unless the stage says otherwise. At most 2 x workers chunks
// are in flight, so memory stays bounded however long the input is.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/run/item_codec.hpp"
#include "pipeline/run/item_queue.hpp"
#include "pipeline/spec/plan.hpp"
#include "pipeline/run/run_control.hpp"
#include "pool/pool_core.hpp"

namespace ferry::pipeline {

class TaskStage {
 public:
  // out may be null: the results of a last stage without a sink are dropped.
  TaskStage(const StagePlan& plan, std::size_t index, ItemQueue& in, ItemQueue* out, RunControl& control);
  ~TaskStage();
  TaskStage(const TaskStage&) = delete;
  TaskStage& operator=(const TaskStage&) = delete;

  // Feeds the pool until the input is drained, then waits until every
  // result has been pushed on (or the run stopped). Call from one thread.
  void run();

 private:
  // A chunk's items become its results in place: a slot's bytes are its
  // input until its call succeeds (retries and error records read them),
  // then its result, and the provenance stays where it is. So a chunk goes
  // on to the next queue as the vector it came in, no item moved.
  // flat_map and sources make any number of items of one: those go to
  // `expanded`, and the emitter lays them out.
  //
  // A plain chunk (a plain run came in, PlainRun) keeps its input run and
  // takes its one call's results as they arrived: it goes on as a plain
  // run, with no Item for any of its items. A call that did not succeed
  // for every item turns it into Items first (make_items), and the rest
  // is as for any chunk.
  struct Chunk {
    std::uint64_t seq = 0;
    std::uint64_t first_item = 0;               // position of slot 0 in the stage's input
    std::vector<Item> items;                    // per slot: the input, then the result
    std::vector<std::vector<Item>> expanded;    // flat_map and sources: per slot, its results
    std::vector<std::uint32_t> attempts;
    std::size_t pending = 0;                    // slots without a final result
    bool plain = false;
    PlainRun input;                             // plain: the items
    ferry::detail::ItemList results;            // plain: their results, once all are in

    std::size_t size() const { return plain ? input.size() : items.size(); }
    // A plain chunk's items as Items, every slot pending.
    void make_items();
  };
  // A chunk's slots that go out in one call: listed, or (a plain chunk's
  // call) all of them.
  struct Call {
    Chunk* chunk;
    std::vector<std::size_t> slots;
    bool all = false;

    std::size_t size() const { return all ? chunk->size() : slots.size(); }
    std::size_t slot(std::size_t k) const { return all ? k : slots[k]; }
  };
  // A failed attempt, for the observer; gathered under mu_, told after.
  struct FailedItem {
    std::optional<std::uint64_t> item;
    std::string error;
    ItemAction action;
  };

  // How many items the next call takes: at most max, or a whole batch of
  // up to max + slack (ItemQueue::pop).
  struct ChunkSize {
    std::size_t max, slack;
  };
  ChunkSize next_chunk_size() const;
  std::unique_ptr<Chunk> make_chunk(std::vector<Item>& items);
  std::unique_ptr<Chunk> make_chunk(PlainRun& run);
  // The request items of a call: its slots' inputs, each wrapped when the
  // stage wraps them.
  void encode_inputs(const Call& call, ferry::detail::ItemList& list) const;
  // Registers a chunk (waiting for room in the window) and sends its calls.
  void dispatch(std::unique_ptr<Chunk> chunk);
  void send(std::vector<Call> calls);
  // A call's outcomes arrived (from a pool thread).
  // Takes a plain chunk's results from outcomes when its call succeeded.
  void on_outcomes(const Call& call, ferry::detail::ChunkOutcomes& outcomes, std::chrono::nanoseconds busy);
  // Sets a slot's final result; caller holds mu_. Returns a reason to stop
  // the run (on_error: fail), or "". Adds an event to told when the run has
  // an observer.
  std::string finish_failed(Chunk& chunk, std::size_t slot, const std::exception_ptr& error,
                            std::vector<FailedItem>& told);
  void note_failure(std::vector<FailedItem>& told, const Chunk& chunk, std::size_t slot, const Failure& failure,
                    ItemAction action) const;
  // A slot's final result from a task's result bytes (split into its items
  // for flat_map and sources; throws, keeping the input, when they are not a
  // list).
  void finish_with_result(Chunk& chunk, std::size_t slot, std::string_view bytes);
  // Hands finished chunks on, in order; false when the run stopped.
  bool emit(std::vector<std::unique_ptr<Chunk>>& ready);
  // Moves up to max chunks that may go on now (in order, unless the stage
  // is unordered) from chunks_ to ready; false if none. mu_ held.
  bool take_ready(std::vector<std::unique_ptr<Chunk>>& ready, std::size_t max);
  // Called by a pool thread that finished a chunk: passes on what is ready
  // while the next queue has room, and wakes the emitter for the rest.
  void emit_here();
  void emit_loop();
  void end_emitter();  // lets the emitter finish and joins it

  const StagePlan& plan_;
  ItemQueue& in_;
  ItemQueue* out_;
  RunControl& control_;
  StageCounters& counters_;
  const std::string& stage_name_;
  std::uint32_t flags_ = 0;
  // The input is the call's one argument, sent as the list [input]: this
  // header goes before it (Value archives into map, flat_map and apply).
  std::string wrap_header_;
  bool expands_ = false;  // flat_map and sources: an item may give any number of results
  // Plain runs come in as they are (map and starmap: one result an item).
  bool takes_runs_ = false;
  ferry::detail::PoolCore pool_;
  const std::size_t window_;

  std::mutex mu_;
  std::condition_variable room_;   // the dispatcher waits for room in the window
  std::condition_variable ready_;  // the emitter waits for finished chunks
  std::map<std::uint64_t, std::unique_ptr<Chunk>> chunks_;  // in flight, by seq; guarded by mu_
  std::uint64_t next_seq_ = 0;     // guarded by mu_
  std::uint64_t next_emit_ = 0;    // ordered: the seq to emit next; guarded by mu_
  std::uint64_t items_seen_ = 0;   // dispatcher thread only
  std::atomic<std::uint64_t> items_called_{0};  // items of calls returned, whose time is in busy_ns
  bool input_done_ = false;        // guarded by mu_
  // A thread is passing chunks on (the emitter, or a pool thread in
  // emit_here): one at a time, so they go on in order. Guarded by mu_.
  bool emitting_ = false;
  bool emit_failed_ = false;  // the next queue refused items: the emitter stops; guarded by mu_
  std::thread emitter_;
};

}  // namespace ferry::pipeline
