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
  char header[wire::kFrameHeaderSize];
  wire::encode_header(header, wire::FrameKind::manager_post, payload.size());
  bool wake;
  {
    std::unique_lock lock(mu_);
    // A full batch waits for the feeder to take it.
    written_.wait(lock, [&] { return failed_ || pending_.size() < kMaxPending; });
    if (failed_) return false;
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    wake = pending_.empty() && !writing_;  // otherwise the feeder comes back for it
    pending_.append(header, sizeof header);
    pending_.append(payload);
  }
  if (wake) wake_.notify_one();
  return true;
}

bool PostFeeder::drain() {
  std::unique_lock lock(mu_);
  written_.wait(lock, [&] { return failed_ || !writing_; });
  if (failed_ || pending_.empty()) return !failed_;
  // Write what is pending from this thread rather than wake the feeder and
  // wait for it: a task alternating posts and requests (dict sets and gets)
  // would pay a thread hop per request.
  std::string batch;
  batch.swap(pending_);
  writing_ = true;
  lock.unlock();
  written_.notify_all();  // a post (of another thread) waiting for room has it
  const bool ok = write_all(batch);
  lock.lock();
  writing_ = false;
  if (!ok) failed_ = true;
  written_.notify_all();
  if (!pending_.empty()) wake_.notify_one();  // only another thread of the task can have posted meanwhile
  return ok;
}

void PostFeeder::run() {
  std::string batch;
  std::unique_lock lock(mu_);
  for (;;) {
    // Not while drain() writes from its own thread: one writer at a time.
    wake_.wait(lock, [&] { return stop_ || (!pending_.empty() && !writing_); });
    if (pending_.empty() || writing_) return;  // stop_; the destructor drained first
    batch.swap(pending_);
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
}

}  // namespace ferry::worker
