// The source stage: runs the host side of a source connector (values,
// range, files, ...) and numbers its items by position for a journal.
#include "pipeline/run/host_stages.hpp"

#include <algorithm>

namespace ferry::pipeline {
namespace {

// Items a source hands over at a time: one lock per batch, and never more
// than the queue holds, so backpressure still applies. As large as a task
// stage's largest automatic chunk: the stage takes a run whole, without a
// copy, as one call (ItemQueue::pop never joins two runs).
std::size_t push_batch_size(const ItemQueue* q) {
  return q ? std::clamp<std::size_t>(q->capacity(), 1, 4096) : 4096;
}

// Numbers items by their source position, leaves out those an earlier run
// finished, and pushes them in batches (plain runs: a source's items are
// plain, and their origins run on until one is left out); false once the
// run stops or drains.
// Without a queue (the source is the last stage) the items are counted and
// dropped, as a last stage's results are when no sink follows.
class Pusher final : public ItemEmitter {
 public:
  Pusher(ItemQueue* out, StageCounters& counters, RunControl& control, const std::string& stage)
      : out_(out), counters_(counters), control_(control), stage_(stage), done_(control.skipped_origins()),
        limit_(push_batch_size(out)) {}
  bool emit(std::string bytes) override {
    if (control_.draining()) return false;
    const std::uint64_t origin = next_origin_++;
    if (done_ && done_->contains(origin)) {
      ++counters_.resumed;
      return true;
    }
    // A run's origins follow on: after an item left out, the next run starts.
    if (!pending_.empty() && origin != pending_.first_origin + pending_.size() && !flush()) return false;
    if (pending_.empty()) pending_.first_origin = origin;
    pending_.push_back(bytes);
    return pending_.size() < limit_ || flush();
  }
  bool emit_fixed(std::string_view block, std::size_t each) override {
    // An earlier run's finished items are left out one by one.
    if (done_) return ItemEmitter::emit_fixed(block, each);
    if (control_.draining()) return false;
    while (block.size() >= each) {
      if (pending_.empty()) pending_.first_origin = next_origin_;
      const std::size_t n = std::min(block.size() / each, limit_ - std::min(limit_, pending_.size()));
      pending_.items.append_fixed(block.substr(0, n * each), each);
      next_origin_ += n;
      block.remove_prefix(n * each);
      if (pending_.size() >= limit_ && !flush()) return false;
    }
    return true;
  }
  bool stopping() const override { return control_.draining() || control_.failed(); }
  void when_written(std::function<void(const std::vector<std::uint64_t>&)> hook) override {
    control_.on_written(std::move(hook));
  }
  void idle() override {
    if (!pending_.empty()) flush();
  }
  bool flush() {
    counters_.items_out += pending_.size();
    control_.observer().items_done(stage_, pending_.size());
    if (!out_) {
      pending_.clear();
      return true;
    }
    if (pending_.empty()) return true;
    const std::size_t bytes = pending_.items.bytes().size();
    if (!out_->push(pending_)) return false;
    pending_.items.reserve(0, bytes);  // the run went on whole, buffer and all
    return true;
  }

 private:
  ItemQueue* out_;
  StageCounters& counters_;
  RunControl& control_;
  const std::string& stage_;
  const OriginSet* done_;
  std::size_t limit_;
  std::uint64_t next_origin_ = 0;
  PlainRun pending_;
};

}  // namespace

void run_source(const StagePlan& plan, std::size_t index, ItemQueue* out, RunControl& control, const SourceIo& io) {
  auto& counters = control.counters(index);
  counters.started_ns = control.now_ns();
  Pusher push(out, counters, control, plan.stage->name);
  try {
    plan.stage->source->read(push, io);
  } catch (const std::exception& e) {
    control.fail(e.what());
  }
  // Drained or exhausted: what was read goes on. Failed: nothing more.
  if (!control.failed() && push.flush() && out) out->close();
  counters.finished_ns = control.now_ns();
}

}  // namespace ferry::pipeline
