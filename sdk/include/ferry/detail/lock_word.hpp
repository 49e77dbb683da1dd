// A manager Lock's state as one futex word in shared memory, so that taking
// and releasing it costs an atomic instruction rather than a round trip to
// the host (a cross-CPU wake-up is tens of microseconds on a VM).
//
// The word holds 0 when free, else the holder's tag (its manager client id
// + 1, never reused in an engine) with kWaiters set once anyone sleeps on
// it. Any process may release it, as with Python's Lock; the host clears
// the tag of a client that is gone, which is how a worker that dies holding
// the lock releases it. `closed` is set when the engine shuts down: waiters
// wake and fail instead of sleeping forever.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>

#include <ferry/detail/segment.hpp>
#include <ferry/errors.hpp>

namespace ferry::detail {

// One lock in a lock table (the data of a Segment of type kLockTableType).
struct LockSlot {
  std::atomic<std::uint32_t> state{0};
  std::atomic<std::uint32_t> closed{0};
  std::uint64_t reserved = 0;
};
static_assert(sizeof(LockSlot) == 16 && std::atomic<std::uint32_t>::is_always_lock_free);

inline constexpr const char* kLockTableType = "lock_table";
inline constexpr std::uint32_t kLockWaiters = 1u << 31;
// Tags above this cannot be told apart from kLockWaiters: such clients use
// the manager's round trips instead.
inline constexpr std::uint64_t kMaxLockTag = kLockWaiters - 1;

// Futex calls on a word shared between processes (so not FUTEX_PRIVATE).
inline void futex_wake(std::atomic<std::uint32_t>& word, int count) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, count, nullptr, nullptr, 0);
}
// Sleeps while word == expected, at most timeout (nullptr: no limit).
inline void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, const timespec* timeout) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, expected, timeout, nullptr, 0);
}

// A mapped slot of a lock table. Copies share the mapping.
class LockWord {
 public:
  LockWord(std::shared_ptr<Segment> table, std::size_t index)
      : table_(std::move(table)), slot_(static_cast<LockSlot*>(table_->data()) + index) {}

  // Takes the lock for the client with tag (1 .. kMaxLockTag), waiting at
  // most timeout_ms (-1: no limit). False when it stayed taken; throws
  // ferry::ManagerError once the engine holding lock name shut down.
  bool acquire(std::uint32_t tag, std::int64_t timeout_ms, const std::string& name) const {
    std::uint32_t c = 0;
    if (slot_->state.compare_exchange_strong(c, tag, std::memory_order_acquire)) return true;
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
      if (slot_->closed.load(std::memory_order_acquire) != 0)
        throw ManagerError("the engine holding shared object '" + name + "' has shut down");
      if (c == 0) {
        // Taken with kWaiters kept: others may still sleep on the word.
        if (slot_->state.compare_exchange_weak(c, tag | kLockWaiters, std::memory_order_acquire)) return true;
        continue;
      }
      const auto left = deadline - clock::now();
      if (timeout_ms >= 0 && left <= clock::duration::zero()) return false;
      if ((c & kLockWaiters) == 0 &&
          !slot_->state.compare_exchange_weak(c, c | kLockWaiters, std::memory_order_relaxed))
        continue;
      if (timeout_ms < 0) {
        futex_wait(slot_->state, c | kLockWaiters, nullptr);
      } else {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        const timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
        futex_wait(slot_->state, c | kLockWaiters, &ts);
      }
      c = slot_->state.load(std::memory_order_relaxed);
    }
  }

  // Releases the lock whoever holds it; false when it was not locked.
  bool release() const {
    const std::uint32_t old = slot_->state.exchange(0, std::memory_order_release);
    if (old & kLockWaiters) futex_wake(slot_->state, 1);
    return old != 0;
  }

  // Releases the lock if the client with tag holds it (that client is gone).
  bool release_if_held_by(std::uint32_t tag) const {
    std::uint32_t c = slot_->state.load(std::memory_order_relaxed);
    while ((c & ~kLockWaiters) == tag && c != 0)
      if (slot_->state.compare_exchange_weak(c, 0, std::memory_order_release)) {
        futex_wake(slot_->state, INT_MAX);
        return true;
      }
    return false;
  }

  // The engine is going away: every waiter wakes and fails.
  void close() const {
    slot_->closed.store(1, std::memory_order_release);
    slot_->state.fetch_or(kLockWaiters, std::memory_order_acq_rel);  // a sleeper's value changes: none misses it
    futex_wake(slot_->state, INT_MAX);
  }

 private:
  std::shared_ptr<Segment> table_;  // keeps the slot mapped
  LockSlot* slot_;
};

}  // namespace ferry::detail
