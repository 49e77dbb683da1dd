#include "wire/call_progress.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

namespace ferry::wire {
namespace {
constexpr std::size_t kPageBytes = 4096;
static_assert(sizeof(ProgressPage) <= kPageBytes);
}  // namespace

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

ProgressWriter::ProgressWriter() {
  fd_ = ::memfd_create("ferry-progress", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd_ < 0) return;
  // Sealed at its size before any task runs: a task cannot shrink the page
  // under the host, whose next read would be a SIGBUS (the host maps only
  // a sealed page).
  const bool sized = ::ftruncate(fd_, kPageBytes) == 0 &&
                     ::fcntl(fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0;
  void* p = sized ? ::mmap(nullptr, kPageBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0) : MAP_FAILED;
  if (p == MAP_FAILED) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  page_ = new (p) ProgressPage;
}

ProgressWriter::~ProgressWriter() {
  if (page_) ::munmap(page_, kPageBytes);
  if (fd_ >= 0) ::close(fd_);
}

std::int64_t ProgressWriter::begin(std::uint64_t call, std::uint32_t item) {
  const std::int64_t now = monotonic_ns();
  if (!page_) return now;
  const std::uint64_t s = page_->seq.load(std::memory_order_relaxed);
  page_->seq.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  page_->call.store(call, std::memory_order_relaxed);
  page_->item.store(item, std::memory_order_relaxed);
  page_->started_ns.store(now, std::memory_order_relaxed);
  page_->seq.store(s + 2, std::memory_order_release);
  return now;
}

ProgressReader::~ProgressReader() {
  if (page_) ::munmap(const_cast<ProgressPage*>(page_), kPageBytes);
}

bool ProgressReader::adopt(int fd) {
  if (fd < 0) return false;
  // A page that could still shrink could make a read here a SIGBUS.
  const int seals = ::fcntl(fd, F_GET_SEALS);
  struct stat st {};
  if (seals < 0 || (seals & F_SEAL_SHRINK) == 0 || ::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kPageBytes)) {
    ::close(fd);
    return false;
  }
  void* p = ::mmap(nullptr, kPageBytes, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return false;
  if (page_) ::munmap(const_cast<ProgressPage*>(page_), kPageBytes);
  page_ = static_cast<const ProgressPage*>(p);
  return true;
}

std::optional<ItemProgress> ProgressReader::read() const {
  if (!page_) return std::nullopt;
  // The worker holds the lock odd only between two of its own stores; a
  // few tries cover a write in progress, and a scribbled page gives up.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const std::uint64_t s1 = page_->seq.load(std::memory_order_acquire);
    if (s1 & 1) continue;
    ItemProgress p{page_->call.load(std::memory_order_relaxed), page_->item.load(std::memory_order_relaxed),
                   page_->started_ns.load(std::memory_order_relaxed)};
    std::atomic_thread_fence(std::memory_order_acquire);
    if (page_->seq.load(std::memory_order_relaxed) == s1) return p;
  }
  return std::nullopt;
}

}  // namespace ferry::wire
