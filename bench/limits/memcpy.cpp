// The floor under copying a message, in GB/s (10^9 bytes), the best of 10:
// memcpy of 64 MiB between two buffers already touched; a 10 MB copy into
// memory never touched before (a fresh mmap: the kernel's page faults and
// zeroing, which every kept message pays once); and the same with
// transparent huge pages asked for (madvise), as ferry asks for its large
// message buffers.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "bench.hpp"

namespace {

// The best rate of 10 runs of copy(), in GB/s of bytes.
template <class Copy>
double best_of_10(std::size_t bytes, Copy copy) {
  double best = 0;
  for (int i = 0; i < 10; ++i) {
    const auto start = bench::Clock::now();
    copy(i);
    best = std::max(best, bytes / bench::seconds_since(start) / 1e9);
  }
  return best;
}

}  // namespace

int main() {
  return bench::run("memcpy", [] {
    constexpr std::size_t kBytes = 64u << 20, kMessage = 10'000'000;
    std::vector<char> src(kBytes, 'a'), dst(kBytes, 'b');
    bench::emit("gb_per_s", best_of_10(kBytes, [&](int i) {
      src[static_cast<std::size_t>(i) * 4096] = static_cast<char>('a' + i);
      std::memcpy(dst.data(), src.data(), kBytes);
      bench::check(dst[static_cast<std::size_t>(i) * 4096] == 'a' + i, "copy");
    }), "GB/s");
    bench::emit("fresh_gb_per_s", best_of_10(kMessage, [&](int) {
      void* p = ::mmap(nullptr, kMessage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      bench::check(p != MAP_FAILED, "mmap");
      std::memcpy(p, src.data(), kMessage);
      bench::check(static_cast<char*>(p)[kMessage - 1] == src[kMessage - 1], "fresh copy");
      ::munmap(p, kMessage);
    }), "GB/s");
    bench::emit("fresh_huge_gb_per_s", best_of_10(kMessage, [&](int) {
      void* p = ::mmap(nullptr, kMessage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      bench::check(p != MAP_FAILED, "mmap");
      ::madvise(p, kMessage, MADV_HUGEPAGE);  // refused or ignored where THP is off: then as above
      std::memcpy(p, src.data(), kMessage);
      bench::check(static_cast<char*>(p)[kMessage - 1] == src[kMessage - 1], "fresh copy");
      ::munmap(p, kMessage);
    }), "GB/s");
  });
}
