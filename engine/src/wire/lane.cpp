#include "wire/lane.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace ferry::wire {

// One direction. The writer owns published, after and size; the reader
// owns taken and asleep. Each group has its own cache lines, so a spinning
// reader's loads do not bounce the line its writer stores to.
struct Lane::Slot {
  alignas(64) std::atomic<std::uint64_t> published;  // messages written
  std::atomic<std::uint64_t> after;                  // socket bytes sent before the last one
  std::atomic<std::uint32_t> size;                   // its bytes
  alignas(64) std::atomic<std::uint64_t> taken;      // messages taken
  std::atomic<std::uint32_t> asleep;                 // the reader may be asleep on the socket
  alignas(64) char bytes[kSlotBytes];
};

struct Lane::Page {
  Slot to_host;
  Slot to_worker;
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free,
              "the page is shared between processes: its atomics must not hide a lock");

std::size_t Lane::mapped_bytes() {
  constexpr std::size_t kPage = 4096;
  return (sizeof(Page) + kPage - 1) / kPage * kPage;
}

Lane::Lane(void* base, int fd, Side side) : page_(static_cast<Page*>(base)), fd_(fd) {
  in_ = side == Side::host ? &page_->to_host : &page_->to_worker;
  out_ = side == Side::host ? &page_->to_worker : &page_->to_host;
}

Lane::~Lane() {
  ::munmap(page_, mapped_bytes());
  release_fd();
}

void Lane::release_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::unique_ptr<Lane> Lane::create() {
  const int fd = ::memfd_create("ferry-lane", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return nullptr;
  // Sealed at its size before the worker sees it: neither end can shrink
  // the page under the other.
  const bool sized = ::ftruncate(fd, static_cast<off_t>(mapped_bytes())) == 0 &&
                     ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0;
  void* p = sized ? ::mmap(nullptr, mapped_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  if (p == MAP_FAILED) {
    ::close(fd);
    return nullptr;
  }
  new (p) Page;  // a fresh memfd reads as zeros: every count starts at 0
  return std::unique_ptr<Lane>(new Lane(p, fd, Side::host));
}

std::unique_ptr<Lane> Lane::adopt(int fd) {
  if (fd < 0) return nullptr;
  const int seals = ::fcntl(fd, F_GET_SEALS);
  struct stat st {};
  const bool whole = seals >= 0 && (seals & F_SEAL_SHRINK) != 0 && ::fstat(fd, &st) == 0 &&
                     st.st_size == static_cast<off_t>(mapped_bytes());
  void* p = whole ? ::mmap(nullptr, mapped_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  ::close(fd);
  if (p == MAP_FAILED) return nullptr;
  return std::unique_ptr<Lane>(new Lane(p, -1, Side::worker));
}

bool Lane::can_publish(std::size_t bytes) const {
  return bytes <= kSlotBytes && out_->taken.load(std::memory_order_acquire) == sent_;
}

bool Lane::publish(std::span<const iovec> iov, std::size_t bytes, std::uint64_t after) {
  std::size_t at = 0;
  for (const auto& v : iov) {
    std::memcpy(out_->bytes + at, v.iov_base, v.iov_len);
    at += v.iov_len;
  }
  out_->size.store(static_cast<std::uint32_t>(bytes), std::memory_order_relaxed);
  out_->after.store(after, std::memory_order_relaxed);
  // seq_cst, as is the load of asleep after it and the reader's pair in
  // set_asleep() + peek(): one of the two sides sees the other's store, so
  // a reader never sleeps through a message.
  out_->published.store(++sent_, std::memory_order_seq_cst);
  return out_->asleep.load(std::memory_order_seq_cst) != 0;
}

bool Lane::peek(std::uint64_t& after) const {
  if (in_->published.load(std::memory_order_seq_cst) == seen_) return false;
  after = in_->after.load(std::memory_order_relaxed);
  return true;
}

void Lane::take(std::string& out) {
  const std::uint64_t published = in_->published.load(std::memory_order_acquire);
  const std::size_t size = std::min<std::size_t>(in_->size.load(std::memory_order_relaxed), kSlotBytes);
  out.append(in_->bytes, size);
  seen_ = published;
  in_->taken.store(published, std::memory_order_release);
}

void Lane::set_asleep(bool asleep) { in_->asleep.store(asleep ? 1 : 0, std::memory_order_seq_cst); }

}  // namespace ferry::wire
