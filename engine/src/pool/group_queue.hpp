// A FIFO queue filled a group at a time (a pool's batches: one map's
// chunks arrive together) that keeps each group in the vector it came in.
// Moving 10,000 one-item batches of a map into a std::deque node by node
// cost 2 MB of fresh pages (and a page fault each 4 KiB, ~10 us on a
// virtual machine): a third of such a map's time. Not thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

namespace ferry::detail {

template <class T>
class GroupQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // The oldest element; the queue is not empty.
  T& front() { return groups_.front().items[groups_.front().next]; }
  // Drops the oldest element (usually moved from first); its group's
  // memory goes once the last of the group is dropped.
  void pop_front() {
    Group& g = groups_.front();
    --size_;
    if (++g.next == g.items.size()) groups_.pop_front();
  }
  // Appends a group, after everything queued.
  void push_back(std::vector<T> items) {
    if (items.empty()) return;
    size_ += items.size();
    groups_.push_back(Group{std::move(items), 0});
  }
  // Puts a group back before everything queued, in its order.
  void push_front(std::vector<T> items) {
    if (items.empty()) return;
    size_ += items.size();
    groups_.push_front(Group{std::move(items), 0});
  }
  // Calls f(T&) on every element, oldest first.
  template <class F>
  void for_each(F&& f) {
    for (Group& g : groups_)
      for (std::size_t i = g.next; i < g.items.size(); ++i) f(g.items[i]);
  }
  void swap(GroupQueue& other) noexcept {
    groups_.swap(other.groups_);
    std::swap(size_, other.size_);
  }

 private:
  struct Group {
    std::vector<T> items;
    std::size_t next;  // items before it were taken
  };
  std::deque<Group> groups_;
  std::size_t size_ = 0;
};

}  // namespace ferry::detail
