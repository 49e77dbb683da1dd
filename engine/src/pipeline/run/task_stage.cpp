#include "pipeline/run/task_stage.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <optional>

#include <ferry/abi.h>
#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

#include "engine/thread_name.hpp"
#include "pipeline/run/item_codec.hpp"
#include "pipeline/run/short_copy.hpp"
#include "pipeline/run/retry_policy.hpp"

namespace ferry::pipeline {
namespace {

constexpr std::size_t kMaxAutoChunk = 4096;
// An automatic chunk takes about this much of a worker's time.
constexpr std::chrono::nanoseconds kChunkTime = std::chrono::milliseconds(10);
// Chunks before the first call has told how long an item takes.
constexpr std::size_t kFirstChunks = 64;

// Passes the pool's started workers on to the run's observer; none without one.
std::function<void(pid_t)> worker_started_hook(RunControl& control, const std::string& stage) {
  if (!control.observer().active()) return {};
  return [&control, &stage](pid_t pid) { control.observer().worker_started(stage, pid); };
}

// Passes the pool's replaced workers on to the run's observer; none without
// one, so the pool does not even call out.
std::function<void(const WorkerReplaced&)> worker_replaced_hook(RunControl& control, const std::string& stage) {
  if (!control.observer().active()) return {};
  return [&control, &stage](const WorkerReplaced& w) { control.observer().worker_replaced(stage, w); };
}

}  // namespace

TaskStage::TaskStage(const StagePlan& plan, std::size_t index, ItemQueue& in, ItemQueue* out, RunControl& control)
    : plan_(plan),
      in_(in),
      out_(out),
      control_(control),
      counters_(control.counters(index)),
      stage_name_(plan.stage->name),
      pool_(*plan.plugin, PoolOptions{.workers = plan.settings.workers,
                                      .max_tasks_per_child = plan.settings.max_tasks_per_child,
                                      .timeout = std::nullopt,
                                      .memory_limit = plan.settings.memory_limit,
                                      .on_worker_replaced = worker_replaced_hook(control, plan.stage->name)},
            ferry::detail::PoolHooks{plan.stage->name, worker_started_hook(control, plan.stage->name)}),
      window_(2 * std::max<std::size_t>(1, plan.settings.workers)) {
  if (!plan.typed_in) flags_ |= FERRY_CALL_VALUE_IN;
  if (!plan.typed_out) flags_ |= FERRY_CALL_VALUE_OUT;
  const auto kind = plan.stage->kind;
  if (!plan.typed_in && (kind == Stage::Kind::map || kind == Stage::Kind::flat_map || kind == Stage::Kind::apply))
    wrap_header_ = value_list_header(1);
  expands_ = kind == Stage::Kind::flat_map || kind == Stage::Kind::source;
  takes_runs_ = kind == Stage::Kind::map || kind == Stage::Kind::starmap;
  // The emitter first: if no thread can be had, nothing refers to this
  // stage yet when the error leaves (the pool's destructor stops its own).
  emitter_ = std::thread([this] {
    ferry::detail::name_this_thread("e:", stage_name_);
    emit_loop();
  });
  try {
    control_.on_stop([this] {
      { std::lock_guard lock(mu_); }  // a waiter between its check and its wait sees the stop
      room_.notify_all();
      ready_.notify_all();
      pool_.terminate();
    });
    control_.on_drain([this] {
      { std::lock_guard lock(mu_); }
      room_.notify_all();
      ready_.notify_all();
    });
  } catch (...) {
    end_emitter();
    throw;
  }
}

void TaskStage::end_emitter() {
  {
    std::lock_guard lock(mu_);
    input_done_ = true;
  }
  ready_.notify_all();
  if (emitter_.joinable()) emitter_.join();
}

TaskStage::~TaskStage() { end_emitter(); }

void TaskStage::run() {
  const bool gather = plan_.stage->kind == Stage::Kind::apply && !plan_.gathered;
  std::vector<Item> items, gathered;
  PlainRun run;
  while (!control_.failed()) {
    // Sized once items are there: sized while the stage waited on an empty
    // queue, the next chunk would be one item, whatever came next.
    if (!in_.wait_for_items()) break;
    const auto size = gather ? ChunkSize{4096, 0} : next_chunk_size();
    if (takes_runs_ ? !in_.pop(run, items, size.max, size.slack) : !in_.pop(items, size.max, size.slack)) break;
    const std::uint64_t n = run.empty() ? count_items(items) : run.size();
    if (counters_.items_in.fetch_add(n) == 0) counters_.started_ns = control_.now_ns();
    if (gather) {
      std::move(items.begin(), items.end(), std::back_inserter(gathered));
      continue;
    }
    counters_.in_flight += static_cast<std::int64_t>(run.empty() ? items.size() : run.size());
    dispatch(run.empty() ? make_chunk(items) : make_chunk(run));
  }
  if (gather && !control_.failed() && !control_.draining()) {
    auto call = gather_for_apply(gathered);
    counters_.in_flight += static_cast<std::int64_t>(call.size());
    dispatch(make_chunk(call));
  }
  {
    std::lock_guard lock(mu_);
    input_done_ = true;
  }
  ready_.notify_all();
  emitter_.join();
  if (control_.failed()) pool_.terminate();
  else pool_.close();
  pool_.join();
  counters_.finished_ns = control_.now_ns();
}

TaskStage::ChunkSize TaskStage::next_chunk_size() const {
  if (plan_.settings.chunksize) return {plan_.settings.chunksize, 0};
  // What is queued now, spread over the workers: large chunks when the
  // input runs ahead (one call, and one hand-over between threads, for
  // many items), single items when it trickles. Until an item's time is
  // known, over two rounds of them and at most kFirstChunks, in case items
  // are slow. (Spread over two rounds throughout, quick items went in
  // chunks half as large and the pipeline row took 15% longer: the window
  // of two chunks a worker already keeps the next one ready.)
  const std::size_t workers = std::max<std::size_t>(1, plan_.settings.workers), queued = in_.size();
  // Slow items go in short calls: a chunk takes about kChunkTime of a
  // worker, so the last chunks of a run do not keep one worker busy while
  // the others wait, and results do not wait long behind a large chunk.
  const auto items = items_called_.load(std::memory_order_relaxed);
  const auto busy = counters_.busy_ns.load(std::memory_order_relaxed);
  if (items == 0 || busy <= 0) {
    const std::size_t rounds = 2 * workers;
    return {std::clamp<std::size_t>((queued + rounds - 1) / rounds, 1, kFirstChunks), 0};
  }
  const std::size_t by_queue = std::clamp<std::size_t>((queued + workers - 1) / workers, 1, kMaxAutoChunk);
  const auto per_item = std::max<std::int64_t>(1, busy / static_cast<std::int64_t>(items));
  const auto by_time = static_cast<std::size_t>(std::max<std::int64_t>(1, kChunkTime.count() / per_item));
  if (by_time < by_queue) return {by_time, 0};
  // Quick items: a batch that arrived whole goes on whole, up to twice the
  // size (and kMaxAutoChunk), rather than split item by item.
  const std::size_t room = std::min({by_queue, kMaxAutoChunk - by_queue, by_time - by_queue});
  return {by_queue, room};
}

std::unique_ptr<TaskStage::Chunk> TaskStage::make_chunk(std::vector<Item>& items) {
  auto c = std::make_unique<Chunk>();
  const std::size_t n = items.size();
  c->first_item = items_seen_;
  items_seen_ += n;
  c->items.swap(items);
  if (expands_) c->expanded.resize(n);
  c->attempts.assign(n, 0);
  c->pending = 0;
  for (const auto& item : c->items) c->pending += !item.passes_through();  // passed on as they are
  return c;
}

std::unique_ptr<TaskStage::Chunk> TaskStage::make_chunk(PlainRun& run) {
  auto c = std::make_unique<Chunk>();
  c->plain = true;
  c->first_item = items_seen_;
  items_seen_ += run.size();
  c->pending = run.size();
  c->input = std::move(run);
  run.clear();
  return c;
}

void TaskStage::Chunk::make_items() {
  items.reserve(input.size());
  append_items(items, input, 0, input.size());
  attempts.assign(items.size(), 0);
  input.clear();
  plain = false;
}

void TaskStage::dispatch(std::unique_ptr<Chunk> chunk) {
  std::vector<Call> calls;
  bool complete = false;
  {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return control_.failed() || control_.draining() || chunks_.size() < window_; });
    if (control_.failed() || control_.draining()) return;  // draining: queued items are dropped
    complete = chunk->pending == 0;  // all passed through: the emitter may take it at once
    chunk->seq = next_seq_++;
    Call call{chunk.get(), {}, chunk->plain};
    if (!chunk->plain) {
      call.slots.reserve(chunk->pending);
      for (std::size_t i = 0; i < chunk->items.size(); ++i)
        if (!chunk->items[i].passes_through()) call.slots.push_back(i);
    }
    if (call.size() > 0) calls.push_back(std::move(call));
    chunks_.emplace(chunk->seq, std::move(chunk));
  }
  if (complete) ready_.notify_one();
  send(std::move(calls));
}

