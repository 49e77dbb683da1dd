// A FIFO queue filled a group at a time (a pool's batches: one map's
// chunks arrive together) that keeps each group in the vector it came in,
// or makes its elements only as they come out. Moving 10,000 one-item
// batches of a map into a std::deque node by node cost 2 MB of fresh pages
// (and a page fault each 4 KiB, ~10 us on a virtual machine): a third of
// such a map's time; a vector of them still cost 1.8 MB. Not thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace ferry::detail {

template <class T>
class GroupQueue {
 public:
  // Makes a lazy group's element i; called once for each i, in order.
  using Maker = std::function<T(std::size_t)>;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // The oldest element; the queue is not empty.
  T& front() {
    Group& g = groups_.front();
    if (!g.make) return g.items[g.next];
    if (!g.made) g.made.emplace(g.make(g.next));
    return *g.made;
  }
  // Drops the oldest element (usually moved from first); its group's
  // memory goes once the last of the group is dropped.
  void pop_front() {
    if (groups_.front().make) front();  // made, so that make sees every i
    Group& g = groups_.front();
    --size_;
    g.made.reset();
    if (++g.next == g.count) groups_.pop_front();
  }
  // Appends a group, after everything queued.
  void push_back(std::vector<T> items) {
    if (items.empty()) return;
    size_ += items.size();
    const std::size_t n = items.size();
    groups_.push_back(Group{std::move(items), {}, n, 0, {}});
  }
  // Appends a group of n elements that make makes as each comes to the
  // front: only one of them exists at a time while they are queued.
  void push_back_lazy(std::size_t n, Maker make) {
    if (n == 0) return;
    size_ += n;
    groups_.push_back(Group{{}, std::move(make), n, 0, {}});
  }
  // Puts a group back before everything queued, in its order.
  void push_front(std::vector<T> items) {
    if (items.empty()) return;
    size_ += items.size();
    const std::size_t n = items.size();
    groups_.push_front(Group{std::move(items), {}, n, 0, {}});
  }
  // Calls f(T&) on every element, oldest first (a lazy group's elements
  // are all made first, and kept).
  template <class F>
  void for_each(F&& f) {
    for (Group& g : groups_) {
      if (g.make) make_all(g);
      for (std::size_t i = g.next; i < g.count; ++i) f(g.items[i]);
    }
  }
  void swap(GroupQueue& other) noexcept {
    groups_.swap(other.groups_);
    std::swap(size_, other.size_);
  }

 private:
  struct Group {
    std::vector<T> items;  // made already; or
    Maker make;            // made on demand
    std::size_t count;
    std::size_t next;      // elements before it were taken
    std::optional<T> made;  // a lazy group's element `next`, once asked for
  };
  // Turns a lazy group into one of elements made already.
  static void make_all(Group& g) {
    std::vector<T> rest;
    rest.reserve(g.count - g.next);
    std::size_t i = g.next;
    if (g.made) {
      rest.push_back(std::move(*g.made));
      g.made.reset();
      ++i;
    }
    for (; i < g.count; ++i) rest.push_back(g.make(i));
    g.items = std::move(rest);
    g.make = nullptr;
    g.count = g.items.size();
    g.next = 0;
  }

  std::deque<Group> groups_;
  std::size_t size_ = 0;
};

}  // namespace ferry::detail
