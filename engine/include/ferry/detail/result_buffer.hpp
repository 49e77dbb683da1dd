// Internal: where a pool's threads deliver per-item outcomes and where
// map / imap / AsyncResult wait for them. Not part of the stable API.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ferry::detail {

// One item's result: its encoded bytes, or the exception to raise for it.
struct Outcome {
  std::string bytes;
  std::exception_ptr error;
};

// A fixed number of slots, each filled once, from any thread.
class ResultBuffer {
 public:
  explicit ResultBuffer(std::size_t size);
  std::size_t size() const { return slots_.size(); }

  // Fills slots [first, first + outcomes.size()) and wakes waiters.
  void fill(std::size_t first, std::vector<Outcome> outcomes);

  // Blocks until slot i is filled; the reference stays valid.
  Outcome& wait(std::size_t i);
  // Like wait, with a deadline; false when it passed first.
  bool wait_until(std::size_t i, std::chrono::steady_clock::time_point deadline);
  bool ready(std::size_t i) const;
  // Blocks until k+1 slots are filled; returns the index of the (k+1)-th
  // to be filled (completion order, for imap_unordered).
  std::size_t wait_completed(std::size_t k);
  // Blocks until every slot is filled.
  void wait_all();
  // Blocks until every slot is filled, then moves all outcomes out, in slot
  // order, under one lock. The buffer must not be read afterwards.
  std::vector<Outcome> take_all();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<Outcome>> slots_;  // guarded by mu_
  std::vector<std::size_t> order_;             // fill order; guarded by mu_
};

}  // namespace ferry::detail