void TaskStage::send(std::vector<Call> calls) {
  std::vector<ferry::detail::Batch> batches;
  batches.reserve(calls.size());
  for (auto& call : calls) {
    ferry::detail::Batch b;
    b.request.task = plan_.task;
    b.request.flags = flags_;
    encode_inputs(call, b.request.items);
    b.timeout = plan_.settings.timeout;  // per item, whatever the chunk's size
    auto shared = std::make_shared<const Call>(std::move(call));
    // Valid while the call is in flight: its chunk waits for its outcomes.
    // (The call's size is fixed when it is made: a plain chunk that
    // becomes Items keeps its slots.)
    const std::size_t size = shared->size();
    auto stage = std::make_shared<ferry::detail::StageCall>();
    stage->position = [shared, size](std::size_t k) -> std::optional<std::uint64_t> {
      if (k >= size) return std::nullopt;  // a worker's claim, not trusted
      return shared->chunk->first_item + shared->slot(k);
    };
    if (control_.observer().active() && size > 0)
      stage->ran = [this, shared, size](pid_t pid, ferry::process::Clock::time_point started, std::chrono::nanoseconds busy) {
        control_.observer().chunk_finished(
            stage_name_, ChunkRun{plan_.task_label, pid, shared->chunk->first_item + shared->slot(0), size, started, busy});
      };
    b.stage = std::move(stage);
    b.done = [this, shared](ferry::detail::ChunkOutcomes outcomes, std::chrono::nanoseconds busy) {
      on_outcomes(*shared, outcomes, busy);
    };
    batches.push_back(std::move(b));
  }
  try {
    pool_.submit(std::move(batches));
  } catch (const StateError&) {
    // The pool was terminated: the run is stopping and nobody waits for these.
  }
}

