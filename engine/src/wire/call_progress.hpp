// Which item of which call a worker is running, and since when: one page of
// shared memory that the worker writes before each item of a call that has a
// timeout, and that the host reads when the call's deadline passes. So a
// `timeout` holds per item whatever the chunk size, without a message per
// item. The page lives in the worker, where a task can scribble on it: the
// host checks everything it reads (ProgressReader::read) and keeps a
// backstop deadline of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

namespace ferry::wire {

// One consistent reading of a worker's progress.
struct ItemProgress {
  std::uint64_t call = 0;       // CallRequest::id
  std::uint32_t item = 0;       // index within the call
  std::int64_t started_ns = 0;  // CLOCK_MONOTONIC, when the item began
};

// The shared page's layout: a sequence lock around the fields (odd while
// the worker writes), all lock-free atomics, so either side may die at any
// point without leaving the other blocked.
struct ProgressPage {
  std::atomic<std::uint64_t> seq{0};
  std::atomic<std::uint64_t> call{0};
  std::atomic<std::uint32_t> item{0};
  std::atomic<std::int64_t> started_ns{0};
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::int64_t>::is_always_lock_free);

// The worker's side: creates the page (a memfd) and records each item's start.
class ProgressWriter {
 public:
  ProgressWriter();  // without a page (no memory for it) begin() does nothing
  ~ProgressWriter();
  ProgressWriter(const ProgressWriter&) = delete;
  ProgressWriter& operator=(const ProgressWriter&) = delete;

  // The page's descriptor, to send to the host once; -1 without a page.
  int fd() const { return fd_; }
  // Item `item` of call `call` starts now; returns the time written (ns).
  std::int64_t begin(std::uint64_t call, std::uint32_t item);

 private:
  int fd_ = -1;
  ProgressPage* page_ = nullptr;
};

// The host's side: maps a worker's page read-only.
class ProgressReader {
 public:
  ProgressReader() = default;
  ~ProgressReader();
  ProgressReader(const ProgressReader&) = delete;
  ProgressReader& operator=(const ProgressReader&) = delete;

  // Maps the page behind fd (closed here either way); false if it cannot.
  bool adopt(int fd);
  bool mapped() const { return page_ != nullptr; }
  // A consistent reading, or nullopt without a page or when the worker
  // keeps the lock odd (a task scribbling on it).
  std::optional<ItemProgress> read() const;

 private:
  const ProgressPage* page_ = nullptr;
};

// CLOCK_MONOTONIC in nanoseconds: what steady_clock reads in every process.
std::int64_t monotonic_ns();

}  // namespace ferry::wire
