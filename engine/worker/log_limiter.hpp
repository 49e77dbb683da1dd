// How many of a task's log lines a worker sends: a token bucket of `rate`
// lines a second holding at most one second's worth, so a task that logs
// every item cannot flood the host's terminal or log files. Refused lines
// are counted, and the count goes to the host as a line of its own (at most
// one a second while lines keep coming, and before the worker waits for
// more work): never dropped silently.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

namespace ferry::worker {

class LogLimiter {
 public:
  // Whether a line written at now_ns (monotonic) may go; counts it dropped
  // if not. rate 0: every line goes.
  bool admit(std::uint32_t rate, std::int64_t now_ns) {
    if (rate == 0) return true;
    if (last_ns_ == 0) tokens_ = rate;  // the first line: a full second's worth
    else tokens_ = std::min<double>(rate, tokens_ + static_cast<double>(now_ns - last_ns_) * 1e-9 * rate);
    last_ns_ = now_ns;
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return true;
    }
    ++dropped_;
    return false;
  }
  std::uint64_t dropped() const { return dropped_; }
  // Lines dropped since the last call, and starts counting again.
  std::uint64_t take_dropped() { return std::exchange(dropped_, 0); }

 private:
  double tokens_ = 0;
  std::int64_t last_ns_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace ferry::worker
