// The pool's result buffer (engine/src/pool/result_buffer.hpp), private to
// the pool layer: this test links ferry_pool, not libferry.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "pool/result_buffer.hpp"

// The outcomes of a map are handed over chunk by chunk as each is filled,
// in slot order, not all at once after the last.
TEST_CASE("a result buffer hands over large chunks as they are filled", "[pool]") {
  using ferry::detail::ChunkOutcomes;
  constexpr std::size_t n = ferry::detail::ResultBuffer::kStreamChunk;
  ferry::detail::ResultBuffer buffer(3 * n);
  const auto chunk_of = [](std::size_t items, char tag) {
    ChunkOutcomes c;
    for (std::size_t i = 0; i < items; ++i) c.results.push_back(std::string(1, tag));
    return c;
  };
  std::atomic<int> seen{0};
  std::mutex mu;
  std::condition_variable cv;
  bool handed_early = false;
  std::thread filler([&] {
    buffer.fill(n, chunk_of(n, 'b'));  // out of order: waits for the first
    buffer.fill(0, chunk_of(n, 'a'));
    // The first two are handed over before the last is filled (a bounded
    // wait, so a failure is reported rather than hanging).
    std::unique_lock lock(mu);
    handed_early = cv.wait_for(lock, std::chrono::seconds(30), [&] { return seen == 2; });
    lock.unlock();
    buffer.fill(2 * n, chunk_of(n, 'c'));
  });
  std::string order;
  int seen_before_last = -1;
  buffer.for_each_chunk([&](const ChunkOutcomes& chunk) {
    order += chunk[0].bytes;
    CHECK(chunk.size() == n);
    if (order.size() == 3) return;
    std::lock_guard lock(mu);
    seen_before_last = ++seen;
    cv.notify_all();
  });
  filler.join();
  CHECK(order == "abc");
  CHECK(seen_before_last == 2);
  CHECK(handed_early);
}
