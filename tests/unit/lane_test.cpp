// The shared lane beside a manager socket (wire/lane.hpp): small frames go
// through it, large ones and descriptors through the socket, and the reader
// gets them all in the order they were sent; a reader asleep on the socket
// is woken; a page that is not sealed is refused, and junk in the lane
// breaks only its connection.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "wire/frame.hpp"
#include "wire/lane.hpp"

using ferry::wire::Channel;
using ferry::wire::Frame;
using ferry::wire::FrameKind;
using ferry::wire::Lane;
using ferry::wire::ReceiveStatus;

namespace {

// A manager's end (which offers the lane) and a worker's (which takes it).
struct LanePair {
  int fds[2] = {-1, -1};
  std::unique_ptr<Channel> manager, worker;
  LanePair() {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    manager = std::make_unique<Channel>(fds[0]);
    worker = std::make_unique<Channel>(fds[1]);
    REQUIRE(manager->offer_lane());
    worker->accept_lane();
  }
  // Bytes waiting in fd's socket, unread.
  static int unread(int fd) {
    int n = -1;
    REQUIRE(::ioctl(fd, FIONREAD, &n) == 0);
    return n;
  }
};

std::string receive(Channel& c, FrameKind kind) {
  Frame f;
  REQUIRE(c.receive(f) == ReceiveStatus::frame);
  CHECK(f.kind == kind);
  return f.payload;
}

}  // namespace

