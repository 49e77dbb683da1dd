// When a thread about to sleep on a channel should first spin on it.
//
// A request/reply between two processes on two CPUs costs two wake-ups;
// on this project's VMs each is ~30-40 us (bench: pipe ping-pong across CPUs
// 65-85 us, on one CPU 6 us), so a worker doing dict operations back to back
// is paced by wake-ups, not work. Spinning a few tens of microseconds before
// sleeping reads a prompt answer with no wake-up at all. Spins pay off in
// bursts and are waste otherwise, so each miss doubles the number of waits
// that sleep at once (up to kMaxPause) and a hit ends the pause: a quiet
// peer costs a spin now and then, never a CPU.
#pragma once

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>

namespace ferry::wire {

class SpinPolicy {
 public:
  // The spin before a sleep: FERRY_SPIN_US microseconds (0 turns spinning
  // off; default 50), read once a process.
  static std::chrono::nanoseconds budget() {
    static const std::chrono::nanoseconds b = [] {
      const char* env = std::getenv("FERRY_SPIN_US");
      const long us = env && *env ? std::strtol(env, nullptr, 10) : 50;
      return std::chrono::microseconds(std::clamp<long>(us, 0, 10'000));
    }();
    return b;
  }

  // Spins on channel (anything with spin_until_readable) if the recent
  // waits say it is worth it; returns at once otherwise.
  template <class Channel>
  void before_wait(Channel& channel) {
    const auto b = budget();
    if (b.count() == 0) return;
    if (skip_ > 0) {
      --skip_;
      return;
    }
    if (channel.spin_until_readable(b)) {
      pause_ = 1;
      return;
    }
    skip_ = pause_;
    pause_ = std::min<std::uint32_t>(pause_ * 2, kMaxPause);
  }

 private:
  static constexpr std::uint32_t kMaxPause = 1024;
  std::uint32_t skip_ = 0;   // waits left that sleep without spinning
  std::uint32_t pause_ = 1;  // skip_ after the next miss
};

// What SpinPolicy spins on when the answer is a counter of this process
// changing (a pool's news of batches, a result buffer's fills): readable
// once counter differs from seen. With yield, each round offers the CPU to
// any other runnable thread, for a waiter whose CPU the thread that will
// answer may need (a caller in get() and the worker it waits for).
template <class T>
struct CounterWatch {
  const std::atomic<T>& counter;
  T seen;
  bool yield = false;

  bool spin_until_readable(std::chrono::nanoseconds budget) const {
    const auto end = std::chrono::steady_clock::now() + budget;
    for (std::uint32_t round = 1;; ++round) {
      if (counter.load(std::memory_order_acquire) != seen) return true;
      // The clock costs more than a look at the counter: read it every 64th.
      if ((yield || round % 64 == 0) && std::chrono::steady_clock::now() >= end) return false;
      if (yield) {
        ::sched_yield();
      } else {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();  // kinder to a sibling hyperthread than a bare loop
#endif
      }
    }
  }
};

}  // namespace ferry::wire
