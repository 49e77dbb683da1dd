// Spinning before a sleep on a channel: when it happens (SpinPolicy) and
// what a spin sees (Channel::spin_until_readable).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "wire/frame.hpp"
#include "wire/spin_policy.hpp"

using namespace std::chrono_literals;
using ferry::wire::Channel;
using ferry::wire::SpinPolicy;

namespace {
// A channel whose spins hit or miss as scripted, counting them.
struct ScriptedChannel {
  std::vector<bool> hits;
  std::size_t spins = 0;
  bool spin_until_readable(std::chrono::nanoseconds) { return hits.at(spins++); }
};

struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0); }
  ~SocketPair() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
};
}  // namespace

TEST_CASE("spin policy: every wait spins while spins hit", "[wire][spin]") {
  REQUIRE(SpinPolicy::budget() > 0ns);  // the tests run without FERRY_SPIN_US
  ScriptedChannel c{std::vector<bool>(100, true)};
  SpinPolicy policy;
  for (int i = 0; i < 100; ++i) policy.before_wait(c);
  CHECK(c.spins == 100);
}

TEST_CASE("spin policy: misses make waits sleep at once, for twice as many each time; a hit ends that", "[wire][spin]") {
  // Spins: miss, (1 skipped), miss, (2 skipped), miss, (4 skipped), hit, hit.
  ScriptedChannel c{{false, false, false, true, true}};
  SpinPolicy policy;
  std::vector<std::size_t> spins_after_wait;
  for (int i = 0; i < 12; ++i) {
    policy.before_wait(c);
    spins_after_wait.push_back(c.spins);
  }
  CHECK(spins_after_wait == std::vector<std::size_t>{1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 5});
}

TEST_CASE("spin policy: a quiet peer costs few spins", "[wire][spin]") {
  ScriptedChannel c{std::vector<bool>(64, false)};
  SpinPolicy policy;
  for (int i = 0; i < 10'000; ++i) policy.before_wait(c);
  CHECK(c.spins <= 20);  // pauses of 1, 2, 4, ... 1024 waits, then 1024 each: 19 spins
}

TEST_CASE("channel: a spin reads what is there, or sees the peer gone, and gives up on silence", "[wire][spin]") {
  SocketPair p;
  Channel ours(p.fds[0]);
  Channel theirs(p.fds[1]);
  p.fds[0] = p.fds[1] = -1;  // the channels own them
  CHECK_FALSE(ours.spin_until_readable(200us));
  REQUIRE(theirs.send(ferry::wire::FrameKind::manager_reply, "hello"));
  CHECK(ours.spin_until_readable(200us));
  // The spin's read is the receive's: the bytes are in the channel, not
  // left in the socket for a second system call.
  CHECK(ours.has_buffered_bytes());
  CHECK(ours.spin_until_readable(0ns));  // still there for the receive
  ferry::wire::Frame frame;
  REQUIRE(ours.receive(frame) == ferry::wire::ReceiveStatus::frame);
  CHECK(frame.kind == ferry::wire::FrameKind::manager_reply);
  CHECK(frame.payload == "hello");
  CHECK_FALSE(ours.has_buffered_bytes());
  CHECK_FALSE(ours.spin_until_readable(0ns));
  theirs.close();
  CHECK(ours.spin_until_readable(200us));  // eof: the receive that follows tells it
  CHECK(ours.receive(frame) == ferry::wire::ReceiveStatus::eof);
}
