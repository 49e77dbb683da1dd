#include "pipeline/broker/remote_segment.hpp"

#include <algorithm>
#include <iostream>
#include <iterator>

#include <ferry/codec.hpp>

#include "broker/keys.hpp"
#include "pipeline/run/task_stage.hpp"

namespace ferry::pipeline {
namespace {

constexpr std::size_t kMaxRemoteChunk = 128;
constexpr std::chrono::milliseconds kResultsBlock{100};

bool all_ordered(const Plan& plan, Segment s) {
  for (std::size_t i = s.first; i <= s.last; ++i)
    if (!plan.stages[i].settings.ordered) return false;
  return true;
}

// An error record made by a worker carries a placeholder position; the
// host, which alone sees every origin, writes the one a local run gives.
std::string renumbered(const std::string& record, std::uint64_t item) {
  Value v = codec::decode_value(record);
  if (!v.is_map()) return record;
  for (auto& [key, detail] : v.as_map())
    if (key == "error" && detail.is_map())
      for (auto& [field, value] : detail.as_map())
        if (field == "item") value = Value(item);
  return codec::encode_value(v);
}

}  // namespace

RemoteSegment::RemoteSegment(const Plan& plan, Segment segment, BrokerSession& session, ItemQueue& in, ItemQueue* out,
                             RunControl& control)
    : plan_(plan),
      segment_(segment),
      session_(session),
      in_(in),
      out_(out),
      control_(control),
      in_stream_(broker::keys::stage_stream(session.remote().run, segment.first)),
      out_stream_(broker::keys::out_stream(session.remote().run, segment.last)),
      window_(std::max<std::size_t>(4 * plan.stages[segment.first].settings.queue_size, 1024)),
      chunksize_(plan.stages[segment.first].settings.chunksize),
      sender_(session.connect()),
      reader_client_(session.connect()),
      assembler_(all_ordered(plan, segment)),
      entering_base_(segment.last - segment.first + 1, 0) {
  control_.on_stop([this] {
    { std::lock_guard lock(mu_); }
    changed_.notify_all();
    sender_->stop();
    reader_client_->stop();
  });
  control_.on_drain([this] {
    { std::lock_guard lock(mu_); }
    changed_.notify_all();
  });
}

RemoteSegment::~RemoteSegment() = default;

void RemoteSegment::run() {
  auto& counters = control_.counters(segment_.first);
  reader_ = std::thread([this] { read_loop(); });
  const bool gather = plan_.stages[segment_.first].stage->kind == Stage::Kind::apply;
  std::vector<Item> items, gathered;
  try {
    while (!control_.failed()) {
      // Without a chunksize: what is queued over 16 entries, so that
      // several workers share even a short input, up to kMaxRemoteChunk.
      const std::size_t chunk = chunksize_ ? chunksize_ : std::clamp<std::size_t>(in_.size() / 16, 1, kMaxRemoteChunk);
      if (!in_.pop(items, gather ? 4096 : chunk)) break;
      if (counters.items_in.fetch_add(count_items(items)) == 0) counters.started_ns = control_.now_ns();
      if (gather) {
        std::move(items.begin(), items.end(), std::back_inserter(gathered));
        continue;
      }
      send(items);
    }
    if (gather && !control_.failed() && !control_.draining()) {
      auto call = gather_for_apply(gathered);
      send(call);
    }
  } catch (const broker::BrokerStopped&) {
    // The run stopped while the broker was down.
  }
  {
    std::lock_guard lock(mu_);
    input_done_ = true;
  }
  changed_.notify_all();
  reader_.join();
  control_.counters(segment_.first).finished_ns = control_.now_ns();
  control_.counters(segment_.last).finished_ns = control_.now_ns();
}

void RemoteSegment::send(std::vector<Item>& items) {
  broker::Entry entry;
  bool passed = false;
  std::string payload;
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return control_.failed() || control_.draining() || assembler_.open() < window_; });
    if (control_.failed() || control_.draining()) return;  // draining: what is queued is dropped
    const std::uint64_t chunk = next_chunk_++;
    for (auto& item : items) {
      const std::uint64_t origin = next_origin_++;
      assembler_.expect(origin);
      from_[origin] = std::move(item.from);
      if (item.passes_through()) {
        // Error records and tombstones from upstream pass every task stage
        // untouched: no need to send them anywhere.
        broker::EntryItem leaf;
        leaf.origin = origin;
        leaf.flags = (item.error_record ? broker::EntryItem::error_record : 0) |
                     (item.tombstone ? broker::EntryItem::tombstone : 0);
        leaf.dead_letter = item.dead_letter;
        leaf.bytes = std::move(item.bytes);
        assembler_.add(std::move(leaf));
        passed = true;
        continue;
      }
      broker::EntryItem e;
      e.origin = origin;
      e.bytes = std::move(item.bytes);
      entry.items.push_back(std::move(e));
      chunk_of_[origin] = chunk;
    }
    if (!entry.items.empty()) {
      payload = broker::encode_entry(entry);
      sent_[chunk] = Sent{payload, entry.items.size()};
    }
  }
  if (!payload.empty()) sender_->command({"XADD", in_stream_, "*", "d", payload});
  if (passed) emit();
}

