// Large queue items (wire::Channel, manager::Server): a worker sends a put's
// item from where it lies, as parts; the manager keeps it in the frame it
// came in, the host's get reads it there, a worker's get receives the bytes,
// and the frame's buffer serves the next large frame. Descriptors a worker
// attaches are closed, and the retired sealed-put frame kinds are refused.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <string>
#include <string_view>

#include <ferry/codec.hpp>
#include <ferry/manager_codec.hpp>

#include "manager/server.hpp"
#include "wire/frame.hpp"

using namespace ferry::manager;
namespace wire = ferry::wire;

namespace {

const std::string kQueue = "queue<str>";

std::string put_request(const std::string& item, Op op = Op::queue_put) {
  return encode(Request{op, "q", kQueue, {ferry::codec::encode(item)}, -1, 0});
}

int open_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (::readdir(d)) ++n;
  ::closedir(d);
  return n;
}

// A worker's end of a manager connection, speaking raw frames (small ones
// through the shared lane the manager offers, as ferry-worker's do).
struct RawWorker {
  RawWorker() { channel.accept_lane(); }
  Server server;
  Connection connection = server.connect();
  wire::Channel channel{connection.worker_fd};

  Reply ask(wire::FrameKind kind, const std::string& request, int attach = -1) {
    REQUIRE(channel.send(kind, request, attach));
    wire::Frame frame;
    REQUIRE(channel.receive(frame) == wire::ReceiveStatus::frame);
    REQUIRE(frame.kind == wire::FrameKind::manager_reply);
    Reply reply;
    decode(frame.payload, reply);
    return reply;
  }
  Reply sync() { return ask(wire::FrameKind::manager_request, encode(Request{Op::sync, "", "", {}, -1, 0})); }
  // Posts a put of item as the SDK sends a large one: three parts, the item untouched.
  void post_put(const std::string& item) {
    std::string head, tail;
    encode_raw_arg_parts(head, tail, Op::queue_put, "q", kQueue, -1, 0, item);
    const std::array<std::string_view, 3> parts{head, item, tail};
    REQUIRE(channel.send_parts(wire::FrameKind::manager_post, parts));
  }
  // The host's own get, as the engine's handles make it.
  Reply host_get() {
    const Reply r = server.store_ptr().lock()->handle(Request{Op::queue_get, "q", kQueue, {}, 0, 0}, 0);
    REQUIRE(r.status == Status::ok);
    return r;
  }
};

std::string decoded(std::string_view bytes) {
  std::string item;
  ferry::codec::decode(bytes, item);
  return item;
}

}  // namespace

TEST_CASE("large queue puts: the parts join into the request's encoding", "[manager][held]") {
  const std::string item(100'000, 'p');
  std::string head, tail;
  encode_raw_arg_parts(head, tail, Op::queue_put, "q", kQueue, 250, 7, item);
  CHECK(head + item + tail == encode(Request{Op::queue_put, "q", kQueue, {ferry::codec::encode(item)}, 250, 7}));
}

TEST_CASE("large queue puts: kept in their frame for the host, sent as bytes to a worker", "[manager][held]") {
  RawWorker w;
  const std::string big(150'000, 'b');
  w.post_put(big);
  CHECK(w.ask(wire::FrameKind::manager_request, put_request(big)).status == Status::ok);  // one frame
  // The host's own get reads the item where it arrived.
  const Reply local = w.host_get();
  REQUIRE(local.held);
  CHECK(local.values.at(0).empty());
  CHECK(decoded(local.value(0)) == big);
  // A worker's get receives the bytes.
  const Reply r = w.ask(wire::FrameKind::manager_request, encode(Request{Op::queue_get, "q", kQueue, {}, 0, 0}));
  REQUIRE(r.status == Status::ok);
  CHECK_FALSE(r.held);
  CHECK(decoded(r.values.at(0)) == big);
  // Small items and other large requests are copied as before.
  w.post_put("small");
  CHECK(w.sync().status == Status::ok);
  const Reply small = w.host_get();
  CHECK_FALSE(small.held);
  CHECK(decoded(small.value(0)) == "small");
}

TEST_CASE("large queue puts: once an item is gone its frame's buffer takes the next one", "[manager][held]") {
  RawWorker w;
  const std::string first(1'000'000, '1'), second(1'000'000, '2');
  w.post_put(first);
  CHECK(w.sync().status == Status::ok);
  const char* where = nullptr;
  {
    const Reply r = w.host_get();
    REQUIRE(r.held);
    where = r.value(0).data();
    CHECK(decoded(r.value(0)) == first);
  }  // the item is gone: its buffer goes back, pages and all
  w.post_put(second);
  CHECK(w.sync().status == Status::ok);
  const Reply r = w.host_get();
  REQUIRE(r.held);
  CHECK(r.value(0).data() == where);
  CHECK(decoded(r.value(0)) == second);
}

TEST_CASE("large queue puts: the retired sealed-put frame kinds end the connection", "[manager][held]") {
  for (const std::uint8_t kind : {11, 12}) {
    RawWorker w;
    char frame[wire::kFrameHeaderSize + 1] = {1, 0, 0, 0, static_cast<char>(kind), 'x'};
    REQUIRE(::write(w.connection.worker_fd, frame, sizeof frame) == static_cast<ssize_t>(sizeof frame));
    wire::Frame reply;
    CHECK(w.channel.receive(reply) == wire::ReceiveStatus::eof);
  }
}

TEST_CASE("large queue puts: descriptors attached to requests are closed, not kept", "[manager][held]") {
  RawWorker w;
  const int before = open_fds();
  for (int i = 0; i < 20; ++i) {
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    const Reply r = w.ask(wire::FrameKind::manager_request, put_request(std::string(i % 2 ? 100'000 : 10, 'd')),
                          pipe_fds[0]);
    CHECK(r.status == Status::ok);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
  }
  CHECK(open_fds() == before);
}
