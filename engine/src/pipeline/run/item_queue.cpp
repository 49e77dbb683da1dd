#include "pipeline/run/item_queue.hpp"

#include <iterator>

namespace ferry::pipeline {

Provenance Provenance::opening() const {
  if (role != Role::merged) return Provenance{origin, Role::opens, {}, {}};
  Provenance p{0, Role::merged, opens, {}};
  p.opens.insert(p.opens.end(), closes.begin(), closes.end());
  return p;
}

void Provenance::merge(const Provenance& member) {
  role = Role::merged;
  if (member.role == Role::closes) closes.push_back(member.origin);
  if (member.role == Role::opens) opens.push_back(member.origin);
  opens.insert(opens.end(), member.opens.begin(), member.opens.end());
  closes.insert(closes.end(), member.closes.begin(), member.closes.end());
}

bool ItemQueue::push(std::vector<Item>& items) {
  {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return cancelled_ || items_.size() < capacity_; });
    if (cancelled_) return false;
    items_.insert(items_.end(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
  }
  items.clear();
  not_empty_.notify_one();
  return true;
}

bool ItemQueue::pop(std::vector<Item>& out, std::size_t max) {
  out.clear();
  {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return cancelled_ || closed_ || !items_.empty(); });
    if (cancelled_ || items_.empty()) return false;
    const std::size_t n = std::min(max ? max : 1, items_.size());
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
  }
  not_full_.notify_one();
  return true;
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
  return items_.size();
}

}  // namespace ferry::pipeline
