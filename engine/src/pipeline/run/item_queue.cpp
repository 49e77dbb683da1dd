#include "pipeline/run/item_queue.hpp"

#include <algorithm>
#include <iterator>

namespace ferry::pipeline {

Provenance::Lists& Provenance::lists() {
  if (!lists_) lists_ = std::make_unique<Lists>();
  return *lists_;
}

Provenance Provenance::opening() const {
  if (role != Role::merged) return Provenance{origin, Role::opens};
  Provenance p{0, Role::merged};
  if (lists_) {
    auto& opened = p.lists().opens;
    opened = lists_->opens;
    opened.insert(opened.end(), lists_->closes.begin(), lists_->closes.end());
  }
  return p;
}

void Provenance::merge(const Provenance& member) {
  role = Role::merged;
  auto& mine = lists();
  if (member.role == Role::closes) mine.closes.push_back(member.origin);
  if (member.role == Role::opens) mine.opens.push_back(member.origin);
  if (!member.lists_) return;
  mine.opens.insert(mine.opens.end(), member.lists_->opens.begin(), member.lists_->opens.end());
  mine.closes.insert(mine.closes.end(), member.lists_->closes.begin(), member.lists_->closes.end());
}

void append_items(std::vector<Item>& out, const PlainRun& run, std::size_t first, std::size_t n) {
  for (std::size_t i = first; i < first + n; ++i) {
    Item& item = out.emplace_back();
    item.bytes.assign(run.items[i]);
    item.from.origin = run.first_origin + i;
  }
}

bool ItemQueue::push(std::vector<Item>& items) {
  if (items.empty()) return true;
  Batch batch;
  batch.items.swap(items);
  return push_batch(batch);
}

bool ItemQueue::push(PlainRun& run) {
  if (run.empty()) return true;
  Batch batch;
  batch.plain = true;
  batch.run = std::move(run);
  run.clear();  // moved from: valid but unspecified
  return push_batch(batch);
}

bool ItemQueue::push_batch(Batch& batch) {
  {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return cancelled_ || count_ < capacity_; });
    if (cancelled_) return false;
    count_ += batch.size();
    batches_.push_back(std::move(batch));
  }
  not_empty_.notify_one();
  return true;
}

bool ItemQueue::wait_to_pop(std::unique_lock<std::mutex>& lock) {
  not_empty_.wait(lock, [&] { return cancelled_ || closed_ || count_ > 0; });
  return !cancelled_ && count_ > 0;
}

bool ItemQueue::pop(std::vector<Item>& out, std::size_t max, std::size_t slack) {
  out.clear();
  {
    std::unique_lock lock(mu_);
    if (!wait_to_pop(lock)) return false;
    take_items(out, planned_take(max ? max : 1, slack));
  }
  not_full_.notify_one();
  return true;
}

bool ItemQueue::pop(PlainRun& run, std::vector<Item>& items, std::size_t max, std::size_t slack) {
  run.clear();
  items.clear();
  {
    std::unique_lock lock(mu_);
    if (!wait_to_pop(lock)) return false;
    max = max ? max : 1;
    if (batches_.front().plain) take_run(run, max, slack);
    else take_items(items, planned_take(max, slack));
  }
  not_full_.notify_one();
  return true;
}

void ItemQueue::take_items(std::vector<Item>& out, std::size_t total) {
  // planned_take applies the rules (whole batches, slack); this moves what
  // it planned. Several batches go into one vector of their total size at
  // once: grown batch by batch, it was reallocated (fresh pages, every item
  // moved again) as often as batches were joined.
  auto& first = batches_.front();
  if (front_taken_ == 0 && total == first.size() && !first.plain) {
    out.swap(first.items);  // the whole batch as it came
    batches_.pop_front();
  } else {
    out.reserve(total);
    while (out.size() < total) {
      auto& front = batches_.front();
      const std::size_t n = std::min(front.size() - front_taken_, total - out.size());
      if (front.plain) {
        append_items(out, front.run, front_taken_, n);
      } else {
        const auto from = front.items.begin() + static_cast<std::ptrdiff_t>(front_taken_);
        out.insert(out.end(), std::make_move_iterator(from), std::make_move_iterator(from + static_cast<std::ptrdiff_t>(n)));
      }
      front_taken_ += n;
      if (front_taken_ == front.size()) {
        batches_.pop_front();
        front_taken_ = 0;
      }
    }
  }
  count_ -= total;
}

void ItemQueue::take_run(PlainRun& run, std::size_t max, std::size_t slack) {
  auto& front = batches_.front();
  const std::size_t left = front.size() - front_taken_;
  const std::size_t n = left <= max || left - max <= slack ? left : max;
  count_ -= n;
  if (front_taken_ == 0 && n == left) {
    run = std::move(front.run);  // the whole run as it came
    batches_.pop_front();
    return;
  }
  // Part of a run: its items are copied, in one block when of one size.
  run.first_origin = front.run.first_origin + front_taken_;
  const auto& items = front.run.items;
  if (const std::size_t each = items.uniform_size()) {
    run.items.append_fixed(items.bytes().substr(front_taken_ * each, n * each), each);
  } else {
    for (std::size_t i = front_taken_; i < front_taken_ + n; ++i) run.items.push_back(items[i]);
  }
  front_taken_ += n;
  if (front_taken_ == front.size()) {
    batches_.pop_front();
    front_taken_ = 0;
  }
}

bool ItemQueue::wait_for_items() {
  std::unique_lock lock(mu_);
  return wait_to_pop(lock);
}

std::size_t ItemQueue::planned_take(std::size_t max, std::size_t slack) const {
  std::size_t total = 0, taken = front_taken_;
  for (const auto& batch : batches_) {
    const std::size_t left = batch.size() - taken;
    taken = 0;
    if (total == 0 && front_taken_ == 0 && (left <= max || left - max <= slack)) {
      total = left;  // the first batch whole, within max + slack
    } else {
      // Whole batches only, unless the first one alone is too large:
      // moving items one by one is what batches are here to save.
      if (total > 0 && left > max - total) break;
      const std::size_t n = std::min(left, max - total);
      total += n;
      if (n < left) break;
    }
    if (total >= max) break;
  }
  return total;
}

void ItemQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  not_empty_.notify_all();
}

void ItemQueue::cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

std::size_t ItemQueue::size() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace ferry::pipeline
