// Copies of a few bytes, as items between stages mostly are (an encoded
// integer is 9 bytes): inline moves instead of a call to memcpy, which a
// size known only at run time always costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ferry::pipeline {

// Copies n bytes from src to dst (not overlapping).
inline void copy_short(char* dst, const char* src, std::size_t n) {
  // Two fixed-size copies that overlap in the middle cover every n in a
  // range; each is one load and one store.
  if (n >= 8 && n <= 16) {
    std::uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    std::uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else if (n > 16) {
    std::memcpy(dst, src, n);
  } else {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

}  // namespace ferry::pipeline
