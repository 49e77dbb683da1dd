// The manager's store on its own: ordering, blocking, and what happens to a
// client that goes away.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>

#include <ferry/codec.hpp>

#include <ferry/detail/lock_word.hpp>
#include <ferry/errors.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "manager/store.hpp"

using namespace ferry::manager;
using ferry::codec::encode;

namespace {
Request req(Op op, std::string name, std::string type, std::vector<std::string> args = {}, std::int64_t timeout_ms = -1,
            std::uint64_t capacity = 0) {
  return Request{op, std::move(name), std::move(type), std::move(args), timeout_ms, capacity};
}
const std::string kDict = "dict<str,i64>";

struct Mapped {
  ferry::detail::LockWord word;
  std::uint32_t tag;
};
// Lock `name`'s word as client sees it, mapped as a worker maps it.
Mapped map_word(Store& s, const std::string& name, ClientId client) {
  auto r = s.handle(req(Op::lock_word, name, "lock"), client);
  REQUIRE(r.status == Status::ok);
  REQUIRE(r.values.size() == 3);
  std::uint64_t id = 0, slot = 0, tag = 0;
  ferry::codec::decode(r.values[0], id);
  ferry::codec::decode(r.values[1], slot);
  ferry::codec::decode(r.values[2], tag);
  const int fd = ::dup(s.descriptor_fd(id));
  REQUIRE(fd >= 0);
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  auto table = std::make_shared<ferry::detail::Segment>(fd, static_cast<std::size_t>(st.st_size));
  ::close(fd);
  CHECK(std::string(table->header().type) == ferry::detail::kLockTableType);
  return {ferry::detail::LockWord(table, slot), static_cast<std::uint32_t>(tag)};
}
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

namespace {
// Puts v on queue q as a worker's burst does: its getters' wake deferred.
Reply deferred_put(Store& s, std::int64_t v, ClientId client) {
  return s.handle(req(Op::queue_put, "q", "queue<i64>", {encode(v)}), client, nullptr, true);
}
// A getter on another thread that says it started (event "started") first.
std::future<Reply> start_getter(Store& s) {
  auto getter = std::async(std::launch::async, [&s] {
    s.handle(req(Op::event_set, "started", "event"), 2);
    return s.handle(req(Op::queue_get, "q", "queue<i64>"), 2);
  });
  REQUIRE(s.handle(req(Op::event_wait, "started", "event"), 0).status == Status::ok);
  return getter;
}
}  // namespace

TEST_CASE("manager store: puts of a burst wake their getter once the burst ends", "[manager]") {
  Store s;
  auto getter = start_getter(s);
  REQUIRE(deferred_put(s, 7, 1).status == Status::ok);
  REQUIRE(deferred_put(s, 8, 1).status == Status::ok);
  s.wake_deferred();
  REQUIRE(getter.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  const Reply r = getter.get();
  REQUIRE(r.status == Status::ok);
  std::int64_t v = 0;
  ferry::codec::decode(r.values.at(0), v);
  CHECK(v == 7);
}

TEST_CASE("manager store: a deferred wake is given before anything else waits or acts", "[manager]") {
  Store s;
  auto getter = start_getter(s);
  REQUIRE(deferred_put(s, 1, 1).status == Status::ok);
  // The putter now waits for its item to be done: had the getter been left
  // asleep, neither would ever go on.
  auto joiner = std::async(std::launch::async, [&s] { return s.handle(req(Op::queue_join, "q", "queue<i64>"), 1); });
  REQUIRE(getter.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(getter.get().status == Status::ok);
  CHECK(s.handle(req(Op::queue_task_done, "q", "queue<i64>"), 2).status == Status::ok);
  REQUIRE(joiner.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(joiner.get().status == Status::ok);
}

TEST_CASE("manager store: a burst of posts applies in order, past a failure, and tells the first", "[manager]") {
  Store s;
  REQUIRE(s.handle(req(Op::dict_set, "taken", kDict, {encode(std::string("k")), encode(std::int64_t{1})}), 0).status ==
          Status::ok);
  std::vector<Store::Post> posts;
  posts.push_back({req(Op::queue_put, "q", "queue<i64>", {encode(std::int64_t{1})}), nullptr});
  posts.push_back({req(Op::queue_put, "taken", "queue<i64>", {encode(std::int64_t{2})}), nullptr});  // a dict
  posts.push_back({req(Op::queue_put, "q", "queue<i64>", {encode(std::int64_t{3})}), nullptr});
  posts.push_back({req(Op::dict_add, "taken", "dict<str,str>", {encode(std::string("k"))}), nullptr});
  auto getter = start_getter(s);
  const std::string failed = s.apply_posts(posts, 1);
  CHECK_THAT(failed, Catch::Contains("'taken' is a dict<str,i64>, not a queue<i64>"));
  // Deferred like any burst: the getter wakes once the burst is told done.
  s.wake_deferred();
  REQUIRE(getter.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  std::vector<std::int64_t> got(1);
  ferry::codec::decode(getter.get().values.at(0), got[0]);
  got.push_back(0);
  ferry::codec::decode(s.handle(req(Op::queue_get, "q", "queue<i64>", {}, 0), 0).values.at(0), got[1]);
  CHECK(got == std::vector<std::int64_t>{1, 3});
  CHECK(s.handle(req(Op::queue_size, "q", "queue<i64>"), 0).values.at(0) == encode(std::uint64_t{0}));
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

TEST_CASE("manager store: a lock's word and its round trips are one lock", "[manager]") {
  Store s;
  const Mapped w = map_word(s, "l", 4);
  CHECK(map_word(s, "other", 4).tag == w.tag);  // the tag is the client's
  CHECK(map_word(s, "l", 5).tag != w.tag);
  REQUIRE(w.word.acquire(w.tag, -1, "l"));
  // An older plugin's round trip sees it taken...
  CHECK(s.handle(req(Op::lock_acquire, "l", "lock", {}, 0), 5).status == Status::timeout);
  CHECK(s.handle(req(Op::lock_acquire, "l", "lock", {}, 30), 5).status == Status::timeout);
  // ...and waits for the word's release.
  auto waiter = std::async(std::launch::async, [&] { return s.handle(req(Op::lock_acquire, "l", "lock"), 5); });
  CHECK(waiter.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  CHECK(w.word.release());
  CHECK(waiter.get().status == Status::ok);
  CHECK_FALSE(w.word.acquire(w.tag, 0, "l"));
  CHECK(s.handle(req(Op::lock_release, "l", "lock"), 6).status == Status::ok);  // anyone may release
  CHECK(s.handle(req(Op::lock_release, "l", "lock"), 6).status == Status::error);
  CHECK_FALSE(w.word.release());
  // A dead holder's word is cleared, and a sleeper on it wakes with the lock.
  REQUIRE(w.word.acquire(w.tag, 0, "l"));
  const Mapped other = map_word(s, "l", 9);
  auto sleeper = std::async(std::launch::async, [&] { return other.word.acquire(other.tag, -1, "l"); });
  CHECK(sleeper.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  s.release_client(4);
  CHECK(sleeper.get());
  s.release_client(5);  // not the holder: nothing changes
  CHECK_FALSE(w.word.acquire(w.tag, 0, "l"));
}

TEST_CASE("manager store: shutting down wakes a lock word's sleepers with an error", "[manager]") {
  Store s;
  const Mapped holder = map_word(s, "l", 1), waiter = map_word(s, "l", 2);
  REQUIRE(holder.word.acquire(holder.tag, -1, "l"));
  auto sleeper = std::async(std::launch::async, [&] { return waiter.word.acquire(waiter.tag, -1, "l"); });
  auto rpc = std::async(std::launch::async, [&] { return s.handle(req(Op::lock_acquire, "l", "lock"), 3); });
  CHECK(sleeper.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  s.shut_down();
  CHECK_THROWS_AS(sleeper.get(), ferry::ManagerError);
  const auto r = rpc.get();
  CHECK(r.status == Status::error);
  CHECK_THAT(r.error, Catch::Contains("shut down"));
}
