// The bounded queue between two pipeline stages. Items move in batches (one
// lock per batch, not per item) and a full queue blocks its producer, which
// is how a slow stage holds every stage before it to bounded memory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace ferry::pipeline {

// One item between stages: its encoded bytes (typed cereal or a ferry::Value
// archive, as the plan decided for that edge), or an error record that every
// later stage passes on untouched (on_error: collect).
struct Item {
  std::string bytes;
  bool error_record = false;
};

class ItemQueue {
 public:
  explicit ItemQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // Appends items, waiting while the queue holds capacity items or more (a
  // batch larger than the capacity still goes into an empty queue, so a
  // producer never deadlocks). False when the queue was cancelled.
  bool push(std::vector<Item>& items);
  // Moves up to max items into out (cleared first), waiting for at least
  // one. False once the queue is closed and drained, or cancelled.
  bool pop(std::vector<Item>& out, std::size_t max);
  // The producer is done: pop drains what is left, then returns false.
  void close();
  // Stops both sides at once: blocked and later push and pop return false.
  void cancel();
  // Items waiting now.
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Item> items_;  // guarded by mu_
  bool closed_ = false;     // guarded by mu_
  bool cancelled_ = false;  // guarded by mu_
};

}  // namespace ferry::pipeline
