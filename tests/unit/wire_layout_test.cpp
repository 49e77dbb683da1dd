// The compact forms of calls and replies (worker protocol 6): items all of
// one size travel without their ends, and replies whose items all succeeded
// without their statuses. Both must decode to what was sent, fall back to
// the full form whenever they do not apply, and refuse a peer's lies
// without allocating what it claims.
#include <catch2/catch.hpp>

#include "encoded_ints.hpp"
#include "largest_allocation.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <ferry/abi.h>
#include <ferry/codec.hpp>

#include "wire/messages.hpp"

using namespace ferry::wire;
using ferry::ValueError;

namespace {

// A call's fixed fields up to and with its item count.
std::string call_head(std::uint32_t n) { return u64(7) + u32(1) + u32(0) + u64(0) + u32(0) + u32(0) + u32(n); }

// n items of size bytes each, item i filled with 'a' + i.
ferry::detail::ItemList items_of(std::size_t n, std::size_t size) {
  ferry::detail::ItemList items;
  for (std::size_t i = 0; i < n; ++i) items.push_back(std::string(size, static_cast<char>('a' + i)));
  return items;
}

template <class M>
M round_trip(const M& m) {
  M back;
  decode(encode(m), back);
  return back;
}

}  // namespace

TEST_CASE("wire: a call of items all one size travels without their ends", "[wire]") {
  CallRequest c{7, 1, 0, 0, 0, 0, items_of(1000, 8)};
  CHECK(encode(c).size() == call_head(1000).size() + 4 + 1000 * 8);  // one size field, no ends
  CHECK(round_trip(c).items == c.items);

  // Any other shape keeps its ends: sizes that differ, one item, empty items.
  for (auto items : {items_of(3, 8), items_of(1, 8), items_of(3, 0)}) {
    if (items.size() == 3) items.push_back("longer than the rest");
    CallRequest d{7, 1, 0, 0, 0, 0, items};
    CHECK(encode(d).size() == call_head(static_cast<std::uint32_t>(items.size())).size() + 4 + 4 * items.size() +
                                  items.bytes().size());
    CHECK(round_trip(d).items == items);
  }
  // Items all empty are all one size too, but keep their ends (see messages.cpp).
  CallRequest empty_items{7, 1, 0, 0, 0, 0, items_of(5, 0)};
  CHECK(encode(empty_items).size() == call_head(5).size() + 4 + 4 * 5);
  CHECK(round_trip(empty_items).items == empty_items.items);
}

TEST_CASE("wire: items held as one size travel as one size, one item too", "[wire]") {
  ferry::detail::ItemList one;
  one.append_fixed("12345678", 8);
  CallRequest c{7, 1, 0, 0, 0, 0, one};
  CHECK(encode(c).size() == call_head(1).size() + 4 + 8);
  CHECK(round_trip(c).items == one);

  ferry::detail::ItemList block;
  block.append_fixed(std::string(8 * 1000, 'x'), 8);
  const CallRequest back = round_trip(CallRequest{7, 1, 0, 0, 0, 0, block});
  CHECK(back.items.uniform_size() == 8);  // read back without a list of ends
  CHECK(back.items == block);
}

TEST_CASE("wire: a reply whose items all succeeded travels without their statuses", "[wire]") {
  CallReply r{9, std::vector<std::int32_t>(500, FERRY_OK), items_of(500, 8)};
  CHECK(encode(r).size() == 8 + 4 + 4 + 4 + 500 * 8);  // id, count, all_ok, one size, the results
  const CallReply back = round_trip(r);
  CHECK(back.status.empty());  // no list of 500 zeros: status_of says FERRY_OK
  CHECK(back.all_ok());
  CHECK(back.status_of(499) == FERRY_OK);
  CHECK(back.items == r.items);

  // One failure: every status travels, and the ends (the error's text is longer).
  CallReply failed{9, {FERRY_OK, FERRY_TASK_ERROR, FERRY_OK}, items_of(2, 8)};
  failed.items.push_back("an error message");
  const CallReply failed_back = round_trip(failed);
  CHECK(failed_back.status == failed.status);
  CHECK(failed_back.items == failed.items);

  // A void task's results are empty: statuses left out, ends kept.
  CallReply nothing{9, std::vector<std::int32_t>(4, FERRY_OK), items_of(4, 0)};
  CHECK(encode(nothing).size() == 8 + 4 + 4 + 4 + 4 * 4);
  CHECK(round_trip(nothing).items == nothing.items);
}

TEST_CASE("wire: a compact call or reply that lies about its items is refused before allocating", "[wire]") {
  g_largest_alloc = 0;
  CallRequest c;
  // 1000 items of 8 bytes claimed, 10 bytes sent.
  CHECK_THROWS_WITH(decode(call_head(1000) + u32(8) + std::string(10, 'x'), c),
                    Catch::Contains("1000 items of 8 bytes take 8000 bytes, but 10 are left"));
  // Four billion items of 1 byte claimed in a short message.
  CHECK_THROWS_AS(decode(call_head(~0u) + u32(1) + "xy", c), ValueError);
  CallReply r;
  // All ok, with a billion items claimed and the ends "following".
  CHECK_THROWS_WITH(decode(u64(9) + u32(1u << 30) + u32(1) + u32(0) + "xyz", r),
                    Catch::Contains("1073741824 results in 3 bytes"));
  CHECK_THROWS_WITH(decode(u64(9) + u32(1) + u32(2) + u32(0) + u32(1) + "x", r), Catch::Contains("all_ok is 2"));
  // Every truncation of a compact reply is refused.
  const auto bytes = encode(CallReply{9, std::vector<std::int32_t>(3, FERRY_OK), items_of(3, 8)});
  for (std::size_t n = 0; n < bytes.size(); ++n) CHECK_THROWS_AS(decode(bytes.substr(0, n), r), ValueError);
  CHECK(g_largest_alloc < (std::size_t{1} << 20));
}
