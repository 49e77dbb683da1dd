#include "pipeline/broker/stage_worker.hpp"

#include <iostream>

#include "broker/keys.hpp"
#include "broker/scripts.hpp"

namespace ferry::pipeline {
namespace {

constexpr std::chrono::milliseconds kInputBlock{200};

bool fans_out(Stage::Kind kind) { return kind == Stage::Kind::flat_map || kind == Stage::Kind::source; }

}  // namespace

StageWorker::StageWorker(const broker::RedisUrl& url, std::shared_ptr<broker::BrokerHealth> health,
                         const RemotePlan& plan, const RemoteStage& stage, const Plugin& plugin, std::size_t workers,
                         std::string consumer, PipelineObserver* observer)
    : stage_(stage),
      alive_key_(broker::keys::alive(plan.run)),
      consumer_(std::move(consumer)),
      // One entry more than processes: enough to keep them busy, not so many
      // that a worker hoards what idle peers could run.
      max_held_(std::max<std::size_t>(1, workers) + 1),
      stage_plan_(stage_plan_for(stage, plugin, stage_holder_)),
      control_(1, observer),
      in_(1 << 16),
      out_(1 << 16),
      reader_client_(std::make_unique<broker::RedisClient>(url, health)),
      collector_client_(std::make_unique<broker::RedisClient>(url, health)) {
  stage_plan_.settings.workers = std::max<std::size_t>(1, workers);
  reader_client_->set_timeout(kInputBlock + std::chrono::seconds(10));
  control_.watch(in_);
  control_.watch(out_);
  task_stage_ = std::make_unique<TaskStage>(stage_plan_, 0, in_, &out_, control_);
  stage_thread_ = std::thread([this] {
    try {
      task_stage_->run();
    } catch (const std::exception& e) {
      control_.fail(e.what());
    }
  });
  collector_ = std::thread([this] { collect_loop(); });
  reader_ = std::thread([this] { read_loop(); });
}

StageWorker::~StageWorker() {
  terminate();
  wait_all();
}

void StageWorker::wait_all() {
  for (auto* t : {&reader_, &stage_thread_, &collector_})
    if (t->joinable()) t->join();
}

void StageWorker::drain() {
  reading_ = false;
  room_.notify_all();
}

void StageWorker::terminate() {
  terminating_ = true;
  reading_ = false;
  room_.notify_all();
  reader_client_->stop();
  collector_client_->stop();
  control_.fail("the worker is stopping");
}

std::size_t StageWorker::held() {
  std::lock_guard lock(mu_);
  return held_.size();
}

std::map<std::string, std::vector<std::string>> StageWorker::held_ids() {
  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<std::string>> ids;
  for (const auto& [n, h] : held_) ids[h.stream].push_back(h.id);
  return ids;
}

void StageWorker::accept(const std::string& stream, const std::string& id, const std::string& payload) {
  broker::Entry entry;
  try {
    entry = broker::decode_entry(payload);
  } catch (const std::exception& e) {
    std::cerr << "ferry worker: ignoring entry " << id << " of " << stage_.in_stream << ": " << e.what() << std::endl;
    return;
  }
  std::vector<Item> items;
  {
    std::lock_guard lock(mu_);
    if (!reading_) return;  // left pending: another worker reclaims it
    const std::uint64_t n = next_entry_++;
    Held& h = held_[n];
    h.stream = stream;
    h.id = id;
    if (stream == stage_.suspect_stream) suspect_held_ = true;
    h.remaining = entry.items.size();
    for (auto& e : entry.items) {
      const std::uint64_t local = next_local_++;
      Item item;
      item.bytes = std::move(e.bytes);
      item.error_record = e.flags & broker::EntryItem::error_record;
      item.tombstone = e.flags & broker::EntryItem::tombstone;
      item.dead_letter = e.dead_letter;
      item.from.origin = local;
      Local& l = locals_[local];
      l.entry = n;
      l.meta = std::move(e);
      items.push_back(std::move(item));
    }
    if (items.empty()) {  // nothing to run: finished as it is
      if (stream == stage_.suspect_stream) suspect_held_ = false;
      held_.erase(n);
      return;
    }
  }
  in_.push(items);
}

bool StageWorker::read(const std::string& stream, int count, int block) {
  std::vector<std::string> cmd{"XREADGROUP", "GROUP", broker::keys::group, consumer_, "COUNT", std::to_string(count)};
  if (block > 0) {
    cmd.push_back("BLOCK");
    cmd.push_back(std::to_string(block));
  }
  cmd.insert(cmd.end(), {"STREAMS", stream, ">"});
  broker::Reply r;
  try {
    r = reader_client_->command(cmd);
  } catch (const broker::RedisError&) {
    return false;  // NOGROUP: the run's keys are gone (it ended, or its host died)
  } catch (const broker::BrokerStopped&) {
    return false;
  }
  if (r.is_nil() || r.elements.empty()) return true;
  for (const auto& entry : r.elements[0].elements.at(1).elements)
    for (auto& [field, value] : broker::field_pairs(entry.elements.at(1)))
      if (field == "d") accept(stream, entry.elements.at(0).str, value);
  return true;
}

void StageWorker::read_loop() {
  while (reading_) {
    bool idle;
    {
      std::unique_lock lock(mu_);
      // A suspect runs alone: nothing else is taken until it is finished.
      room_.wait_for(lock, kInputBlock,
                     [this] { return !reading_ || (!suspect_held_ && held_.size() < max_held_); });
      if (!reading_) break;
      if (suspect_held_ || held_.size() >= max_held_) continue;
      idle = held_.empty();
    }
    if (idle) {
      // Suspects first, and only with nothing else in hand.
      const std::size_t before = held();
      if (!read(stage_.suspect_stream, 1, 0)) break;
      if (held() > before) continue;
    }
    if (!read(stage_.in_stream, 2, static_cast<int>(kInputBlock.count()))) break;
  }
  reading_ = false;
  in_.close();
}

void StageWorker::collect_loop() {
  std::vector<Item> batch;
  const auto made_here = static_cast<std::int32_t>(stage_.index);
  bool run_gone = false;
  while (!run_gone && out_.pop(batch, 4096)) {
    std::vector<Held> done;
    {
      std::lock_guard lock(mu_);
      for (auto& item : batch) {
        const auto local = locals_.find(item.from.origin);
        if (local == locals_.end()) continue;
        Local& l = local->second;
        broker::EntryItem r;
        r.origin = l.meta.origin;
        r.path = l.meta.path;
        r.flags = (item.error_record ? broker::EntryItem::error_record : 0) |
                  (item.tombstone ? broker::EntryItem::tombstone : 0);
        r.dead_letter = item.dead_letter;
        if (l.meta.flags) r.made_at = l.meta.made_at;  // passed through from an earlier stage
        else if (item.error_record) r.made_at = made_here;
        const bool last = item.from.role != Provenance::Role::opens;
        if (!item.passes_through() && fans_out(stage_.kind))
          r.path.push_back(broker::PathStep{static_cast<std::uint16_t>(stage_.index), l.produced++, last});
        r.bytes = std::move(item.bytes);
        auto held = held_.find(l.entry);
        held->second.results.push_back(std::move(r));
        if (!last) continue;
        locals_.erase(local);
        if (--held->second.remaining == 0) {
          done.push_back(std::move(held->second));
          held_.erase(held);
        }
      }
    }
    if (done.empty()) continue;
    room_.notify_all();
    bool suspect_done = false;
    std::vector<std::vector<std::string>> commands;
    for (auto& h : done) {
      broker::Entry out;
      out.items = std::move(h.results);
      suspect_done = suspect_done || h.stream == stage_.suspect_stream;
      commands.push_back({"EVAL", broker::scripts::finish, "3", h.stream, stage_.out_stream, alive_key_,
                          broker::keys::group, h.id, broker::encode_entry(out)});
    }
    try {
      for (const auto& reply : collector_client_->pipeline(commands))
        if (reply.type == broker::Reply::Type::integer && reply.integer < 0) run_gone = true;
    } catch (const broker::BrokerStopped&) {
      break;
    }
    // Only once a suspect's entry is acknowledged is the next one read: were
    // this worker lost while running the next, a suspect still pending
    // would be charged with the loss too, and fail after max_deliveries.
    if (suspect_done) {
      {
        std::lock_guard lock(mu_);
        suspect_held_ = false;
      }
      room_.notify_all();
    }
  }
  if (run_gone) {
    terminate();
  } else if (control_.failed() && !terminating_) {
    // on_error: fail (or a stage that could not go on): the host stops the run.
    broker::Entry failure;
    failure.failure = control_.reason();
    try {
      collector_client_->command(
          {"EVAL", broker::scripts::report, "2", stage_.report_stream, alive_key_, broker::encode_entry(failure)});
    } catch (const std::exception&) {
    }
    reading_ = false;
  }
  finished_ = true;
}

}  // namespace ferry::pipeline
