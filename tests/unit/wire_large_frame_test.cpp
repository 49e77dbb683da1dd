// A frame far larger than the room reserved at once (32 MiB) is received
// into a buffer that grows geometrically: growing it at every read copied
// everything received so far each time, and a 500 MB pipeline item took
// minutes (found by the hostile test's 500 MB result).
#include <catch2/catch.hpp>

#include "largest_allocation.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "wire/frame.hpp"

using namespace ferry::wire;

TEST_CASE("wire: a frame of 40 MiB arrives whole, its buffer copied a few times, not once a read", "[wire]") {
  constexpr std::size_t kSize = std::size_t{40} << 20, kPiece = std::size_t{64} << 10;
  std::string payload(kSize, '\0');
  for (std::size_t i = 0; i < kSize; i += 4096) payload[i] = static_cast<char>(i / 4096);
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  Channel host(fds[0]);
  std::thread writer([&, peer = fds[1]] {
    const char header[kFrameHeaderSize] = {static_cast<char>(kSize & 0xff), static_cast<char>((kSize >> 8) & 0xff),
                                           static_cast<char>((kSize >> 16) & 0xff),
                                           static_cast<char>((kSize >> 24) & 0xff), static_cast<char>(FrameKind::reply)};
    bool ok = ::write(peer, header, sizeof header) == static_cast<ssize_t>(sizeof header);
    // In pieces, so the reader sees the frame arrive a read at a time.
    for (std::size_t at = 0; ok && at < kSize; at += kPiece)
      ok = ::write(peer, payload.data() + at, kPiece) == static_cast<ssize_t>(kPiece);
    ::close(peer);
  });
  g_total_alloc = 0;
  Frame frame;
  const auto status = host.receive(frame);
  writer.join();
  REQUIRE(status == ReceiveStatus::frame);
  CHECK(frame.payload == payload);
  // Doubling allocates about twice the frame in all; growing at every read
  // allocated hundreds of times more.
  CHECK(g_total_alloc.load() < 4 * kSize);
}
