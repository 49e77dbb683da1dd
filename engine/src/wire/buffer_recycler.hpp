// Large buffers passed around again and again: a pool's request chunks and
// the reply payloads its results arrive in, the frames a manager receives
// large queue items in.
//
// Freed, glibc trims or unmaps such buffers, so the next use faults in
// fresh pages for them: measured, about 40% of a Pool.map of 100k trivial
// items (2.8-3.4 ms a map; 1.85 ms with glibc told to keep its memory).
// Kept here, their pages are reused, without touching the host's malloc
// settings. Bounded: a few dozen megabytes at most stay with a recycler.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ferry::detail {

class BufferRecycler {
 public:
  // Smaller buffers are not kept (nor worth taking: a kept one is larger).
  static constexpr std::size_t kMinBytes = 64 << 10;

  // An empty buffer, with capacity when one was kept.
  std::string take() {
    std::string s = take_as_is();
    s.clear();
    return s;
  }
  // A kept buffer as it was given, its size too (a receiver that uses
  // size() as the room it has then writes no zeros over it again), or an
  // empty string.
  std::string take_as_is() {
    std::lock_guard lock(mu_);
    if (kept_.empty()) return {};
    std::string s = std::move(kept_.back());
    kept_.pop_back();
    bytes_ -= s.capacity();
    return s;
  }
  // Keeps buffer for a later take() if it is large and there is room.
  void give(std::string&& buffer) {
    buffer.clear();
    give_as_is(std::move(buffer));
  }
  // As give(), the contents left as they are, for take_as_is().
  void give_as_is(std::string&& buffer) {
    const std::size_t cap = buffer.capacity();
    if (cap < kMinBytes) return;
    std::lock_guard lock(mu_);
    if (kept_.size() >= kMaxBuffers || bytes_ + cap > kMaxBytes) return;
    bytes_ += cap;
    kept_.push_back(std::move(buffer));
  }

 private:
  static constexpr std::size_t kMaxBuffers = 32, kMaxBytes = 32 << 20;
  std::mutex mu_;
  std::vector<std::string> kept_;  // guarded by mu_
  std::size_t bytes_ = 0;          // their capacity; guarded by mu_
};

}  // namespace ferry::detail
