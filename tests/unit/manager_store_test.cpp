// The manager's store on its own: ordering, blocking, and what happens to a
// client that goes away.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>

#include <ferry/codec.hpp>

#include "manager/store.hpp"

using namespace ferry::manager;
using ferry::codec::encode;

namespace {
Request req(Op op, std::string name, std::string type, std::vector<std::string> args = {}, std::int64_t timeout_ms = -1,
            std::uint64_t capacity = 0) {
  return Request{op, std::move(name), std::move(type), std::move(args), timeout_ms, capacity};
}
const std::string kDict = "dict<str,i64>";
}  // namespace

TEST_CASE("manager store: dict keeps insertion order through pops", "[manager]") {
  Store s;
  for (std::string k : {"a", "b", "c", "d"}) s.handle(req(Op::dict_set, "d", kDict, {encode(k), encode(std::int64_t{1})}), 0);
  CHECK(s.handle(req(Op::dict_pop, "d", kDict, {encode(std::string("b"))}), 0).status == Status::ok);
  s.handle(req(Op::dict_set, "d", kDict, {encode(std::string("b")), encode(std::int64_t{2})}), 0);
  const auto keys = s.handle(req(Op::dict_keys, "d", kDict), 0).values;
  REQUIRE(keys.size() == 4);
  CHECK(keys[0] == encode(std::string("a")));
  CHECK(keys[2] == encode(std::string("d")));
  CHECK(keys[3] == encode(std::string("b")));
  CHECK(s.handle(req(Op::dict_get, "d", kDict, {encode(std::string("d"))}), 0).values.at(0) == encode(std::int64_t{1}));
}

TEST_CASE("manager store: add refuses non-numeric values", "[manager]") {
  Store s;
  auto r = s.handle(req(Op::dict_add, "names", "dict<str,str>", {encode(std::string("k")), encode(std::string("v"))}), 0);
  CHECK(r.status == Status::error);
  CHECK_THAT(r.error, Catch::Contains("needs numbers"));
}

TEST_CASE("manager store: a dead client's locks are released and its waits end", "[manager]") {
  Store s;
  REQUIRE(s.handle(req(Op::lock_acquire, "l", "lock"), 7).status == Status::ok);
  // Client 8 blocks on the lock; client 9 blocks on an empty queue.
  auto waiter = std::async(std::launch::async, [&] { return s.handle(req(Op::lock_acquire, "l", "lock"), 8); });
  auto getter = std::async(std::launch::async, [&] { return s.handle(req(Op::queue_get, "q", "queue<i64>"), 9); });
  CHECK(waiter.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  s.release_client(7);  // the holder dies: 8 gets the lock
  CHECK(waiter.get().status == Status::ok);
  s.release_client(9);  // 9 dies while blocked: its call ends with an error
  CHECK(getter.get().status == Status::error);
}

TEST_CASE("manager store: shutting down ends every wait", "[manager]") {
  Store s;
  auto waiter = std::async(std::launch::async, [&] { return s.handle(req(Op::event_wait, "e", "event"), 3); });
  s.shut_down();
  const auto r = waiter.get();
  CHECK(r.status == Status::error);
  CHECK_THAT(r.error, Catch::Contains("shut down"));
  CHECK(s.handle(req(Op::dict_size, "d", kDict), 0).status == Status::error);
}

TEST_CASE("manager store: a queue created bounded stays bounded", "[manager]") {
  Store s;
  CHECK(s.handle(req(Op::queue_put, "q", "queue<i64>", {encode(std::int64_t{1})}, 0, 1), 0).status == Status::ok);
  CHECK(s.handle(req(Op::queue_put, "q", "queue<i64>", {encode(std::int64_t{2})}, 0, 1), 0).status == Status::timeout);
}

TEST_CASE("manager store: malformed arguments give an error, not a crash", "[manager]") {
  Store s;
  CHECK(s.handle(req(Op::dict_get, "d", kDict), 0).status == Status::error);  // no key
  CHECK(s.handle(req(Op::list_get, "l", "shared_list<i64>", {"x"}), 0).status == Status::error);  // bad index
}
