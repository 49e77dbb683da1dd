// The host's side of the worker protocol against a hostile peer: frames and
// message payloads that claim more than they hold must be refused without
// allocating the claim (regressions found by tests/fuzz/fuzz_frame).
#include <catch2/catch.hpp>

#include "encoded_ints.hpp"
#include "largest_allocation.hpp"

#include <map>
#include <tuple>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include <ferry/codec.hpp>
#include <ferry/value.hpp>

#include "wire/frame.hpp"
#include "wire/messages.hpp"


using namespace ferry::wire;
using ferry::ValueError;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

std::string header(std::uint32_t n, FrameKind kind) {
  return {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff), static_cast<char>((n >> 16) & 0xff),
          static_cast<char>((n >> 24) & 0xff), static_cast<char>(kind)};
}

// A connected pair: the host's Channel and the peer's raw socket.
struct Pair {
  int peer = -1;
  int host = -1;
  Pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    host = fds[0];
    peer = fds[1];
  }
  ~Pair() {
    if (peer >= 0) ::close(peer);
  }
  void send_and_close(const std::string& bytes) {
    REQUIRE(::write(peer, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(peer);
    peer = -1;
  }
};

template <class M>
std::string refusal(const std::string& payload) {
  M m;
  try {
    decode(payload, m);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "(decoded)";
}

}  // namespace

TEST_CASE("wire: messages round-trip", "[wire]") {
  Hello h{1, 42, "math", "1.0", {{"add", "(i64,i64)", "i64", "a + b"}, {"f", "()", "none", ""}}};
  Hello h2;
  decode(encode(h), h2);
  CHECK(h2.abi_version == 1);
  CHECK(h2.pid == 42);
  CHECK(h2.plugin_name == "math");
  CHECK(h2.plugin_version == "1.0");
  CHECK(h2.tasks == h.tasks);
  CHECK(h2.protocol == kProtocolVersion);
  CHECK(hello_protocol(encode(h)) == kProtocolVersion);  // first, whatever follows

  CallRequest c{7, 2, kExitAfterCall, 123, 2, 50, {}};
  for (const std::string& item : {std::string("ab"), std::string(), std::string(3, '\0')}) c.items.push_back(item);
  CallRequest c2;
  decode(encode(c), c2);
  CHECK(c2.id == 7);
  CHECK(c2.task == 2);
  CHECK(c2.flags == kExitAfterCall);
  CHECK(c2.item_timeout_ns == 123);
  CHECK(c2.log_level == 2);
  CHECK(c2.log_rate == 50);
  REQUIRE(c2.items.size() == 3);
  CHECK(c2.items == c.items);
  CHECK(c2.items[1].empty());
  CHECK(c2.items[2] == std::string_view("\0\0\0", 3));

  CallReply r{9, {0, 1}, {}};
  r.items.push_back("ok");
  r.items.push_back("boom");
  CallReply r2;
  std::string payload;
  encode_into(payload, r);
  decode(std::move(payload), r2);  // takes the payload over
  CHECK(r2.id == 9);
  REQUIRE(r2.items.size() == 2);
  CHECK(r2.status == std::vector<std::int32_t>{0, 1});
  CHECK(r2.items[0] == "ok");
  CHECK(r2.items[1] == "boom");
  // The parts a sender writes back to back are the encoding, byte for byte.
  const auto joined = [](const auto& parts) {
    std::string out;
    for (const auto& part : parts) out.append(part);
    return out;
  };
  std::string head = "stale";
  CHECK(joined(encode_parts(head, c)) == encode(c));
  CHECK(joined(encode_parts(head, r)) == encode(r));
  // Every truncation of a call or a reply is refused.
  const auto call_bytes = encode(c), reply_bytes = encode(r);
  for (std::size_t n = 0; n < call_bytes.size(); ++n) CHECK_THROWS_AS(decode(call_bytes.substr(0, n), c2), ValueError);
  for (std::size_t n = 0; n < reply_bytes.size(); ++n) CHECK_THROWS_AS(decode(reply_bytes.substr(0, n), r2), ValueError);

  LogLine l{2, "t", "m", 9, 4, 17}, l2;
  decode(encode(l), l2);
  CHECK((l2.level == 2 && l2.task == "t" && l2.message == "m"));
  CHECK((l2.call == 9 && l2.item == 4 && l2.dropped == 17));
  LoadFailed f{"why"}, f2;
  decode(encode(f), f2);
  CHECK(f2.reason == "why");

  CHECK_THROWS_WITH(decode(encode(l) + "x", l2), Catch::Contains("malformed log message: 1 bytes left over"));
  const auto bytes = encode(h);
  for (std::size_t n = 0; n < bytes.size(); ++n) CHECK_THROWS_AS(decode(bytes.substr(0, n), h2), ValueError);
}

TEST_CASE("wire: lengths and counts beyond the payload are refused before allocating", "[wire]") {
  const auto i32 = ferry::codec::encode(std::int32_t{1});
  g_largest_alloc = 0;
  // A string claiming 512 GiB (or 4 GiB, which a host would have allocated and zeroed).
  CHECK_THAT(refusal<LoadFailed>(u64(std::uint64_t{1} << 39) + "why"),
             Catch::Contains("malformed load-failed message: a length of 549755813888 is more than the 3 bytes left"));
  CHECK_THAT(refusal<LogLine>(i32 + u64(std::uint64_t{1} << 32) + "task"), Catch::Contains("malformed log message"));
  // A call or reply claiming a billion items, or items past its end.
  CHECK_THAT(refusal<CallReply>(u64(7) + u32(1u << 30) + i32), Catch::Contains("malformed reply"));
  // id, task, flags, item timeout, log level, log rate, then the item count
  // and the items' one size (0: their ends follow).
  CHECK_THAT(refusal<CallRequest>(u64(7) + i32 + i32 + u64(0) + i32 + u32(0) + u32(~0u) + u32(0)),
             Catch::Contains("malformed call"));
  CHECK_THAT(refusal<CallRequest>(u64(7) + i32 + i32 + u64(0) + i32 + u32(0) + u32(1) + u32(0) + u32(1000) + "x"),
             Catch::Contains("items take 1000 bytes, but 1 are left"));
  // id, count, all_ok, one size, then statuses and ends.
  CHECK_THAT(refusal<CallReply>(u64(7) + u32(2) + u32(0) + u32(0) + i32 + i32 + u32(2) + u32(1) + "xx"),
             Catch::Contains("item offsets out of order"));
  CHECK_THAT(refusal<Hello>(ferry::codec::encode(kProtocolVersion, std::uint32_t{1}, std::int32_t{1}) + u64(1) + "m" + u64(0) +
                            u64(std::uint64_t{1} << 40)),
             Catch::Contains("malformed hello"));
  // Each item of a reply with statuses and ends takes at least 8 bytes: 3 claimed in 20 is too many.
  CHECK_THAT(refusal<CallReply>(u64(7) + u32(3) + u32(0) + u32(0) + std::string(20, '\0')),
             Catch::Contains("needs 12 more bytes, but 8 are left"));
  // A worker's manager request whose name claims 4 GiB.
  CHECK_THAT(refusal<ferry::manager::Request>(std::string(1, '\x01') + u64(std::uint64_t{1} << 32) + "d"),
             Catch::Contains("malformed manager request message: a length of 4294967296"));
  CHECK(g_largest_alloc < kMiB);
}

TEST_CASE("wire: manager requests decode as the SDK encodes them", "[wire]") {
  ferry::manager::Request r{ferry::manager::Op::dict_set, "counts", "dict<str,i64>", {"k", "v"}, 250, 7}, back;
  decode(ferry::codec::encode(r), back);
  CHECK(back.op == r.op);
  CHECK(back.name == r.name);
  CHECK(back.type == r.type);
  CHECK(back.args == r.args);
  CHECK(back.timeout_ms == 250);
  CHECK(back.capacity == 7);
}

TEST_CASE("wire: a bare header claiming a gigabyte does not make the host allocate it", "[wire]") {
  Pair pair;
  pair.send_and_close(header(1u << 30, FrameKind::reply) + "abc");
  Channel channel(pair.host);
  g_largest_alloc = 0;
  Frame frame;
  CHECK(channel.receive(frame) == ReceiveStatus::error);
  CHECK(channel.error() == "connection closed in the middle of a frame");
  CHECK(g_largest_alloc < kMiB);
}

TEST_CASE("wire: over-limit and unknown frames are errors", "[wire]") {
  {
    Pair pair;
    pair.send_and_close(header(0xffffffffu, FrameKind::reply));
    Channel channel(pair.host);
    Frame frame;
    CHECK(channel.receive(frame) == ReceiveStatus::error);
    CHECK(channel.error() == "frame of 4294967295 bytes exceeds the limit of 1073741824");
  }
  Pair pair;
  pair.send_and_close(header(0, FrameKind::shutdown) + header(1, static_cast<FrameKind>(200)) + "x");
  Channel channel(pair.host);
  Frame frame;
  CHECK(channel.receive(frame) == ReceiveStatus::frame);
  CHECK(frame.kind == FrameKind::shutdown);
  CHECK(channel.receive(frame) == ReceiveStatus::error);
  CHECK(channel.error() == "unknown frame kind 200");
}

TEST_CASE("wire: frames larger than the socket's buffer arrive whole", "[wire]") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  Channel host(fds[0]);
  std::string big(5 * kMiB + 3, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  std::thread writer([&] {
    Channel peer(fds[1]);
    for (int i = 0; i < 3; ++i) peer.send(FrameKind::reply, i == 1 ? std::string("small") : big);
  });
  Frame frame;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(host.receive(frame) == ReceiveStatus::frame);
    CHECK(frame.kind == FrameKind::reply);
    CHECK(frame.payload == (i == 1 ? std::string("small") : big));
  }
  writer.join();
  CHECK(host.receive(frame) == ReceiveStatus::eof);
}

