// The bounded queue between pipeline stages (pipeline/run/item_queue.hpp):
// what pop takes, in which order, and when a batch moves whole.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "pipeline/run/item_queue.hpp"

using ferry::pipeline::Item;
using ferry::pipeline::ItemQueue;

namespace {

// A batch of items "first" .. "first + n - 1".
std::vector<Item> batch(int first, int n) {
  std::vector<Item> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out[static_cast<std::size_t>(i)].bytes = std::to_string(first + i);
  return out;
}

std::vector<std::string> names(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.bytes);
  return out;
}

}  // namespace

TEST_CASE("item queue: pop joins whole batches up to max, in order", "[pipeline]") {
  ItemQueue q(100);
  for (int first : {0, 3, 6}) {
    auto b = batch(first, 3);
    REQUIRE(q.push(b));
  }
  std::vector<Item> out;
  REQUIRE(q.pop(out, 7));  // two whole batches fit, the third would not
  CHECK(names(out) == std::vector<std::string>{"0", "1", "2", "3", "4", "5"});
  CHECK(q.size() == 3);
  REQUIRE(q.pop(out, 2));  // a batch larger than max is split
  CHECK(names(out) == std::vector<std::string>{"6", "7"});
  auto more = batch(9, 2);
  REQUIRE(q.push(more));
  REQUIRE(q.pop(out, 10));  // the rest of a split batch, then whole ones
  CHECK(names(out) == std::vector<std::string>{"8", "9", "10"});
  CHECK(q.size() == 0);
}

TEST_CASE("item queue: a batch within max + slack goes whole, and a closed queue ends pop once drained", "[pipeline]") {
  ItemQueue q(100);
  auto b = batch(0, 5);
  REQUIRE(q.push(b));
  std::vector<Item> out;
  REQUIRE(q.pop(out, 4, 1));
  CHECK(out.size() == 5);
  auto c = batch(5, 5);
  REQUIRE(q.push(c));
  REQUIRE(q.pop(out, 3, 1));  // beyond the slack: split
  CHECK(names(out) == std::vector<std::string>{"5", "6", "7"});
  q.close();
  CHECK(q.wait_for_items());
  REQUIRE(q.pop(out, 10));
  CHECK(names(out) == std::vector<std::string>{"8", "9"});
  CHECK_FALSE(q.wait_for_items());
  CHECK_FALSE(q.pop(out, 10));
}
