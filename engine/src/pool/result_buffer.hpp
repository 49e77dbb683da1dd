// Where a pool's threads deliver the outcomes of each call and where map /
// imap / AsyncResult wait for them. Private to the pool layer: the public
// templates reach it through the exported functions in <ferry/async_result.hpp>.
#pragma once

#include <semaphore.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ferry/detail/outcome.hpp>

#include "wire/buffer_recycler.hpp"

namespace ferry::detail {

// A fixed number of slots, filled a chunk at a time from any thread.
class ResultBuffer {
 public:
  explicit ResultBuffer(std::size_t size) : size_(size) {}
  // Gives the results' buffers to the recycler, if it is still there.
  ~ResultBuffer();
  ResultBuffer(const ResultBuffer&) = delete;
  ResultBuffer& operator=(const ResultBuffer&) = delete;
  // Where the results' buffers go when this buffer is done with.
  void recycle_into(std::weak_ptr<BufferRecycler> recycler) { recycler_ = std::move(recycler); }
  std::size_t size() const { return size_; }

  // Fills slots [first, first + outcomes.size()) and wakes waiters.
  void fill(std::size_t first, ChunkOutcomes outcomes);

  // Blocks until slot i is filled; the view stays valid as long as the buffer.
  OutcomeView wait(std::size_t i);
  // Like wait, with a deadline; false when it passed first.
  bool wait_until(std::size_t i, std::chrono::steady_clock::time_point deadline);
  bool ready(std::size_t i) const;
  // Blocks until k+1 slots are filled; returns the index of the (k+1)-th
  // to be filled (completion order, for imap_unordered).
  std::size_t wait_completed(std::size_t k);
  // As wait_completed, with a deadline; nullopt when it passed first.
  std::optional<std::size_t> wait_completed_until(std::size_t k, std::chrono::steady_clock::time_point deadline);
  // Blocks until every slot is filled.
  void wait_all();

  // Calls f(const ChunkOutcomes&) for every chunk in slot order, each as
  // soon as it is filled, while later ones may still run: a map's results
  // are decoded as they come, not all after the last. Chunks smaller than
  // kStreamChunk are handed over once every slot is filled, so that a map
  // of one-item chunks costs its waiter one wake-up, not one a chunk.
  template <class F>
  void for_each_chunk(F&& f) {
    for (std::size_t first = 0; first < size_;) {
      const ChunkOutcomes& chunk = wait_chunk(first);
      f(chunk);
      first += chunk.size();
    }
  }
  static constexpr std::size_t kStreamChunk = 256;
  // Blocks until the chunk that begins at slot first is filled (see
  // for_each_chunk); it stays where it is as long as the buffer.
  const ChunkOutcomes& wait_chunk(std::size_t first);

  // Once wait_all() returned: calls f(OutcomeView) for every slot in order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [first, held] : chunks_)
      for (std::size_t i = 0; i < held.chunk.size(); ++i) f(held.chunk[i]);
  }

 private:
  // A filled chunk, or several small ones joined (see joined()).
  struct Held {
    ChunkOutcomes chunk;
    // Whether a waiter was handed a view into its bytes: they must not
    // move any more. Guarded by mu_.
    mutable bool viewed = false;
  };
  // The slot filled (k+1)-th; mu_ held and more than k slots filled.
  std::size_t completed(std::size_t k) const;
  // The chunk holding slot i, or null while it is not filled; mu_ held.
  const Held* find(std::size_t i, std::size_t& offset) const;
  // Appends outcomes to the chunk that ends at slot first when both are
  // small and succeeded; false when they stay apart. mu_ held.
  bool joined(std::size_t first, ChunkOutcomes& outcomes);

  // A thread blocked until its condition holds. fill() wakes only waiters
  // whose condition it made true: map of 10,000 one-item chunks must not
  // wake the thread waiting for all of them 10,000 times. Shared, so that
  // fill() can post after it lets go of mu_ (a waiter woken while the lock
  // is still held would only block again on it). A semaphore rather than a
  // condition variable: glibc's condition variable takes its mutex back
  // marked contended, so every wait cost one more futex call when the
  // mutex was let go again (~2 us a get() on a VM).
  struct Waiter {
    explicit Waiter(std::function<bool()> r);
    ~Waiter();
    Waiter(const Waiter&) = delete;
    Waiter& operator=(const Waiter&) = delete;
    std::function<bool()> ready;  // evaluated with mu_ held
    sem_t posted;                 // posted by fill() once ready() holds
  };
  // Blocks (lock holds mu_) until ready() or the deadline; ready()'s value.
  bool block(std::unique_lock<std::mutex>& lock, std::function<bool()> ready,
             std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

  const std::size_t size_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Waiter>> waiters_;  // guarded by mu_
  // By first slot; map nodes stay put, so views into them stay valid.
  // Small chunks that succeeded join the one before them (up to
  // kStreamChunk slots): a map of 10,000 one-item chunks keeps ~80 nodes,
  // not 10,000 nodes and reply buffers (~2 MB of fresh pages, ~20% of
  // that map's time on a VM where a page fault costs ~10 us).
  std::map<std::size_t, Held> chunks_;  // guarded by mu_
  std::weak_ptr<BufferRecycler> recycler_;
  // Fill order: (slots filled before this chunk, its first slot).
  std::vector<std::pair<std::size_t, std::size_t>> order_;  // guarded by mu_
  // Written with mu_ held; atomic so that a waiter may spin on it without.
  std::atomic<std::size_t> filled_{0};
};

}  // namespace ferry::detail