TEST_CASE("codec::decode refuses a length the bytes cannot hold, before allocating", "[wire][codec]") {
  // What a hostile or broken worker could return as a typed result, or put
  // into a shared dict for the host to read.
  const std::string claim = u64(std::uint64_t{1} << 36) + "xyz";
  g_largest_alloc = 0;
  std::string s;
  CHECK_THROWS_WITH(ferry::codec::decode(claim, s), Catch::Contains("a length of 68719476736 is more than the 3"));
  std::vector<std::int64_t> v;
  CHECK_THROWS_AS(ferry::codec::decode(claim, v), ValueError);
  std::map<std::string, std::int64_t> m;
  CHECK_THROWS_AS(ferry::codec::decode(claim, m), ValueError);
  std::tuple<std::int32_t, std::vector<std::string>> t;
  CHECK_THROWS_AS(ferry::codec::decode(ferry::codec::encode(std::int32_t{1}) + u64(1) + claim, t), ValueError);
  CHECK(g_largest_alloc < kMiB);
  // The format is cereal's own: what it encodes decodes unchanged.
  const std::map<std::string, std::vector<double>> value{{"a", {1.5, 2}}, {"b", {}}};
  std::map<std::string, std::vector<double>> back;
  ferry::codec::decode(ferry::codec::encode(value), back);
  CHECK(back == value);
}

