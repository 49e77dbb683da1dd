#include "largest_allocation.hpp"

#include <cstdlib>
#include <new>

std::atomic<std::size_t> g_largest_alloc{0};
std::atomic<std::size_t> g_total_alloc{0};

namespace {
void* counted_malloc(std::size_t n) noexcept {
  g_total_alloc.fetch_add(n, std::memory_order_relaxed);
  std::size_t seen = g_largest_alloc.load();
  while (n > seen && !g_largest_alloc.compare_exchange_weak(seen, n)) {
  }
  return std::malloc(n ? n : 1);
}
}  // namespace

// Every plain and nothrow form is replaced, so no allocation meets a
// deallocation from another family (Catch2 uses nothrow new; AddressSanitizer
// checks the pairing).
void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
// Not inlined: g++ would then pair free() with the builtin new and warn.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
