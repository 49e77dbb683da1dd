#include "post_feeder.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "wire/frame.hpp"

namespace ferry::worker {
PostFeeder::~PostFeeder() {
  drain();
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool PostFeeder::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a manager that is gone is a failed post, not SIGPIPE.
    const ssize_t w = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written_bytes_.fetch_add(static_cast<std::uint64_t>(w), std::memory_order_relaxed);
    bytes.remove_prefix(static_cast<std::size_t>(w));
  }
  return true;
}

bool PostFeeder::post(std::string_view payload) {
  if (payload.size() > wire::kDefaultMaxFrame) return false;
  if (payload.size() >= kDirectPost) {
    if (!drain()) return false;
    char header[wire::kFrameHeaderSize];
    wire::encode_header(header, wire::FrameKind::manager_post, payload.size());
    const bool ok = write_all({header, sizeof header}) && write_all(payload);
    if (!ok) {
      std::lock_guard lock(mu_);
      failed_ = true;
    }
    return ok;
  }
  std::unique_lock lock(mu_);
  return queue(lock, payload, false);
}

bool PostFeeder::post_lazy(std::string_view payload) {
  if (payload.size() >= kDirectPost) return post(payload);
  std::unique_lock lock(mu_);
  return queue(lock, payload, true);
}

bool PostFeeder::queue(std::unique_lock<std::mutex>& lock, std::string_view payload, bool lazy) {
  // A batch of lazy posts this large is worth a write of its own now.
  constexpr std::size_t kLazyBatch = 64 * 1024;
  char header[wire::kFrameHeaderSize];
  wire::encode_header(header, wire::FrameKind::manager_post, payload.size());
  // A full batch waits for the feeder to take it.
  written_.wait(lock, [&] { return failed_ || pending_.size() < kMaxPending; });
  if (failed_) return false;
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  if (pending_.empty()) lazy_due_ = Clock::now() + kLazyDelay;
  pending_.append(header, sizeof header);
  pending_.append(payload);
  if (lazy && pending_.size() < kLazyBatch) {
    // A watching feeder comes by itself; waking it would cost a futex call
    // a post, about what writing the post at once would.
    if (!watching_) {
      watching_ = true;
      wake_.notify_one();
    }
  } else if (!urgent_) {
    urgent_ = true;
    wake_.notify_one();
  }
  return true;
}

bool PostFeeder::drain() {
  std::unique_lock lock(mu_);
  written_.wait(lock, [&] { return failed_ || !writing_; });
  if (failed_ || pending_.empty()) return !failed_;
  // Write what is pending from this thread rather than wake the feeder and
  // wait for it: a task alternating posts and requests would pay a thread
  // hop per request.
  std::string batch;
  write_pending(lock, batch);
  if (!pending_.empty()) wake_.notify_one();  // only another thread of the task can have posted meanwhile
  return !failed_;
}

bool PostFeeder::take(std::string& frames) {
  frames.clear();
  std::unique_lock lock(mu_);
  written_.wait(lock, [&] { return failed_ || !writing_; });
  if (failed_) return false;
  if (pending_.empty()) return true;
  frames.swap(pending_);
  urgent_ = false;
  lock.unlock();
  written_.notify_all();  // a post (of another thread) waiting for room has it
  return true;
}

void PostFeeder::write_pending(std::unique_lock<std::mutex>& lock, std::string& batch) {
  batch.swap(pending_);  // batch comes back empty, its capacity kept for the next
  urgent_ = false;
  writing_ = true;
  lock.unlock();
  written_.notify_all();  // a post waiting for room has it
  const bool ok = write_all(batch);
  batch.clear();
  lock.lock();
  writing_ = false;
  if (!ok) {
    failed_ = true;
    pending_.clear();
  }
  written_.notify_all();
}

void PostFeeder::run() {
  std::string batch;
  std::unique_lock lock(mu_);
  int rounds = 0;  // watching rounds left
  for (;;) {
    if (stop_) return;  // the destructor drained first
    if (writing_) {     // drain() writes from the task's thread: look again once it is done
      watching_ = true;
      wake_.wait_for(lock, kLazyDelay);
      continue;
    }
    if (!pending_.empty()) {
      if (!urgent_) rounds = kWatchRounds;
      if (urgent_ || Clock::now() >= lazy_due_) {
        write_pending(lock, batch);
        continue;
      }
      watching_ = true;
      wake_.wait_until(lock, lazy_due_);
      continue;
    }
    if (rounds > 0) {  // more lazy posts may come soon: be there without being woken
      --rounds;
      watching_ = true;
      wake_.wait_for(lock, kLazyDelay);
      continue;
    }
    watching_ = false;
    wake_.wait(lock, [&] { return stop_ || !pending_.empty(); });
  }
}

}  // namespace ferry::worker