TEST_CASE("wire: queued frames arrive in order, before a frame sent after them", "[wire]") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  Channel host(fds[0]);
  {
    Channel peer(fds[1]);
    REQUIRE(peer.queue(FrameKind::call, "one"));
    REQUIRE(peer.queue(FrameKind::call, ""));
    CHECK(peer.queued_bytes() == 2 * kFrameHeaderSize + 3);
    REQUIRE(peer.send(FrameKind::shutdown, "three"));  // flushes the queue first
    CHECK(peer.queued_bytes() == 0);
    REQUIRE(peer.queue(FrameKind::reply, "four"));
    REQUIRE(peer.flush());
  }
  Frame frame;
  const std::pair<FrameKind, std::string> expected[] = {
      {FrameKind::call, "one"}, {FrameKind::call, ""}, {FrameKind::shutdown, "three"}, {FrameKind::reply, "four"}};
  for (const auto& [kind, payload] : expected) {
    REQUIRE(host.receive(frame) == ReceiveStatus::frame);
    CHECK(frame.kind == kind);
    CHECK(frame.payload == payload);
  }
  CHECK(host.receive(frame) == ReceiveStatus::eof);
}

namespace {

// Bytes that differ from place to place, so a misplaced byte shows.
std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 17 + (i >> 9)) & 0xff);
  return s;
}

