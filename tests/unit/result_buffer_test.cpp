// The pool's result buffer (engine/src/pool/result_buffer.hpp), private to
// the pool layer: this test links ferry_pool, not libferry.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
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

namespace {

// One chunk of one item: the result bytes of a one-item call.
ferry::detail::ChunkOutcomes one_item(const std::string& bytes) {
  ferry::detail::ChunkOutcomes c;
  c.results.push_back(bytes);
  return c;
}

}  // namespace

// Small chunks join the chunk before them; every slot still reads its own
// bytes, a view handed out stays where it is while later chunks join, and
// completion order is kept.
TEST_CASE("a result buffer joins small chunks without moving what it handed out", "[pool]") {
  using ferry::detail::ChunkOutcomes;
  constexpr std::size_t n = 3 * ferry::detail::ResultBuffer::kStreamChunk;
  ferry::detail::ResultBuffer buffer(n);
  buffer.fill(1, one_item("r1"));  // out of order: slot 1 before slot 0
  buffer.fill(0, one_item("r0"));
  const auto first = buffer.wait(0);
  const auto second = buffer.wait(1);
  for (std::size_t i = 2; i < n; ++i) {
    if (i == 300) {  // a failed item stays apart, with its error
      auto failed = ChunkOutcomes::failed(1, std::make_exception_ptr(std::runtime_error("item 300")));
      buffer.fill(i, std::move(failed));
    } else {
      buffer.fill(i, one_item("r" + std::to_string(i)));
    }
  }
  CHECK(buffer.wait(0).bytes.data() == first.bytes.data());
  CHECK(buffer.wait(1).bytes.data() == second.bytes.data());
  CHECK(first.bytes == "r0");
  CHECK(second.bytes == "r1");
  CHECK(buffer.wait(300).error);
  for (std::size_t i = 0; i < n; ++i) {
    if (i == 300) continue;
    const auto v = buffer.wait(i);
    CHECK_FALSE(v.error);
    CHECK(v.bytes == "r" + std::to_string(i));
  }
  // Completion order: 1, 0, then 2, 3, ... as filled.
  CHECK(buffer.wait_completed(0) == 1);
  CHECK(buffer.wait_completed(1) == 0);
  for (std::size_t k = 2; k < n; ++k) CHECK(buffer.wait_completed(k) == k);

  // Handed over chunk by chunk, every slot exactly once, none of them as
  // large as a streamed chunk.
  std::size_t slots = 0, chunks = 0;
  buffer.for_each_chunk([&](const ChunkOutcomes& chunk) {
    CHECK(chunk.size() < ferry::detail::ResultBuffer::kStreamChunk);
    for (std::size_t i = 0; i < chunk.size(); ++i)
      if (slots + i != 300) CHECK(chunk[i].bytes == "r" + std::to_string(slots + i));
    slots += chunk.size();
    ++chunks;
  });
  CHECK(slots == n);
  CHECK(chunks < n / 16);  // joined, not one a slot
}

// A waiter wakes when its slot is filled from another thread, whether it
// found the slot filled at once, in its spin or only once asleep; a wait
// with a deadline ends at the deadline when nothing comes. Thousands of
// hand-offs back and forth: a lost wake-up hangs this test.
TEST_CASE("result buffer waiters wake for their slot and give up at their deadline", "[pool]") {
  constexpr std::size_t n = 4000;
  ferry::detail::ResultBuffer to_b(n), to_a(n);
  std::thread b([&] {
    for (std::size_t i = 0; i < n; ++i) {
      const auto got = to_b.wait(i);
      to_a.fill(i, one_item(std::string(got.bytes) + "b"));
    }
  });
  std::size_t answered = 0;
  for (std::size_t i = 0; i < n; ++i) {
    to_b.fill(i, one_item("a" + std::to_string(i)));
    // Every other wait has a (distant) deadline: both ways of waiting.
    if (i % 2 == 0 ? to_a.wait_until(i, std::chrono::steady_clock::now() + std::chrono::minutes(5))
                   : to_a.wait(i).bytes.size() > 0)
      answered += to_a.wait(i).bytes == "a" + std::to_string(i) + "b";
  }
  b.join();
  CHECK(answered == n);

  ferry::detail::ResultBuffer pending(2);
  pending.fill(1, one_item("late"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  CHECK_FALSE(pending.wait_until(0, deadline));  // slot 0 is never filled
  CHECK(std::chrono::steady_clock::now() >= deadline);
  CHECK_FALSE(pending.ready(0));
  CHECK(pending.wait_until(1, deadline));  // filled already: no wait
}
