// The host-side pieces of distributed runs that need no broker: URLs,
// the entry format, the run plan's JSON, and the assembler that turns
// results arriving in any order, some twice, into the local run's order.
#include <catch2/catch.hpp>

#include <ferry/errors.hpp>

#include "broker/entry.hpp"
#include "broker/redis_url.hpp"
#include "pipeline/broker/segment_assembler.hpp"

using ferry::broker::EntryItem;
using ferry::broker::PathStep;
using ferry::broker::RedisUrl;
using ferry::pipeline::SegmentAssembler;

namespace {

EntryItem leaf(std::uint64_t origin, std::vector<PathStep> path, std::string bytes = "x") {
  EntryItem e;
  e.origin = origin;
  e.path = std::move(path);
  e.bytes = std::move(bytes);
  return e;
}

std::vector<std::string> bytes_of(const SegmentAssembler::Done& d) {
  std::vector<std::string> out;
  for (const auto& l : d.leaves) out.push_back(l.bytes);
  return out;
}

}  // namespace

TEST_CASE("broker URLs: every documented spelling, the password never shown") {
  auto u = RedisUrl::parse("redis://h:6380");
  CHECK(u.host == "h");
  CHECK(u.port == 6380);
  CHECK(u.db == 0);
  CHECK(u.password.empty());
  u = RedisUrl::parse("redis://:s3cret@10.0.0.5:6379/2");
  CHECK(u.host == "10.0.0.5");
  CHECK(u.password == "s3cret");
  CHECK(u.user.empty());
  CHECK(u.db == 2);
  CHECK(u.redacted() == "redis://:***@10.0.0.5:6379/2");
  u = RedisUrl::parse("redis://ferry:p@ss@h");  // the last '@' ends the credentials
  CHECK(u.user == "ferry");
  CHECK(u.password == "p@ss");
  CHECK(u.port == 6379);
  u = RedisUrl::parse("redis://[::1]:7000");
  CHECK(u.host == "::1");
  CHECK(u.port == 7000);
  CHECK(u.redacted() == "redis://[::1]:7000");
  for (const char* bad : {"http://h:1", "redis://", "redis://h:0", "redis://h:70000", "redis://h:x", "redis://h:1/x",
                          "rediss://h:1"})
    CHECK_THROWS_AS(RedisUrl::parse(bad), ferry::ConfigError);
  try {
    RedisUrl::parse("redis://:topsecret@h:notaport");
    FAIL("accepted");
  } catch (const ferry::ConfigError& e) {
    CHECK(std::string(e.what()).find("topsecret") == std::string::npos);
  }
}

TEST_CASE("broker entries round-trip, and foreign bytes are refused, not trusted") {
  ferry::broker::Entry e;
  e.items.push_back(leaf(7, {{2, 1, false}, {4, 0, true}}, std::string("\0a\xff", 3)));
  e.items.back().flags = EntryItem::error_record;
  e.items.back().made_at = 4;
  e.failure = "";
  const auto back = ferry::broker::decode_entry(ferry::broker::encode_entry(e));
  REQUIRE(back.items.size() == 1);
  CHECK(back.items[0].origin == 7);
  CHECK(back.items[0].path == e.items[0].path);
  CHECK(back.items[0].bytes == e.items[0].bytes);
  CHECK(back.items[0].made_at == 4);
  CHECK(back.items[0].flags == EntryItem::error_record);
  CHECK_THROWS_AS(ferry::broker::decode_entry(std::string(64, '\xff')), ferry::Error);
  CHECK_THROWS_AS(ferry::broker::decode_entry("\x01"), ferry::Error);
}

TEST_CASE("assembler: an origin is complete when every fan-out under it has ended") {
  SegmentAssembler a(true);
  a.expect(0);
  a.expect(1);
  // Origin 0 fans out into 3 at stage 1; its middle result fans out into 2 at stage 3.
  CHECK(a.add(leaf(0, {{1, 2, true}}, "c")));
  CHECK(a.add(leaf(0, {{1, 1, false}, {3, 1, true}}, "b1")));
  CHECK_FALSE(a.complete(0));
  CHECK(a.add(leaf(0, {{1, 0, false}}, "a")));
  CHECK_FALSE(a.complete(0));  // b's first result is missing
  CHECK(a.add(leaf(1, {}, "z")));
  CHECK(a.take_ready().empty());  // ordered: 1 waits for 0
  CHECK(a.add(leaf(0, {{1, 1, false}, {3, 0, false}}, "b0")));
  CHECK(a.complete(0));
  const auto ready = a.take_ready();
  REQUIRE(ready.size() == 2);
  CHECK(bytes_of(ready[0]) == std::vector<std::string>{"a", "b0", "b1", "c"});
  CHECK(bytes_of(ready[1]) == std::vector<std::string>{"z"});
  CHECK(a.open() == 0);
}

TEST_CASE("assembler: duplicates and late results add nothing") {
  SegmentAssembler a(false);
  a.expect(0);
  a.expect(1);
  CHECK(a.add(leaf(1, {}, "one")));
  CHECK_FALSE(a.add(leaf(1, {}, "one again")));           // run twice
  CHECK_FALSE(a.add(leaf(1, {{1, 0, true}}, "deeper")));  // another shape under a complete node
  CHECK(a.add(leaf(0, {{1, 0, false}}, "p")));
  CHECK_FALSE(a.add(leaf(0, {{1, 0, false}}, "p again")));
  CHECK_FALSE(a.add(leaf(0, {}, "the whole")));  // a result where results already hang
  CHECK_FALSE(a.add(leaf(5, {}, "never sent")));
  auto ready = a.take_ready();  // unordered: 1 goes first
  REQUIRE(ready.size() == 1);
  CHECK(ready[0].origin == 1);
  CHECK(bytes_of(ready[0]) == std::vector<std::string>{"one"});
  CHECK_FALSE(a.add(leaf(1, {}, "after release")));
  CHECK(a.add(leaf(0, {{1, 1, true}}, "q")));
  ready = a.take_ready();
  REQUIRE(ready.size() == 1);
  CHECK(bytes_of(ready[0]) == std::vector<std::string>{"p", "q"});
}

TEST_CASE("assembler: positions of items entering each stage, as a local run numbers them") {
  // Origin fans out into 3 at stage 1 (the second result then into 2 at stage 2).
  std::vector<EntryItem> leaves{leaf(0, {{1, 0, false}}), leaf(0, {{1, 1, false}, {2, 0, false}}),
                                leaf(0, {{1, 1, false}, {2, 1, true}}), leaf(0, {{1, 2, true}})};
  CHECK(SegmentAssembler::items_entering(leaves, 1) == 1);
  CHECK(SegmentAssembler::items_entering(leaves, 2) == 3);
  CHECK(SegmentAssembler::items_entering(leaves, 3) == 4);
  CHECK(SegmentAssembler::position_entering(leaves, 2, {{1, 2, true}}) == 2);
  CHECK(SegmentAssembler::position_entering(leaves, 3, {{1, 1, false}, {2, 1, true}}) == 2);
  CHECK(SegmentAssembler::position_entering(leaves, 3, {{1, 2, true}}) == 3);
}