// Writes every byte; false when a write fails. Safe off the test's thread
// (Catch's assertions are not).
bool write_bytes(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t w = ::write(fd, bytes.data(), bytes.size());
    if (w <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(w));
  }
  return true;
}

// One frame as it travels: header, then payload.
std::string framed(FrameKind kind, const std::string& payload) {
  return header(static_cast<std::uint32_t>(payload.size()), kind) + payload;
}

}  // namespace

TEST_CASE("wire: frames split across many reads arrive whole, large ones received in place", "[wire]") {
  // Sizes on both sides of the direct-receive size (64 bytes here, 64 KiB by
  // default), written in pieces that cut headers and payloads anywhere.
  const std::size_t direct = GENERATE(std::size_t{64}, kDefaultDirectReceive);
  const std::vector<std::size_t> sizes = {0, 1, 63, 64, 65, 1000, 65535, 65536, 65537, 200'000, 3, 1'000'000, 64};
  std::string stream;
  std::vector<std::string> payloads;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    payloads.push_back(pattern(sizes[i], static_cast<unsigned>(i)));
    stream += framed(i % 2 ? FrameKind::reply : FrameKind::call, payloads.back());
  }
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  Channel host(fds[0], kDefaultMaxFrame, direct);
  std::atomic<bool> wrote{true};
  std::thread writer([&, peer = fds[1]] {
    std::size_t pos = 0, piece = 1;
    while (pos < stream.size()) {
      const std::size_t n = std::min(piece, stream.size() - pos);
      if (!write_bytes(peer, std::string_view(stream).substr(pos, n))) wrote = false;
      pos += n;
      piece = piece * 3 % 70'001 + 1;  // 1, 4, 13, 40, ... up to 70 KB: every cut lands somewhere new
    }
    ::close(peer);
  });
  Frame frame;
  frame.payload = pattern(300'000, 99);  // a buffer from earlier: its bytes must not leak into a frame
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    // Through poll (a deadline) and through plain reads, alternately.
    const auto st = i % 2 ? host.receive(frame, std::chrono::steady_clock::now() + std::chrono::seconds(30))
                          : host.receive(frame);
    REQUIRE(st == ReceiveStatus::frame);
    CHECK(frame.kind == (i % 2 ? FrameKind::reply : FrameKind::call));
    CHECK(frame.payload.size() == sizes[i]);
    CHECK(frame.payload == payloads[i]);
  }
  writer.join();
  CHECK(wrote);
  CHECK(host.receive(frame) == ReceiveStatus::eof);
}

