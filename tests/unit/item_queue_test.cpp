// The bounded queue between pipeline stages (pipeline/run/item_queue.hpp):
// what pop takes, in which order, and when a batch moves whole.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/run/item_queue.hpp"

using ferry::pipeline::Item;
using ferry::pipeline::ItemQueue;
using ferry::pipeline::PlainRun;
using ferry::pipeline::Provenance;

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

// A plain run of items "first" .. "first + n - 1", origins from origin on.
PlainRun run_of(int first, int n, std::uint64_t origin) {
  PlainRun run;
  run.first_origin = origin;
  for (int i = 0; i < n; ++i) run.push_back(std::to_string(first + i));
  return run;
}

std::vector<std::string> names(const PlainRun& run) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < run.size(); ++i) out.emplace_back(run.items[i]);
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

TEST_CASE("item queue: plain runs pop as Items with their origins, joined with Items around them", "[pipeline]") {
  ItemQueue q(100);
  auto items = batch(0, 2);
  items[0].from = Provenance{40, Provenance::Role::opens};
  items[1].from = Provenance{40, Provenance::Role::closes};
  auto run = run_of(2, 3, 7);
  auto more = batch(5, 1);
  REQUIRE(q.push(items));
  REQUIRE(q.push(run));
  CHECK(run.empty());
  REQUIRE(q.push(more));
  CHECK(q.size() == 6);
  std::vector<Item> out;
  REQUIRE(q.pop(out, 5));
  CHECK(names(out) == std::vector<std::string>{"0", "1", "2", "3", "4"});
  CHECK(out[1].from.origin == 40);
  CHECK(out[2].from.origin == 7);
  CHECK(out[4].from.origin == 9);
  CHECK(out[4].from.role == Provenance::Role::closes);
  CHECK_FALSE(out[4].passes_through());
  REQUIRE(q.pop(out, 10));
  CHECK(names(out) == std::vector<std::string>{"5"});
  auto large = run_of(10, 3, 20);
  REQUIRE(q.push(large));
  REQUIRE(q.pop(out, 2));  // a run larger than max is split
  CHECK(names(out) == std::vector<std::string>{"10", "11"});
  CHECK(out[1].from.origin == 21);
  REQUIRE(q.pop(out, 10));
  CHECK(names(out) == std::vector<std::string>{"12"});
  CHECK(out[0].from.origin == 22);
  CHECK(q.size() == 0);
}

TEST_CASE("item queue: a stage that takes runs gets a plain run as it came, or its part, and Items otherwise", "[pipeline]") {
  ItemQueue q(100);
  auto whole = run_of(0, 4, 100);
  whole.push_back(std::string(100, 'x'));  // a buffer on the heap, not in the string itself
  const auto* buffer = whole.items.bytes().data();
  auto split = run_of(4, 5, 200);
  auto items = batch(9, 2);
  REQUIRE(q.push(whole));
  REQUIRE(q.push(split));
  REQUIRE(q.push(items));
  PlainRun run;
  std::vector<Item> out;
  REQUIRE(q.pop(run, out, 4, 1));  // 5 items are within max + slack: the run whole, its buffer moved
  CHECK(out.empty());
  CHECK(names(run) == std::vector<std::string>{"0", "1", "2", "3", std::string(100, 'x')});
  CHECK(run.first_origin == 100);
  CHECK(run.items.bytes().data() == buffer);
  REQUIRE(q.pop(run, out, 3));  // never joined with the next run: one run at a time
  CHECK(names(run) == std::vector<std::string>{"4", "5", "6"});
  CHECK(run.first_origin == 200);
  CHECK(run.items.uniform_size() == 1);  // a part of a run of one size stays one size and a count
  REQUIRE(q.pop(run, out, 10));
  CHECK(names(run) == std::vector<std::string>{"7", "8"});
  CHECK(run.first_origin == 203);
  REQUIRE(q.pop(run, out, 10));  // Items at the front come as Items
  CHECK(run.empty());
  CHECK(names(out) == std::vector<std::string>{"9", "10"});
  q.close();
  CHECK_FALSE(q.pop(run, out, 10));
}

TEST_CASE("item queue: a plain run keeps items of different sizes apart", "[pipeline]") {
  PlainRun run;
  run.push_back("a");
  run.push_back("bcd");
  run.push_back("");
  run.push_back("ef");
  CHECK(names(run) == std::vector<std::string>{"a", "bcd", "", "ef"});
  ItemQueue q(10);
  REQUIRE(q.push(run));
  PlainRun part;
  std::vector<Item> out;
  REQUIRE(q.pop(part, out, 2));
  CHECK(names(part) == std::vector<std::string>{"a", "bcd"});
  REQUIRE(q.pop(part, out, 2));
  CHECK(names(part) == std::vector<std::string>{"", "ef"});
  CHECK(part.first_origin == 2);
}
