// How a task stage hands its finished chunks on: in input order unless the
// stage is unordered, from the emitter thread or, while the next queue has
// room, from the pool thread that finished the chunk (task_stage.hpp).
#include "pipeline/run/task_stage.hpp"

#include <iterator>

namespace ferry::pipeline {

bool TaskStage::emit(std::vector<std::unique_ptr<Chunk>>& ready) {
  for (auto& chunk : ready) {
    counters_.in_flight -= static_cast<std::int64_t>(chunk->size());
    if (chunk->plain) {
      // One result an item, none failed: they go on as a run.
      PlainRun results{std::move(chunk->results), chunk->input.first_origin};
      control_.observer().items_done(stage_name_, results.size());
      counters_.items_out += results.size();
      if (out_ && !out_->push(results)) return false;
      continue;  // the last stage: results go nowhere, and there are no error records
    }
    std::vector<Item> items;
    if (!expands_) {
      items = std::move(chunk->items);  // every slot holds its result, passed-through items included
    } else {
      // A slot without results passed through as it came.
      std::size_t total = 0;
      for (const auto& e : chunk->expanded) total += e.empty() ? 1 : e.size();
      items.reserve(total);
      for (std::size_t i = 0; i < chunk->items.size(); ++i) {
        if (chunk->expanded[i].empty()) items.push_back(std::move(chunk->items[i]));
        else std::move(chunk->expanded[i].begin(), chunk->expanded[i].end(), std::back_inserter(items));
      }
    }
    const auto done = count_items(items);  // tombstones (skipped items) are not passed on
    control_.observer().items_done(stage_name_, done);
    counters_.items_out += done;
    if (!out_) {
      // The last stage: results go nowhere, error records to their errors:
      // output when they have one.
      if (!control_.dead_letters().take(items)) return false;
    } else if (!items.empty() && !out_->push(items)) {
      return false;
    }
  }
  return true;
}

bool TaskStage::take_ready(std::vector<std::unique_ptr<Chunk>>& ready, std::size_t max) {
  const std::size_t before = ready.size();
  if (plan_.settings.ordered) {
    while (ready.size() - before < max && !chunks_.empty() && chunks_.begin()->first == next_emit_ &&
           chunks_.begin()->second->pending == 0) {
      ready.push_back(std::move(chunks_.begin()->second));
      chunks_.erase(chunks_.begin());
      ++next_emit_;
    }
  } else {
    for (auto it = chunks_.begin(); ready.size() - before < max && it != chunks_.end();) {
      if (it->second->pending == 0) {
        ready.push_back(std::move(it->second));
        it = chunks_.erase(it);
      } else {
        ++it;
      }
    }
  }
  return ready.size() > before;
}

void TaskStage::emit_here() {
  // Only when the next stage's queue has room: this is a pool thread, which
  // must not block (it watches its worker's calls and their timeouts). This
  // stage is the queue's only producer, so room seen stays room.
  std::unique_lock lock(mu_);
  while (!emitting_ && !emit_failed_ && !control_.failed() && out_->size() < out_->capacity()) {
    std::vector<std::unique_ptr<Chunk>> ready;
    if (!take_ready(ready, 1)) break;
    emitting_ = true;
    lock.unlock();
    room_.notify_one();
    const bool ok = emit(ready);
    lock.lock();
    emitting_ = false;
    if (!ok) emit_failed_ = true;
  }
  // What is left (the queue is full), or the end, is the emitter's.
  const bool more = emit_failed_ || control_.failed() || (input_done_ && chunks_.empty()) ||
                    (!chunks_.empty() && chunks_.begin()->second->pending == 0) || !plan_.settings.ordered;
  lock.unlock();
  if (more) ready_.notify_one();
}

void TaskStage::emit_loop() {
  for (;;) {
    std::vector<std::unique_ptr<Chunk>> ready;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] {
        return control_.failed() || emit_failed_ ||
               (!emitting_ && (take_ready(ready, SIZE_MAX) || (input_done_ && chunks_.empty())));
      });
      if (control_.failed() || emit_failed_) return;
      if (ready.empty()) break;  // input done and nothing left
      emitting_ = true;
    }
    room_.notify_one();  // room in the window: only the dispatcher waits for it
    const bool ok = emit(ready);
    std::lock_guard lock(mu_);
    emitting_ = false;
    if (!ok) {
      emit_failed_ = true;  // pool threads stop passing chunks on too
      return;
    }
  }
  if (out_) out_->close();
}

}  // namespace ferry::pipeline