void TaskStage::encode_inputs(const Call& call, ferry::detail::ItemList& list) const {
  if (call.chunk->plain && wrap_header_.empty()) {
    list = call.chunk->input.items;  // the run's buffer as it is: one copy
    return;
  }
  // Pending slots' bytes are their inputs, and only this call finishes them.
  const auto input = [&](std::size_t slot) -> std::string_view {
    return call.chunk->plain ? call.chunk->input.items[slot] : std::string_view(call.chunk->items[slot].bytes);
  };
  const std::size_t n = call.size();
  std::size_t bytes = 0;
  for (std::size_t k = 0; k < n; ++k) bytes += wrap_header_.size() + input(call.slot(k)).size();
  // One resize and two copies an item: appends would cost a call into
  // libstdc++ each, a good part of the host's time per item.
  list.reserve(n, bytes);
  std::size_t end = list.bytes().size();
  char* out = list.grow(bytes);
  for (std::size_t k = 0; k < n; ++k) {
    const std::string_view in = input(call.slot(k));
    copy_short(out, wrap_header_.data(), wrap_header_.size());
    copy_short(out + wrap_header_.size(), in.data(), in.size());
    out += wrap_header_.size() + in.size();
    end += wrap_header_.size() + in.size();
    list.seal_at(end);
  }
}

void TaskStage::finish_with_result(Chunk& chunk, std::size_t slot, std::string_view bytes) {
  Item& item = chunk.items[slot];
  if (!expands_) {
    // Results are mostly no longer than their inputs (typed scalars: the
    // same size): overwritten in place, without assign's call into libstdc++.
    if (bytes.size() <= item.bytes.size()) {
      copy_short(item.bytes.data(), bytes.data(), bytes.size());
      item.bytes.erase(bytes.size());
    } else {
      item.bytes.assign(bytes);
    }
    --chunk.pending;
    return;
  }
  auto elements = split_value_list(bytes);  // throws before anything changes
  auto& out = chunk.expanded[slot];
  if (elements.empty()) {
    // Nothing to pass on, but the origin is done: a tombstone says so.
    out.push_back(Item{{}, false, true, 0, std::move(item.from)});
  } else {
    out.reserve(elements.size());
    for (std::size_t i = 0; i + 1 < elements.size(); ++i)
      out.push_back(Item{std::move(elements[i]), false, false, 0, item.from.opening()});
    out.push_back(Item{std::move(elements.back()), false, false, 0, std::move(item.from)});  // the last one closes
  }
  --chunk.pending;
}

void TaskStage::note_failure(std::vector<FailedItem>& told, const Chunk& chunk, std::size_t slot,
                             const Failure& failure, ItemAction action) const {
  if (!control_.observer().active()) return;
  std::optional<std::uint64_t> item;
  if (plan_.stage->kind != Stage::Kind::apply) item = chunk.first_item + slot;  // apply: one call for all items
  told.push_back(FailedItem{item, failure.type + ": " + failure.message, action});
}

