// What every benchmark program of the suite shares: a clock, a median, a
// result check, and the output format bench/suite/main.py reads: one JSON
// object a line, {"metric": NAME, "value": NUMBER, "unit": UNIT}.
// Header-only, so the limit programs need nothing but the standard library.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC: comparable across processes

// Nanoseconds on the monotonic clock, as the bench plugin's tasks report them.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double median(std::vector<double> v) {
  if (v.empty()) throw std::logic_error("median of nothing");
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A benchmark whose answers are wrong measures nothing: throws (exit 1).
inline void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("wrong result: " + what);
}

// Prints one measurement for the driver.
inline void emit(const char* metric, double value, const char* unit) {
  std::printf("{\"metric\":\"%s\",\"value\":%.9g,\"unit\":\"%s\"}\n", metric, value, unit);
  std::fflush(stdout);
}

// Runs body; an exception is reported on stderr and makes the exit status 1.
template <class F>
int run(const char* name, F&& body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace bench
