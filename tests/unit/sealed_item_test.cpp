// Large queue items handed over as sealed memfds (wire/sealed_item.hpp): the
// split of a put, the seal, and the manager server refusing what a hostile
// worker could send instead (an unsealed memfd, no descriptor at all, stray
// descriptors on other requests).
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include <ferry/codec.hpp>
#include <ferry/manager_codec.hpp>

#include "manager/server.hpp"
#include "wire/frame.hpp"
#include "wire/sealed_item.hpp"

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

// A worker's end of a manager connection, speaking raw frames.
struct RawWorker {
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
};

std::string get_item(RawWorker& w) {
  const Reply r = w.ask(wire::FrameKind::manager_request, encode(Request{Op::queue_get, "q", kQueue, {}, 0, 0}));
  REQUIRE(r.status == Status::ok);
  REQUIRE(!r.sealed);  // a worker's reply carries the bytes
  std::string item;
  ferry::codec::decode(r.values.at(0), item);
  return item;
}

}  // namespace

TEST_CASE("sealed items: only a large queue put is split", "[wire][sealed]") {
  CHECK_FALSE(wire::split_large_put(put_request("small")));
  CHECK_FALSE(wire::split_large_put(put_request(std::string(100'000, 'x'), Op::list_append)));
  CHECK_FALSE(wire::split_large_put(std::string(100'000, '\xff')));  // not a request

  const std::string item(100'000, 'y');
  const std::string request = put_request(item);
  const auto split = wire::split_large_put(request);
  REQUIRE(split);
  CHECK(split->item == ferry::codec::encode(item));
  Request head;
  decode(std::string_view(split->head), head);
  CHECK(head.op == Op::queue_put);
  CHECK(head.name == "q");
  CHECK(head.type == kQueue);
  REQUIRE(head.args.size() == 1);
  CHECK(head.args[0].empty());
}

TEST_CASE("sealed items: what is sealed maps back, what is not is refused", "[wire][sealed]") {
  const std::string bytes(200'000, 'z');
  std::string error;
  const int fd = wire::seal_into_memfd(bytes);
  REQUIRE(fd >= 0);
  CHECK(::write(fd, "x", 1) < 0);  // sealed: nobody writes it again
  const auto mapped = wire::map_sealed(fd, error);
  REQUIRE(mapped);
  CHECK(mapped->view() == bytes);

  const int unsealed = ::memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  REQUIRE(::write(unsealed, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  CHECK_FALSE(wire::map_sealed(unsealed, error));
  CHECK(error.find("not a sealed memfd") != std::string::npos);

  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  ::close(pipe_fds[1]);
  CHECK_FALSE(wire::map_sealed(pipe_fds[0], error));  // closes it
}

TEST_CASE("sealed items: the manager keeps them for the host and gives a worker the bytes", "[manager][sealed]") {
  RawWorker w;
  const std::string big(150'000, 'b');
  const std::string request = put_request(big);  // split's item views it
  const auto split = wire::split_large_put(request);
  REQUIRE(split);
  for (int i = 0; i < 2; ++i) {
    const int fd = wire::seal_into_memfd(split->item);
    REQUIRE(fd >= 0);
    CHECK(w.ask(wire::FrameKind::manager_request_sealed, split->head, fd).status == Status::ok);
    ::close(fd);
  }
  // The host's own get reads the mapping in place.
  auto store = w.server.store_ptr().lock();
  const Reply local = store->handle(Request{Op::queue_get, "q", kQueue, {}, 0, 0}, 0);
  REQUIRE(local.status == Status::ok);
  REQUIRE(local.sealed);
  std::string item;
  ferry::codec::decode(local.value(0), item);
  CHECK(item == big);
  // A worker's get receives the bytes.
  CHECK(get_item(w) == big);
}

TEST_CASE("sealed items: a worker's unsealed memfd, or none, is refused and reported", "[manager][sealed]") {
  RawWorker w;
  const std::string request = put_request(std::string(100'000, 'u'));  // split's item views it
  const auto split = wire::split_large_put(request);
  REQUIRE(split);
  const int unsealed = ::memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  REQUIRE(::write(unsealed, split->item.data(), split->item.size()) == static_cast<ssize_t>(split->item.size()));
  REQUIRE(w.channel.send(wire::FrameKind::manager_post_sealed, split->head, unsealed));
  ::close(unsealed);
  Reply r = w.sync();
  CHECK(r.status == Status::error);
  CHECK(r.error.find("not a sealed memfd") != std::string::npos);

  r = w.ask(wire::FrameKind::manager_request_sealed, split->head);  // no descriptor
  CHECK(r.status == Status::error);
  CHECK(r.error.find("without its descriptor") != std::string::npos);

  // A sealed item with a request that is not a put.
  const int fd = wire::seal_into_memfd(split->item);
  r = w.ask(wire::FrameKind::manager_request_sealed, encode(Request{Op::list_append, "l", "list<str>", {""}, -1, 0}),
            fd);
  ::close(fd);
  CHECK(r.status == Status::error);
  // Nothing reached the queue, and the connection still serves.
  const Reply size = w.ask(wire::FrameKind::manager_request, encode(Request{Op::queue_size, "q", kQueue, {}, -1, 0}));
  REQUIRE(size.status == Status::ok);
  std::uint64_t n = 1;
  ferry::codec::decode(size.values.at(0), n);
  CHECK(n == 0);
}

TEST_CASE("sealed items: descriptors attached to other requests are closed, not kept", "[manager][sealed]") {
  RawWorker w;
  const int before = open_fds();
  for (int i = 0; i < 20; ++i) {
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    const Reply r = w.ask(wire::FrameKind::manager_request, put_request("small"), pipe_fds[0]);
    CHECK(r.status == Status::ok);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
  }
  CHECK(open_fds() == before);
}