std::string TaskStage::finish_failed(Chunk& chunk, std::size_t slot, const std::exception_ptr& error,
                                     std::vector<FailedItem>& told) {
  ++counters_.failed;
  const Failure failure = describe_failure(error);
  note_failure(told, chunk, slot, failure,
               plan_.settings.on_error == OnError::skip      ? ItemAction::skipped
               : plan_.settings.on_error == OnError::collect ? ItemAction::collected
                                                             : ItemAction::failed);
  const std::uint64_t item = chunk.first_item + slot;
  std::optional<Value> input;
  Item& slot_item = chunk.items[slot];
  if (!plan_.typed_in && plan_.stage->kind != Stage::Kind::apply) {
    try {
      input = codec::decode_value(slot_item.bytes);  // map's one argument; starmap's argument list
    } catch (const std::exception&) {
    }
  }
  // The slot's item becomes a tombstone or an error record in place (or, in
  // a stage that expands, its one result): its provenance stays with it.
  auto finish_as = [&](std::string bytes, bool record) {
    Item done{std::move(bytes), record, !record, record ? plan_.dead_letter : std::uint16_t{0}, std::move(slot_item.from)};
    if (expands_) chunk.expanded[slot].push_back(std::move(done));
    else slot_item = std::move(done);
    --chunk.pending;
  };
  switch (plan_.settings.on_error) {
    case OnError::skip:
      ++counters_.skipped;
      finish_as({}, false);
      return "";
    case OnError::collect:
      ++counters_.collected;
      finish_as(error_record(stage_name_, plan_.task_label, item, failure, input ? &*input : nullptr), true);
      return "";
    case OnError::fail:
      break;
  }
  // The slot stays pending: nothing after it may reach the next stage
  // before the run stops.
  std::string reason = "stage '" + stage_name_ + "': " + plan_.task_label + " failed on item " + std::to_string(item);
  if (input) reason += " (input " + to_json(*input) + ")";
  return reason + ": " + failure.type + ": " + failure.message;
}

void TaskStage::on_outcomes(const Call& call, ferry::detail::ChunkOutcomes& outcomes, std::chrono::nanoseconds busy) {
  counters_.busy_ns += busy.count();
  const std::size_t n = call.size();
  items_called_ += n;
  std::vector<Call> resend;
  std::vector<FailedItem> told;
  std::string stop;
  bool complete = false;
  {
    std::lock_guard lock(mu_);
    Chunk& chunk = *call.chunk;  // alive: these slots are still pending
    // A plain chunk whose call succeeded for every item goes on as the
    // reply's items; any other outcome is settled slot by slot, as Items.
    const bool all_results = chunk.plain && outcomes.errors.empty() && outcomes.size() == n;
    if (chunk.plain && !all_results) chunk.make_items();
    bool whole_call_lost = n > 1 && !outcomes.errors.empty();
    for (const auto& e : outcomes.errors) whole_call_lost = whole_call_lost && e && is_worker_loss(e);
    if (all_results) {
      chunk.results = std::move(outcomes.results);
      chunk.pending = 0;
    } else if (whole_call_lost) {
      // Which item took the worker down is unknown: run each alone, so only
      // that one fails. Not counted as a retry.
      for (std::size_t k = 0; k < n; ++k) resend.push_back(Call{&chunk, {call.slot(k)}});
    } else {
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t slot = call.slot(k);
        const auto o = outcomes[k];
        std::exception_ptr error = o.error;
        if (!error) {
          try {
            finish_with_result(chunk, slot, o.bytes);
            continue;
          } catch (const std::exception&) {
            error = std::current_exception();  // e.g. flat_map's result is not a list
          }
        } else if (is_retriable(error) && chunk.attempts[slot] < plan_.settings.retries) {
          ++chunk.attempts[slot];
          ++counters_.retried;
          if (control_.observer().active())
            note_failure(told, chunk, slot, describe_failure(error), ItemAction::retried);
          resend.push_back(Call{&chunk, {slot}});
          continue;
        }
        auto reason = finish_failed(chunk, slot, error, told);
        if (stop.empty()) stop = std::move(reason);
      }
    }
    complete = chunk.pending == 0;
  }
  // Failures after the run stopped are its fallout (items the stop cut
  // short), not news for the observer.
  for (const auto& f : told)
    if (!control_.failed()) control_.observer().item_failed(stage_name_, f.item, f.error, f.action);
  if (!stop.empty()) {
    control_.fail(stop);
    return;
  }
  if (!resend.empty()) send(std::move(resend));
  // A finished chunk goes on from this thread when it can (one hand-over
  // between threads fewer per call), else from the emitter's.
  if (complete) {
    if (out_) emit_here();
    else ready_.notify_one();
  }
}

}  // namespace ferry::pipeline