TEST_CASE("wire: a large frame cut short by a timeout or a wake-up is resumed, not lost", "[wire]") {
  Pair pair;
  Channel host(pair.host);
  const std::string big = pattern(300'000, 7);
  const std::string bytes = framed(FrameKind::reply, big) + framed(FrameKind::log, "after");
  REQUIRE(write_bytes(pair.peer, std::string_view(bytes).substr(0, 100'000)));
  Frame frame;
  CHECK(host.receive(frame, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)) ==
        ReceiveStatus::timeout);
  int wake[2];
  REQUIRE(::pipe(wake) == 0);
  REQUIRE(::write(wake[1], "x", 1) == 1);
  CHECK(host.receive(frame, std::nullopt, wake[0]) == ReceiveStatus::woken);
  ::close(wake[0]);
  ::close(wake[1]);
  pair.send_and_close(bytes.substr(100'000));
  Frame other;  // another Frame may take up the rest
  REQUIRE(host.receive(other) == ReceiveStatus::frame);
  CHECK(other.kind == FrameKind::reply);
  CHECK(other.payload == big);
  REQUIRE(host.receive(other) == ReceiveStatus::frame);
  CHECK(other.kind == FrameKind::log);
  CHECK(other.payload == "after");
  CHECK(host.receive(other) == ReceiveStatus::eof);
}

TEST_CASE("wire: a header claiming more than is sent allocates about what was sent", "[wire]") {
  // Large enough to take the direct path, and far more than the bytes that follow.
  const std::uint32_t claim = GENERATE(1u << 30, 64u << 20);
  const std::size_t sent = GENERATE(std::size_t{0}, std::size_t{70'000}, std::size_t{400'000});
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  Channel host(fds[0]);
  const std::string bytes = header(claim, FrameKind::reply) + pattern(sent, 3);
  std::thread writer([&, peer = fds[1]] {
    write_bytes(peer, bytes);  // fails once the host gives up and closes: fine
    ::close(peer);
  });
  g_largest_alloc = 0;
  Frame frame;
  CHECK(host.receive(frame) == ReceiveStatus::error);
  CHECK(host.error() == "connection closed in the middle of a frame");
  writer.join();
  // Room grows at most by what was received or is waiting in the socket;
  // a string's capacity may double on top of that.
  CHECK(g_largest_alloc < 2 * (sent + 128 * 1024));
}

TEST_CASE("wire: descriptors sent with large and small frames are all kept", "[wire]") {
  const std::size_t direct = GENERATE(std::size_t{16}, kDefaultDirectReceive);
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  Channel host(fds[0], kDefaultMaxFrame, direct);
  // Three pipes whose read ends travel with three frames; each carries its
  // own word, so the descriptors are told apart and in order.
  const std::vector<std::string> payloads = {pattern(500'000, 1), "small frame", pattern(150'000, 2)};
  std::atomic<bool> sent{true};
  std::thread writer([&, peer = fds[1]] {
    Channel out(peer);
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      int p[2];
      if (::pipe(p) != 0) {
        sent = false;
        return;
      }
      const std::string word = "pipe " + std::to_string(i);
      if (!write_bytes(p[1], word) || !out.send(FrameKind::manager_reply, payloads[i], p[0])) sent = false;
      ::close(p[1]);
      ::close(p[0]);  // the sender keeps its own copy; the host's is another
    }
  });
  Frame frame;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    REQUIRE(host.receive(frame) == ReceiveStatus::frame);
    CHECK(frame.payload == payloads[i]);
  }
  writer.join();
  CHECK(sent);
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const int fd = host.take_fd();
    REQUIRE(fd >= 0);
    char got[16] = {};
    CHECK(::read(fd, got, sizeof got) == 6);
    CHECK(std::string(got) == "pipe " + std::to_string(i));
    ::close(fd);
  }
  CHECK(host.take_fd() == -1);
}

TEST_CASE("wire: frames sent and queued as parts arrive as one payload", "[wire]") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  Channel host(fds[0]);
  const std::string big = pattern(300'000, 5);
  {
    Channel peer(fds[1]);
    const std::string_view parts[] = {"head", "", big, "tail"};
    REQUIRE(peer.queue_parts(FrameKind::call, std::span(parts, 2)));
    REQUIRE(peer.queue(FrameKind::call, "queued"));
    std::thread reader;  // the big frame does not fit a socket buffer: read while it is sent
    std::vector<Frame> got(3);
    std::atomic<bool> ok{true};
    reader = std::thread([&] {
      for (auto& f : got)
        if (host.receive(f) != ReceiveStatus::frame) ok = false;
    });
    REQUIRE(peer.send_parts(FrameKind::reply, parts));  // flushes the queue first
    reader.join();
    CHECK(ok);
    CHECK((got[0].kind == FrameKind::call && got[0].payload == "head"));
    CHECK((got[1].kind == FrameKind::call && got[1].payload == "queued"));
    CHECK(got[2].kind == FrameKind::reply);
    CHECK(got[2].payload == "head" + big + "tail");
    const std::string_view too_many[9] = {};
    CHECK_FALSE(peer.send_parts(FrameKind::reply, too_many));
  }
  Frame frame;
  CHECK(host.receive(frame) == ReceiveStatus::eof);
}
