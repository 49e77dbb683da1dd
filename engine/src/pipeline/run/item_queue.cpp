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

bool ItemQueue::push(std::vector<Item>& items) {
  if (items.empty()) return true;
  {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return cancelled_ || count_ < capacity_; });
    if (cancelled_) return false;
    count_ += items.size();
    batches_.push_back(std::move(items));
  }
  items.clear();  // moved from: valid but unspecified
  not_empty_.notify_one();
  return true;
}

bool ItemQueue::pop(std::vector<Item>& out, std::size_t max, std::size_t slack) {
  out.clear();
  max = max ? max : 1;
  {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return cancelled_ || closed_ || count_ > 0; });
    if (cancelled_ || count_ == 0) return false;
    // planned_take applies the rules (whole batches, slack); this moves
    // what it planned. Several batches go into one vector of their total
    // size at once: grown batch by batch, it was reallocated (fresh pages,
    // every item moved again) as often as batches were joined.
    const std::size_t total = planned_take(max, slack);
    if (front_taken_ == 0 && total == batches_.front().size()) {
      out.swap(batches_.front());  // the whole batch as it came
      batches_.pop_front();
    } else {
      out.reserve(total);
      while (out.size() < total) {
        auto& front = batches_.front();
        const std::size_t n = std::min(front.size() - front_taken_, total - out.size());
        const auto first = front.begin() + static_cast<std::ptrdiff_t>(front_taken_);
        out.insert(out.end(), std::make_move_iterator(first), std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n)));
        front_taken_ += n;
        if (front_taken_ == front.size()) {
          batches_.pop_front();
          front_taken_ = 0;
        }
      }
    }
    count_ -= out.size();
  }
  not_full_.notify_one();
  return true;
}

bool ItemQueue::wait_for_items() {
  std::unique_lock lock(mu_);
  not_empty_.wait(lock, [&] { return cancelled_ || closed_ || count_ > 0; });
  return !cancelled_ && count_ > 0;
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
