// A worker's writer of manager posts (puts on unbounded queues and other
// requests nobody waits for), as Python's Queue hands items to a feeder
// thread: the task returns from put at once, and posts made while the
// previous ones are being written go out together in one write, so the
// manager wakes once per batch, not once per item.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace ferry::worker {

class PostFeeder {
 public:
  // Writes frames to fd, which it does not own; the caller serialises
  // post() and drain() and writes to fd itself only after drain().
  explicit PostFeeder(int fd) : fd_(fd) {}
  // Payloads from this size on are best written by the caller itself,
  // after drain(): copying them into the batch costs more than the wake-up
  // it would save (post() does so too).
  static constexpr std::size_t kDirectPost = 64 * 1024;
  // Bytes of posts a task may get ahead of the feeder's writes: a flood of
  // puts then waits for the manager to read rather than grow the batch
  // without bound (fresh pages at every doubling cost more than the items),
  // and the two batches stay in cache.
  static constexpr std::size_t kMaxPending = 256 * 1024;
  ~PostFeeder();  // drains, then stops the thread
  PostFeeder(const PostFeeder&) = delete;
  PostFeeder& operator=(const PostFeeder&) = delete;

  // Queues one manager_post frame; false once a write has failed (the
  // manager is gone). A large payload is written at once by the caller
  // instead, after what is queued: copying it into the batch costs more
  // than the wake-up it would save.
  bool post(std::string_view payload);
  // Blocks until every post so far has been written; false if one failed.
  bool drain();

 private:
  void run();
  bool write_all(std::string_view bytes);

  const int fd_;
  std::mutex mu_;
  std::condition_variable wake_;     // the feeder: there is something to write, or stop
  std::condition_variable written_;  // drain(): a write finished; a full post(): a batch was taken
  std::string pending_;              // frames not yet handed to the feeder; guarded by mu_
  bool writing_ = false;             // the feeder is writing a batch; guarded by mu_
  bool failed_ = false;              // guarded by mu_
  bool stop_ = false;                // guarded by mu_
  std::thread thread_;               // started by the first post
};

}  // namespace ferry::worker
