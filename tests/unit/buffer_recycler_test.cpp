// A pool's buffer recycler: what it keeps, what it gives back, its bounds;
// and a ResultBuffer handing its results' buffers to it when done.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "wire/buffer_recycler.hpp"
#include "pool/result_buffer.hpp"

using ferry::detail::BufferRecycler;

namespace {
std::string with_capacity(std::size_t n) {
  std::string s;
  s.reserve(n);
  s.assign(100, 'x');
  return s;
}
}  // namespace

TEST_CASE("buffer recycler: a large buffer comes back empty, with its capacity and memory", "[pool]") {
  BufferRecycler r;
  CHECK(r.take().capacity() < (64u << 10));  // nothing kept yet
  std::string big = with_capacity(1 << 20);
  const char* memory = big.data();
  r.give(std::move(big));
  const std::string again = r.take();
  CHECK(again.empty());
  CHECK(again.capacity() >= (1u << 20));
  CHECK(again.data() == memory);
  CHECK(r.take().capacity() < (64u << 10));  // given once, taken once
}

TEST_CASE("buffer recycler: a buffer given as is comes back with its size, for a receiver's room", "[pool]") {
  BufferRecycler r;
  std::string big(1 << 20, 'z');
  const char* memory = big.data();
  r.give_as_is(std::move(big));
  const std::string again = r.take_as_is();
  CHECK(again.size() == (1u << 20));
  CHECK(again.data() == memory);
  r.give_as_is(std::string(1 << 20, 'z'));
  CHECK(r.take().empty());  // take() empties whatever it hands out
}

TEST_CASE("buffer recycler: small buffers are not kept, and what is kept is bounded", "[pool]") {
  BufferRecycler r;
  r.give(with_capacity(1000));
  CHECK(r.take().capacity() < (64u << 10));
  for (int i = 0; i < 100; ++i) r.give(with_capacity(1 << 20));  // 100 MiB offered
  std::size_t kept = 0, bytes = 0;
  for (;;) {
    const std::string s = r.take();  // a new string each time: assigning would keep the old capacity
    if (s.capacity() < (1u << 20)) break;
    ++kept;
    bytes += s.capacity();
  }
  CHECK(kept >= 1);
  CHECK(kept <= 32);
  CHECK(bytes <= (32u << 20));
}

TEST_CASE("result buffer: its results' buffers go to the recycler when it is done with", "[pool]") {
  auto recycler = std::make_shared<BufferRecycler>();
  {
    ferry::detail::ResultBuffer buffer(1);
    buffer.recycle_into(recycler);
    ferry::detail::ChunkOutcomes chunk;
    chunk.results.buffer() = with_capacity(1 << 20);
    chunk.results.seal();
    buffer.fill(0, std::move(chunk));
  }
  CHECK(recycler->take().capacity() >= (1u << 20));
}
