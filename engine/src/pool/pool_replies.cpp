// What PoolCore does when a worker's reply comes, or does not: outcomes
// from a reply, waiting with per-item deadlines, and running again the items
// a lost worker never ran.
#include "pool/pool_core.hpp"
#include "pool/pool_slot.hpp"

#include "process/outcome.hpp"

#include <ferry/abi.h>
#include <ferry/errors.hpp>

namespace ferry::detail {
namespace {

// The positions of items the worker did not run (wire::kStatusNotRun).
// They are always the reply's last ones, so a whole reply costs one look.
std::vector<std::size_t> not_run(const wire::CallReply& reply) {
  std::vector<std::size_t> out;
  if (reply.status.empty() || reply.status.back() != wire::kStatusNotRun) return out;
  std::size_t first = reply.status.size();
  while (first > 0 && reply.status[first - 1] == wire::kStatusNotRun) --first;
  for (std::size_t i = first; i < reply.status.size(); ++i) out.push_back(i);
  return out;
}

std::string describe_timeout(std::chrono::milliseconds t) {
  return t.count() % 1000 == 0 ? std::to_string(t.count() / 1000) + "s" : std::to_string(t.count()) + "ms";
}

}  // namespace

ChunkOutcomes PoolCore::outcomes_from(wire::CallReply& reply, const std::string& task) {
  ChunkOutcomes out;
  for (std::size_t i = 0; i < reply.status.size(); ++i) {  // none when all are FERRY_OK
    if (reply.status[i] == FERRY_OK) continue;
    if (out.errors.empty()) out.errors.resize(reply.items.size());
    out.errors[i] = process::outcome_from(reply.status[i], reply.items[i], task).error;
  }
  out.results = std::move(reply.items);
  return out;
}

process::CallOutcome PoolCore::await_reply(Slot& slot, const Batch& batch, std::optional<std::size_t>& culprit) {
  auto& worker = *slot.worker;
  const auto timeout = batch.timeout ? batch.timeout : options_.timeout;
  if (!timeout) return worker.wait_reply(std::nullopt, wake_fd_, slot.log, process::OnTimeout::keep);
  // A batch with a timeout runs alone on its worker (take_batches), so it
  // began when it was sent. Each item may run `timeout` from its own start,
  // which the worker's progress page tells; the host's own limit, whatever
  // the page says, gives every item its full time.
  const auto began = slot.oldest_started;
  const auto n = static_cast<long>(batch.request.items.size());
  // n x timeout, saturated: a timeout of centuries times a big chunk must
  // not wrap around into the past.
  const auto room = process::Clock::time_point::max() - began;
  const auto backstop = *timeout >= room / n ? process::Clock::time_point::max() : began + *timeout * n;
  auto deadline = began + *timeout;
  for (;;) {
    auto outcome = worker.wait_reply(std::min(deadline, backstop), wake_fd_, slot.log, process::OnTimeout::keep);
    if (outcome.kind != process::CallOutcome::timed_out) return outcome;
    const auto now = process::Clock::now();
    if (now < backstop) {
      const auto p = worker.progress();
      const bool valid = p && p->call == batch.request.id && p->item < batch.request.items.size() &&
                         p->started_ns <= now.time_since_epoch().count() &&
                         p->started_ns >= std::chrono::nanoseconds(began.time_since_epoch()).count();
      if (!valid) {  // not started yet, no page, or a scribbled one: the host's own limit
        deadline = backstop;
        continue;
      }
      const auto item_deadline = process::Clock::time_point(std::chrono::nanoseconds(p->started_ns)) + *timeout;
      if (item_deadline > now) {  // an item after the first is running, within its time
        deadline = item_deadline;
        continue;
      }
      culprit = p->item;
    }
    worker.stop();
    return outcome;
  }
}

Batch PoolCore::rerun_of(Batch& batch, std::vector<std::size_t> again, ChunkOutcomes known,
                         std::chrono::nanoseconds lost) {
  Batch rest;
  rest.request.id = batch.request.id;  // its worker is gone: no reply can be mistaken for another
  rest.request.task = batch.request.task;
  rest.request.flags = batch.request.flags;
  for (std::size_t i : again) rest.request.items.push_back(batch.request.items[i]);
  rest.timeout = batch.timeout;
  rest.group = batch.group;
  rest.done = [done = std::move(batch.done), again = std::move(again), known = std::move(known), lost](
                  ChunkOutcomes part, std::chrono::nanoseconds busy) mutable {
    const std::size_t n = known.size();
    std::vector<std::size_t> from_part(n, n);  // known's item i comes from part's item from_part[i]
    for (std::size_t k = 0; k < again.size(); ++k) from_part[again[k]] = k;
    ChunkOutcomes whole;
    whole.errors.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const bool rerun = from_part[i] < n;
      const OutcomeView o = rerun ? part[from_part[i]] : known[i];
      whole.results.push_back(o.error ? std::string_view() : o.bytes);
      whole.errors[i] = o.error;
    }
    done(std::move(whole), busy + lost);
  };
  return rest;
}

