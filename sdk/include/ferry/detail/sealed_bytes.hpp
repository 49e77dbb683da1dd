// A large value held in a sealed memfd (its size and contents can no longer
// change), mapped read-only. The manager keeps a worker's large queue items
// this way, so a 10 MB item reaches the host through the page cache, not
// copied through a socket and again into the store.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <string_view>

namespace ferry::detail {

// Owns one read-only mapping; unmapped with the last handle.
class SealedBytes {
 public:
  // Takes over the mapping [base, base + size).
  SealedBytes(const void* base, std::size_t size) noexcept : base_(base), size_(size) {}
  ~SealedBytes() {
    if (size_ != 0) ::munmap(const_cast<void*>(base_), size_);
  }
  SealedBytes(const SealedBytes&) = delete;
  SealedBytes& operator=(const SealedBytes&) = delete;

  // The bytes, valid while this object lives.
  std::string_view view() const noexcept { return {static_cast<const char*>(base_), size_}; }

 private:
  const void* base_;
  std::size_t size_;
};

}  // namespace ferry::detail
