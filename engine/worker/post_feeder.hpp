// A worker's writer of manager posts (puts on unbounded queues, dict sets
// and other requests nobody waits for), as Python's Queue hands items to a
// feeder thread: the task returns from put at once, and posts made while
// the previous ones are being written go out together in one write, so the
// manager wakes once per batch, not once per item.
//
// A lazy post (a dict set) is not written at once: it waits for the task's
// next request to the manager and goes out in the same write (take()), so
// a task alternating sets and gets pays one system call and one wake-up of
// the manager per pair, not two. A lazy post that no request follows is
// written by the feeder thread within kLazyDelay.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace ferry::worker {

class PostFeeder {
 public:
  using Clock = std::chrono::steady_clock;
  // Writes frames to fd, which it does not own; the caller serialises
  // post(), post_lazy(), drain() and take(), and writes to fd itself only
  // after drain() or take().
  // written counts every byte written to fd (the channel that shares the
  // socket orders its lane messages by it).
  PostFeeder(int fd, std::atomic<std::uint64_t>& written) : fd_(fd), written_bytes_(written) {}
  // Payloads from this size on are best written by the caller itself,
  // after drain(): copying them into the batch costs more than the wake-up
  // it would save (post() does so too).
  static constexpr std::size_t kDirectPost = 64 * 1024;
  // Bytes of posts a task may get ahead of the feeder's writes: a flood of
  // puts then waits for the manager to read rather than grow the batch
  // without bound (fresh pages at every doubling cost more than the items),
  // and the two batches stay in cache.
  static constexpr std::size_t kMaxPending = 256 * 1024;
  // The longest a lazy post waits for a request to carry it: how late, at
  // most, another process sees a set that nothing of its task follows.
  static constexpr std::chrono::microseconds kLazyDelay{1000};
  // After a lazy post the feeder looks at its batch every kLazyDelay for
  // this many rounds, so the next lazy posts need no wake-up of it (a
  // futex call each), then sleeps until woken.
  static constexpr int kWatchRounds = 16;
  ~PostFeeder();  // drains, then stops the thread
  PostFeeder(const PostFeeder&) = delete;
  PostFeeder& operator=(const PostFeeder&) = delete;

  // Queues one manager_post frame, written at once by the feeder; false
  // once a write has failed (the manager is gone). A large payload is
  // written at once by the caller instead, after what is queued.
  bool post(std::string_view payload);
  // Queues one manager_post frame that waits up to kLazyDelay for take()
  // (the next request) to carry it; false once a write has failed.
  bool post_lazy(std::string_view payload);
  // Blocks until every post so far has been written; false if one failed.
  bool drain();
  // Waits until the feeder is not writing, then moves every frame queued
  // and not yet written into frames (emptied first), for the caller to
  // write, before anything else it writes; false if a write failed.
  bool take(std::string& frames);

 private:
  void run();
  bool write_all(std::string_view bytes);
  // Queues frame; a lazy one waits for its due time. mu_ held by lock.
  bool queue(std::unique_lock<std::mutex>& lock, std::string_view payload, bool lazy);
  // Writes pending_ through batch (the feeder's thread, or drain()'s); mu_
  // held by lock, released while writing; a failed write sets failed_.
  void write_pending(std::unique_lock<std::mutex>& lock, std::string& batch);

  const int fd_;
  std::atomic<std::uint64_t>& written_bytes_;
  std::mutex mu_;
  std::condition_variable wake_;     // the feeder: there is something to write, or stop
  std::condition_variable written_;  // drain()/take(): a write finished; a full post(): a batch was taken
  std::string pending_;              // frames not yet handed to the feeder; guarded by mu_
  bool urgent_ = false;              // pending_ holds a post to write at once; guarded by mu_
  Clock::time_point lazy_due_{};     // when the oldest lazy post of pending_ must be written; guarded by mu_
  // The feeder is in a timed wait (or about to look at pending_ again) and
  // will find a lazy post without being woken; guarded by mu_.
  bool watching_ = false;
  bool writing_ = false;  // a batch is being written; guarded by mu_
  bool failed_ = false;   // guarded by mu_
  bool stop_ = false;     // guarded by mu_
  std::thread thread_;    // started by the first post
};

}  // namespace ferry::worker
