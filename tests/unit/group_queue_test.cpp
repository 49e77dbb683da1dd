// The pool's queue of batches (pool/group_queue.hpp): groups go in whole,
// elements come out one by one in order, and a group put back goes first.
#include <catch2/catch.hpp>

#include <cstddef>
#include <memory>
#include <vector>

#include "pool/group_queue.hpp"

using ferry::detail::GroupQueue;

namespace {

std::vector<int> drain(GroupQueue<int>& q) {
  std::vector<int> out;
  while (!q.empty()) {
    out.push_back(q.front());
    q.pop_front();
  }
  return out;
}

}  // namespace

TEST_CASE("group queue: elements come out in the order their groups went in", "[pool]") {
  GroupQueue<int> q;
  CHECK(q.empty());
  q.push_back({1, 2, 3});
  q.push_back({});  // an empty group changes nothing
  q.push_back({4});
  CHECK(q.size() == 4);
  CHECK(q.front() == 1);
  q.pop_front();
  q.push_front({8, 9});  // put back: before what is left, in its order
  CHECK(q.size() == 5);
  CHECK(drain(q) == std::vector<int>{8, 9, 2, 3, 4});
  CHECK(q.size() == 0);
}

TEST_CASE("group queue: for_each sees what is left, and swap empties one side", "[pool]") {
  GroupQueue<std::unique_ptr<int>> q;
  std::vector<std::unique_ptr<int>> group;
  for (int i = 0; i < 3; ++i) group.push_back(std::make_unique<int>(i));
  q.push_back(std::move(group));
  auto taken = std::move(q.front());  // moved from, as the pool takes batches
  q.pop_front();
  CHECK(*taken == 0);

  GroupQueue<std::unique_ptr<int>> dropped;
  dropped.swap(q);
  CHECK(q.empty());
  std::vector<int> seen;
  dropped.for_each([&](std::unique_ptr<int>& p) { seen.push_back(*p); });
  CHECK(seen == std::vector<int>{1, 2});
  CHECK(dropped.size() == 2);
}

TEST_CASE("group queue: a lazy group's elements are made one at a time, in order, as they leave", "[pool]") {
  GroupQueue<std::unique_ptr<int>> q;
  std::vector<std::size_t> made;
  q.push_back_lazy(3, [&made](std::size_t i) {
    made.push_back(i);
    return std::make_unique<int>(10 + static_cast<int>(i));
  });
  q.push_back_lazy(0, [](std::size_t) { return std::make_unique<int>(-1); });  // an empty group changes nothing
  std::vector<std::unique_ptr<int>> after;
  after.push_back(std::make_unique<int>(99));
  q.push_back(std::move(after));
  CHECK(q.size() == 4);
  CHECK(made.empty());  // nothing made before it is asked for
  CHECK(*q.front() == 10);
  CHECK(*q.front() == 10);  // asked again: the same element, made once
  CHECK(made == std::vector<std::size_t>{0});
  auto taken = std::move(q.front());
  q.pop_front();
  q.pop_front();  // dropped without a look: still made, so that the next is 12
  CHECK(made == std::vector<std::size_t>{0, 1});
  CHECK(*q.front() == 12);
  q.pop_front();
  CHECK(*q.front() == 99);
  q.pop_front();
  CHECK(q.empty());
}

TEST_CASE("group queue: for_each makes what is left of a lazy group once and keeps it", "[pool]") {
  GroupQueue<int> q;
  int calls = 0;
  q.push_back_lazy(4, [&calls](std::size_t i) {
    ++calls;
    return static_cast<int>(i) * 2;
  });
  CHECK(q.front() == 0);
  q.pop_front();
  CHECK(q.front() == 2);  // made, still queued
  std::vector<int> seen;
  q.for_each([&](int& v) { seen.push_back(v); });
  CHECK(seen == std::vector<int>{2, 4, 6});
  CHECK(calls == 4);
  CHECK(q.size() == 3);
  CHECK(drain(q) == std::vector<int>{2, 4, 6});
  CHECK(calls == 4);
}
