// Memory the host shares with workers, where a hostile task can reach the
// descriptor: shared segments (SharedValue, SharedArray, lock tables) and a
// worker's progress page are sealed at their size, so no task can shrink
// one under the host (whose next access past the new end would be a
// SIGBUS); the host maps a progress page only when it is sealed.
// Also: frames a worker's feeder collected go out ahead of a request, in
// one write (Channel::send_parts_after).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

#include <ferry/detail/segment.hpp>

#include "wire/call_progress.hpp"
#include "wire/frame.hpp"

TEST_CASE("shared memory: a segment's descriptor cannot shrink or grow it", "[wire][shared]") {
  auto [fd, segment] = ferry::detail::create_segment(4, sizeof(std::int64_t), "i64");
  CHECK(::ftruncate(fd, 0) == -1);
  CHECK(errno == EPERM);
  CHECK(::ftruncate(fd, 1 << 20) == -1);
  CHECK(::fcntl(fd, F_ADD_SEALS, 0) == -1);  // no seal comes off, none goes on
  auto* last = static_cast<std::int64_t*>(segment->data()) + 3;  // the whole segment is still there
  *last = 42;
  CHECK(*last == 42);
  ::close(fd);
}

TEST_CASE("progress page: sealed by the worker, and the host maps nothing else", "[wire]") {
  ferry::wire::ProgressWriter writer;
  REQUIRE(writer.fd() >= 0);
  CHECK(::ftruncate(writer.fd(), 0) == -1);
  writer.begin(7, 3);
  ferry::wire::ProgressReader reader;
  REQUIRE(reader.adopt(::dup(writer.fd())));
  const auto p = reader.read();
  REQUIRE(p);
  CHECK(p->call == 7);
  CHECK(p->item == 3);

  // A page a worker left unsealed (a task could shrink it) is refused.
  const int loose = ::memfd_create("loose", MFD_CLOEXEC);
  REQUIRE(loose >= 0);
  REQUIRE(::ftruncate(loose, 4096) == 0);
  ferry::wire::ProgressReader refuses;
  CHECK_FALSE(refuses.adopt(loose));
  CHECK_FALSE(refuses.read());
}

TEST_CASE("wire: frames already encoded go out ahead of a frame, in order", "[wire]") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  ferry::wire::Channel host(fds[0]);
  ferry::wire::Channel worker(fds[1]);
  // Two posts as a feeder collects them: header and payload, back to back.
  std::string posts;
  for (std::string_view payload : {std::string_view("set a"), std::string_view("set b")}) {
    char header[ferry::wire::kFrameHeaderSize];
    ferry::wire::encode_header(header, ferry::wire::FrameKind::manager_post, payload.size());
    posts.append(header, sizeof header);
    posts.append(payload);
  }
  const std::string_view parts[] = {"get", " a"};
  REQUIRE(worker.send_parts_after(posts, ferry::wire::FrameKind::manager_request, parts));
  REQUIRE(worker.send_parts_after({}, ferry::wire::FrameKind::manager_request, std::span(parts, 1)));
  const std::pair<ferry::wire::FrameKind, std::string> want[] = {
      {ferry::wire::FrameKind::manager_post, "set a"},
      {ferry::wire::FrameKind::manager_post, "set b"},
      {ferry::wire::FrameKind::manager_request, "get a"},
      {ferry::wire::FrameKind::manager_request, "get"}};
  for (const auto& [kind, payload] : want) {
    ferry::wire::Frame frame;
    REQUIRE(host.receive(frame) == ferry::wire::ReceiveStatus::frame);
    CHECK(frame.kind == kind);
    CHECK(frame.payload == payload);
  }
}
