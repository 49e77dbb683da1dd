// The pool's queue of batches (pool/group_queue.hpp): groups go in whole,
// elements come out one by one in order, and a group put back goes first.
#include <catch2/catch.hpp>

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