TEST_CASE("lane: small frames skip the socket, large ones and descriptors take it, in order", "[wire][lane]") {
  LanePair p;
  // The worker has not read the offer yet: its first request takes the socket.
  REQUIRE(p.worker->send(FrameKind::manager_request, "first"));
  CHECK(receive(*p.manager, FrameKind::manager_request) == "first");
  // The reply goes through the lane, behind the offer on the socket.
  REQUIRE(p.manager->send(FrameKind::manager_reply, "one"));
  CHECK(receive(*p.worker, FrameKind::manager_reply) == "one");

  // Now a small request leaves nothing in the socket (nobody sleeps on it).
  REQUIRE(p.worker->send(FrameKind::manager_request, "small"));
  CHECK(LanePair::unread(p.fds[0]) == 0);
  CHECK(receive(*p.manager, FrameKind::manager_request) == "small");
  REQUIRE(p.manager->send(FrameKind::manager_reply, "ok"));
  CHECK(LanePair::unread(p.fds[1]) == 0);
  CHECK(receive(*p.worker, FrameKind::manager_reply) == "ok");

  // Another writer to the same socket (a worker's post feeder) counts its
  // bytes: a lane frame sent after them is taken after them.
  char header[ferry::wire::kFrameHeaderSize];
  ferry::wire::encode_header(header, FrameKind::manager_post, 4);
  std::string raw = std::string(header, sizeof header) + "post";
  REQUIRE(::write(p.fds[1], raw.data(), raw.size()) == static_cast<ssize_t>(raw.size()));
  p.worker->sent_bytes() += raw.size();
  REQUIRE(p.worker->send(FrameKind::manager_request, "after"));
  CHECK(receive(*p.manager, FrameKind::manager_post) == "post");
  CHECK(receive(*p.manager, FrameKind::manager_request) == "after");

  // Too large for a slot: the socket. Then small frames behind it.
  const std::string big(Lane::kSlotBytes + 1, 'b');
  REQUIRE(p.worker->send(FrameKind::manager_post, big));
  REQUIRE(p.worker->send(FrameKind::manager_request, "behind"));
  CHECK(receive(*p.manager, FrameKind::manager_post) == big);
  CHECK(receive(*p.manager, FrameKind::manager_request) == "behind");

  // A descriptor always rides the socket.
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  REQUIRE(p.manager->send(FrameKind::manager_reply, "fd", pipe_fds[0]));
  CHECK(LanePair::unread(p.fds[1]) > 0);
  CHECK(receive(*p.worker, FrameKind::manager_reply) == "fd");
  const int got = p.worker->take_fd();
  CHECK(got >= 0);
  ::close(got);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST_CASE("lane: a slot holds one message, the next goes to the socket until it is taken", "[wire][lane]") {
  LanePair p;
  REQUIRE(p.manager->send(FrameKind::manager_reply, "in the lane"));
  REQUIRE(p.manager->send(FrameKind::manager_reply, "in the socket"));
  CHECK(receive(*p.worker, FrameKind::manager_reply) == "in the lane");
  CHECK(receive(*p.worker, FrameKind::manager_reply) == "in the socket");
}

// Only a request or a reply rides the lane: a post alone there would
// still fill the slot when the worker's next request is sent, which would
// then take the socket and be read first (the manager applying a get
// before the put before it).
TEST_CASE("lane: a post sent alone takes the socket, so the request after it cannot overtake it", "[wire][lane]") {
  LanePair p;
  REQUIRE(p.worker->send(FrameKind::manager_request, "first"));  // the worker takes up the lane
  CHECK(receive(*p.manager, FrameKind::manager_request) == "first");
  REQUIRE(p.manager->send(FrameKind::manager_reply, "one"));
  CHECK(receive(*p.worker, FrameKind::manager_reply) == "one");
  // Both sent before the manager reads either.
  REQUIRE(p.worker->send(FrameKind::manager_post, "put"));
  REQUIRE(p.worker->send(FrameKind::manager_request, "get"));
  CHECK(receive(*p.manager, FrameKind::manager_post) == "put");
  CHECK(receive(*p.manager, FrameKind::manager_request) == "get");
}

TEST_CASE("lane: a reader asleep on the socket is woken by a doorbell", "[wire][lane]") {
  LanePair p;
  // Ping-pong with no spinning: every wait sleeps on the socket, so each
  // message needs its doorbell. A lost wake-up hangs the test.
  constexpr int kRounds = 5'000;
  std::thread echo([&] {
    Frame f;
    for (int i = 0; i < kRounds; ++i) {
      if (p.manager->receive(f) != ReceiveStatus::frame) return;
      if (!p.manager->send(FrameKind::manager_reply, f.payload)) return;
    }
  });
  int matched = 0;
  for (int i = 0; i < kRounds; ++i) {
    REQUIRE(p.worker->send(FrameKind::manager_request, std::to_string(i)));
    Frame f;
    REQUIRE(p.worker->receive(f) == ReceiveStatus::frame);
    matched += f.kind == FrameKind::manager_reply && f.payload == std::to_string(i);
  }
  echo.join();
  CHECK(matched == kRounds);
}

TEST_CASE("lane: only a sealed page of the right size is taken up", "[wire][lane]") {
  const int unsealed = ::memfd_create("not-a-lane", MFD_CLOEXEC);
  REQUIRE(unsealed >= 0);
  REQUIRE(::ftruncate(unsealed, 1 << 20) == 0);
  CHECK(Lane::adopt(unsealed) == nullptr);  // adopt closes it either way
  CHECK(Lane::adopt(-1) == nullptr);

  auto lane = Lane::create();
  REQUIRE(lane);
  CHECK(::ftruncate(lane->fd(), 0) == -1);  // neither end can shrink it
  CHECK(Lane::adopt(::dup(lane->fd())) != nullptr);
}

TEST_CASE("lane: junk in it breaks only its connection", "[wire][lane]") {
  LanePair p;
  // The worker's end of the page, as a task could reach it: the offer is
  // the first frame in the worker's socket.
  Channel raw(::dup(p.fds[1]));
  Frame offer;
  REQUIRE(raw.receive(offer) == ReceiveStatus::frame);
  REQUIRE(offer.kind == FrameKind::manager_lane);
  auto lane = Lane::adopt(raw.take_fd());
  REQUIRE(lane);
  // Bytes that are no frame, published as a scribbling task would.
  const std::string junk = "\xff\xff\xff\x7f\x63junk";
  iovec iov{const_cast<char*>(junk.data()), junk.size()};
  lane->publish(std::span(&iov, 1), junk.size(), 0);
  Frame f;
  CHECK(p.manager->receive(f) == ReceiveStatus::error);
  CHECK_THAT(p.manager->error(), Catch::Contains("malformed frame in the shared lane"));
}
