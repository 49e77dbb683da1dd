#include "pipeline/run/host_stages.hpp"

#include <fstream>
#include <limits>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/run/item_codec.hpp"

namespace ferry::pipeline {
namespace {

// Items a source hands over at a time: one lock per batch, and never more
// than the queue holds, so backpressure still applies.
std::size_t push_batch_size(const ItemQueue* q) { return std::min<std::size_t>(256, q ? q->capacity() : 256); }

// Numbers items by their source position, leaves out those an earlier run
// finished, and pushes them in batches; false once the run stops or drains.
// Without a queue (the source is the last stage) the items are counted and
// dropped, as a last stage's results are when no sink follows.
class Pusher {
 public:
  Pusher(ItemQueue* out, StageCounters& counters, RunControl& control, const std::string& stage)
      : out_(out), counters_(counters), control_(control), stage_(stage), done_(control.skipped_origins()),
        limit_(push_batch_size(out)) {}
  bool add(std::string bytes) {
    if (control_.draining()) return false;
    const std::uint64_t origin = next_origin_++;
    if (done_ && done_->contains(origin)) {
      ++counters_.resumed;
      return true;
    }
    Item item;
    item.bytes = std::move(bytes);
    item.from.origin = origin;
    pending_.push_back(std::move(item));
    return pending_.size() < limit_ || flush();
  }
  bool flush() {
    counters_.items_out += pending_.size();
    control_.observer().items_done(stage_, pending_.size());
    if (!out_) {
      pending_.clear();
      return true;
    }
    return pending_.empty() || out_->push(pending_);
  }

 private:
  ItemQueue* out_;
  StageCounters& counters_;
  RunControl& control_;
  const std::string& stage_;
  const OriginSet* done_;
  std::size_t limit_;
  std::uint64_t next_origin_ = 0;
  std::vector<Item> pending_;
};

// Python's range(start, stop, step), without overflowing at the ends of i64.
bool emit_range(const Source& s, Pusher& push) {
  for (std::int64_t i = s.start; s.step > 0 ? i < s.stop : i > s.stop;) {
    if (!push.add(codec::encode_value(Value(i)))) return false;
    if (s.step > 0 ? i > std::numeric_limits<std::int64_t>::max() - s.step
                   : i < std::numeric_limits<std::int64_t>::min() - s.step)
      break;
    i += s.step;
  }
  return true;
}

bool emit_file(const Source& s, Pusher& push, RunControl& control) {
  std::ifstream in(s.path, std::ios::binary);
  if (!in) {
    control.fail("cannot open " + s.path);
    return false;
  }
  std::string line;
  for (std::uint64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
    if (s.kind == Source::Kind::lines) {
      if (!push.add(codec::encode_value(Value(line)))) return false;
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      if (!push.add(codec::encode_value(value_from_json(line)))) return false;
    } catch (const ConfigError& e) {
      control.fail(s.path + ":" + std::to_string(number) + ": not a JSON value: " + e.what());
      return false;
    }
  }
  if (in.bad()) {
    control.fail("cannot read " + s.path);
    return false;
  }
  return true;
}

}  // namespace

void run_source(const StagePlan& plan, std::size_t index, ItemQueue* out, RunControl& control) {
  auto& counters = control.counters(index);
  counters.started_ns = control.now_ns();
  Pusher push(out, counters, control, plan.stage->name);
  const Source& s = plan.stage->source;
  switch (s.kind) {
    case Source::Kind::values:
      for (const auto& v : s.values)
        if (!push.add(codec::encode_value(v))) break;
      break;
    case Source::Kind::range:
      emit_range(s, push);
      break;
    case Source::Kind::lines:
    case Source::Kind::json_lines:
      emit_file(s, push, control);
      break;
    case Source::Kind::task:
      break;  // a TaskStage runs generator sources
  }
  // Drained or exhausted: what was read goes on. Failed: nothing more.
  if (!control.failed() && push.flush() && out) out->close();
  counters.finished_ns = control.now_ns();
}

void run_batch(const StagePlan& plan, std::size_t index, ItemQueue& in, ItemQueue* out, RunControl& control) {
  auto& counters = control.counters(index);
  const std::size_t size = plan.stage->batch;
  std::vector<Item> items, ready;
  std::string group;
  std::uint64_t grouped = 0;
  Provenance members{0, Provenance::Role::merged, {}, {}};  // the origins of the group's members
  auto close_group = [&] {
    Item item;
    item.bytes = value_list_header(grouped) + group;
    item.from = std::move(members);
    ready.push_back(std::move(item));
    members = Provenance{0, Provenance::Role::merged, {}, {}};
    group.clear();
    grouped = 0;
  };
  while (in.pop(items, 4096)) {
    if (counters.items_in.fetch_add(count_items(items)) == 0) counters.started_ns = control.now_ns();
    for (auto& item : items) {
      if (item.passes_through()) {
        ready.push_back(std::move(item));
        continue;
      }
      members.merge(item.from);
      group += item.bytes;
      if (++grouped == size) close_group();
    }
    const auto done = count_items(ready);
    counters.items_out += done;
    control.observer().items_done(plan.stage->name, done);
    if (out && !ready.empty() && !out->push(ready)) return;
    ready.clear();
  }
  if (control.failed()) return;
  // Draining: a partial group is dropped, so a journal's restart groups
  // exactly as an uninterrupted run does.
  if (grouped && !control.draining()) {
    close_group();
    counters.items_out += ready.size();
    control.observer().items_done(plan.stage->name, ready.size());
    if (out && !out->push(ready)) return;
  }
  if (out) out->close();
  counters.finished_ns = control.now_ns();
}

}  // namespace ferry::pipeline