void RemoteSegment::read_loop() {
  auto& client = reader_client_;
  client->set_timeout(kResultsBlock + std::chrono::seconds(10));
  std::uint64_t restarts = client->health().restarts();
  try {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (control_.failed()) return;
        if (input_done_ && assembler_.open() == 0) break;
      }
      if (const auto now = client->health().restarts(); now != restarts) {
        restarts = now;
        session_.register_run();
        resend_all(*client);
      }
      if (!read_some(*client)) return;
      if (!emit()) return;
    }
  } catch (const broker::BrokerStopped&) {
    return;
  } catch (const std::exception& e) {
    control_.fail(std::string("broker: ") + e.what());
    return;
  }
  if (out_) out_->close();
}

void RemoteSegment::resend_all(broker::RedisClient& client) {
  std::vector<std::vector<std::string>> commands;
  {
    std::lock_guard lock(mu_);
    for (const auto& [chunk, sent] : sent_) commands.push_back({"XADD", in_stream_, "*", "d", sent.payload});
  }
  if (!commands.empty()) client.pipeline(commands);
}

bool RemoteSegment::read_some(broker::RedisClient& client) {
  const broker::Reply r = client.command({"XREAD", "COUNT", "256", "BLOCK", std::to_string(kResultsBlock.count()),
                                          "STREAMS", out_stream_, last_id_});
  if (r.is_nil() || r.elements.empty()) return true;
  std::string failure;
  {
    std::lock_guard lock(mu_);
    for (const auto& entry : r.elements[0].elements.at(1).elements) {
      last_id_ = entry.elements.at(0).str;
      for (auto& [field, value] : broker::field_pairs(entry.elements.at(1))) {
        if (field != "d") continue;
        broker::Entry e;
        try {
          e = broker::decode_entry(value);
        } catch (const std::exception& bad) {
          std::cerr << "ferry: dropped an entry of " << out_stream_ << ": " << bad.what() << std::endl;
          continue;
        }
        if (!e.failure.empty() && failure.empty()) failure = e.failure;
        for (auto& item : e.items) {
          const std::uint64_t origin = item.origin;
          if (!assembler_.add(std::move(item)) || !assembler_.complete(origin)) continue;
          const auto chunk = chunk_of_.find(origin);
          if (chunk == chunk_of_.end()) continue;
          if (auto sent = sent_.find(chunk->second); sent != sent_.end() && --sent->second.open == 0) sent_.erase(sent);
        }
      }
    }
  }
  // What was read is the host's now: the stream keeps only what is unread.
  client.command({"XTRIM", out_stream_, "MINID", last_id_});
  if (!failure.empty()) {
    control_.fail(failure);
    return false;
  }
  return true;
}

bool RemoteSegment::emit() {
  std::lock_guard order(emit_mu_);
  std::vector<SegmentAssembler::Done> ready;
  std::vector<Provenance> froms;
  {
    std::lock_guard lock(mu_);
    ready = assembler_.take_ready();
    for (auto& d : ready) {
      chunk_of_.erase(d.origin);
      auto it = from_.find(d.origin);
      froms.push_back(std::move(it->second));
      from_.erase(it);
    }
  }
  if (ready.empty()) return true;
  changed_.notify_all();  // room in the window
  std::vector<Item> batch;
  for (std::size_t i = 0; i < ready.size(); ++i) {
    auto& leaves = ready[i].leaves;
    for (std::size_t k = 0; k < leaves.size(); ++k)
      if (leaves[k].made_at >= 0) fix_record(leaves[k], leaves);
    for (std::size_t s = segment_.first; s <= segment_.last; ++s) {
      const auto entering = SegmentAssembler::items_entering(leaves, s);
      entering_base_[s - segment_.first] += entering;
      // The stages inside the segment are seen only through their items'
      // paths: what entered each (the first counts its input as it is sent).
      if (s > segment_.first) {
        control_.counters(s).items_in += entering;
        control_.counters(s - 1).items_out += entering;
      }
    }
    for (std::size_t k = 0; k < leaves.size(); ++k) {
      auto& leaf = leaves[k];
      Item item;
      item.bytes = std::move(leaf.bytes);
      item.error_record = leaf.flags & broker::EntryItem::error_record;
      item.tombstone = leaf.flags & broker::EntryItem::tombstone;
      item.dead_letter = leaf.dead_letter;
      item.from = k + 1 == leaves.size() ? std::move(froms[i]) : froms[i].opening();
      batch.push_back(std::move(item));
    }
  }
  const std::uint64_t n = count_items(batch);
  control_.counters(segment_.last).items_out += n;
  control_.observer().items_done(plan_.stages[segment_.last].stage->name, n);
  if (!out_) return control_.dead_letters().take(batch);
  return batch.empty() || out_->push(batch);
}

void RemoteSegment::fix_record(broker::EntryItem& leaf, const std::vector<broker::EntryItem>& leaves) {
  const auto stage = static_cast<std::size_t>(leaf.made_at);
  if (stage < segment_.first || stage > segment_.last) return;
  const std::uint64_t item =
      entering_base_[stage - segment_.first] + SegmentAssembler::position_entering(leaves, stage, leaf.path);
  try {
    leaf.bytes = renumbered(leaf.bytes, item);
  } catch (const std::exception&) {
    // Not a record ferry wrote: passed on as it came.
  }
  auto& counters = control_.counters(stage);
  ++counters.failed;
  ++counters.collected;
}

}  // namespace ferry::pipeline