void PoolCore::finish_oldest(Slot& slot) {
  auto& worker = slot.worker;
  Batch batch = std::move(slot.in_flight.front());
  slot.in_flight.pop_front();
  const std::string& task = plugin_.tasks()[batch.request.task].name;
  std::optional<std::size_t> culprit;
  if (worker) {
    worker->offer_buffer(recycler_->take());  // a large reply lands in it
    // A lone call (apply_async, a pipeline's trickle) may be answered
    // within a spin: reading it awake saves a wake-up, ~10-40 us on a VM.
    if (slot.in_flight.empty() && slot.last_was_brief()) worker->spin_for_reply(slot.reply_spin);
  }
  slot.awaited = &batch;
  process::CallOutcome outcome = await_reply(slot, batch, culprit);
  slot.awaited = nullptr;
  const auto now = process::Clock::now();
  const auto busy = now - slot.oldest_started;
  slot.oldest_started = now;
  // Whatever happens to a worker that is not kept, the batches behind the
  // failed one never started: they run on the next worker.
  // The worker is gone; `first` (what is left of the batch, if anything)
  // and the batches behind it run on the next worker.
  const auto lose_worker_rerun = [&](std::optional<Batch> first, WorkerLoss cause, std::string detail) {
    const pid_t pid = worker ? worker->pid() : -1;
    if (worker) worker->kill();
    worker.reset();
    report_loss(pid, cause, std::move(detail));
    std::deque<Batch> again = std::exchange(slot.in_flight, {});
    if (first) again.push_front(std::move(*first));
    requeue(std::move(again));
  };
  // As above, the batch failing with error.
  const auto lose_worker = [&](std::exception_ptr error, WorkerLoss cause, std::string detail) {
    fail_batch(batch, error, busy);
    lose_worker_rerun(std::nullopt, cause, std::move(detail));
  };
  switch (outcome.kind) {
    case process::CallOutcome::replied:
      if (outcome.reply.items.size() != batch.request.items.size()) {
        const std::string cause = "protocol error: reply has the wrong item count";
        lose_worker(std::make_exception_ptr(WorkerError(task, cause)), WorkerLoss::protocol_error, cause);
        return;
      }
      slot.last_busy = busy;
      slot.last_group = batch.group;
      if (auto again = not_run(outcome.reply); !again.empty()) {
        // The worker stopped part way (a task broke its manager channel);
        // it retires after this reply. The rest runs on its replacement.
        auto rest = rerun_of(batch, std::move(again), outcomes_from(outcome.reply, task), busy);
        requeue(std::deque<Batch>{std::move(rest)});
        return;
      }
      if (batch.stage && batch.stage->ran) batch.stage->ran(worker->pid(), now - busy, busy);
      batch.done(outcomes_from(outcome.reply, task), busy);
      recycler_->give(batch.request.items.take_buffer());
      if (options_.max_tasks_per_child && ++slot.calls_done >= options_.max_tasks_per_child) {
        const pid_t pid = worker->pid();
        worker->shutdown(process::kStopGrace, &slot.log);  // nothing else is in flight: may_take saw to that
        worker.reset();
        report_loss(pid, WorkerLoss::max_tasks,
                    "ran " + std::to_string(slot.calls_done) + " calls (max_tasks_per_child)");
      }
      return;
    case process::CallOutcome::timed_out: {
      const std::string after = describe_timeout(*(batch.timeout ? batch.timeout : options_.timeout));
      auto error = std::make_exception_ptr(
          Timeout("task '" + task + "' timed out after " + after + "; its worker was stopped and replaced"));
      const std::string detail = "task '" + task + "' timed out after " + after;
      if (culprit && batch.request.items.size() > 1) {
        // Only the item that ran past its time fails; the others (done but
        // not yet replied, or not started) run again on the next worker.
        const std::size_t n = batch.request.items.size();
        ChunkOutcomes known = ChunkOutcomes::failed(n, nullptr);
        known.errors[*culprit] = std::move(error);
        std::vector<std::size_t> others;
        for (std::size_t i = 0; i < n; ++i)
          if (i != *culprit) others.push_back(i);
        lose_worker_rerun(rerun_of(batch, std::move(others), std::move(known), busy), WorkerLoss::timed_out, detail);
        return;
      }
      lose_worker(std::move(error), WorkerLoss::timed_out, detail);
      return;
    }
    case process::CallOutcome::retired: {
      // The call never ran: it and the ones behind it go to the next worker.
      lose_worker_rerun(std::move(batch), WorkerLoss::retired, outcome.cause);
      return;
    }
    case process::CallOutcome::woken: {
      worker->kill();
      worker.reset();
      const auto error = std::make_exception_ptr(StateError("the pool was terminated while this item ran"));
      fail_batch(batch, error, busy);
      for (auto& b : std::exchange(slot.in_flight, {})) fail_batch(b, error);
      return;
    }
    case process::CallOutcome::died:
    case process::CallOutcome::protocol_error:
      lose_worker(std::make_exception_ptr(WorkerError(task, outcome.cause)),
                  outcome.kind == process::CallOutcome::died ? WorkerLoss::died : WorkerLoss::protocol_error,
                  outcome.cause);
      return;
  }
}

}  // namespace ferry::detail
