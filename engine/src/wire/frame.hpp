// Length-prefixed frames over a stream socket: u32 payload length (little
// endian), u8 kind, payload. The only framing ferry-worker and the host speak.
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/buffer_recycler.hpp"
#include "wire/lane.hpp"

namespace ferry::wire {

enum class FrameKind : std::uint8_t {
  hello = 1,        // worker -> host: plugin loaded, here is its task table
  load_failed = 2,  // worker -> host: the plugin could not be loaded; reason
  call = 3,         // host -> worker: run a task over a batch of items
  reply = 4,        // worker -> host: one outcome per item of the call
  log = 5,          // worker -> host: a log line from a running task
  shutdown = 6,     // host -> worker: exit now
  manager_request = 7,  // worker -> manager: one shared-object operation
  manager_reply = 8,    // manager -> worker: its result
  manager_post = 9,     // worker -> manager: an operation with no reply (an unbounded put)
  retiring = 10,        // worker -> host: after its last reply it exits; later calls never ran (reason)
  // 11 and 12 (protocol 4: queue puts whose item came in a sealed memfd)
  // are no longer sent; a peer sending them breaks the protocol.
  manager_lane = 13,  // manager -> worker, first: the shared page of small frames (wire/lane.hpp), attached
  doorbell = 14,      // either way: a frame is in the lane; the reader had said it would sleep
};

inline constexpr std::size_t kFrameHeaderSize = 5;
// The most parts Channel::send_parts and queue_parts take for one frame.
inline constexpr std::size_t kMaxFrameParts = 8;
// Frames above this are a protocol error; the peer is not trusted to be sane.
inline constexpr std::uint32_t kDefaultMaxFrame = 1u << 30;
// A frame whose payload is at least this large is received straight into its
// Frame's payload once its header is in, not copied out of the read buffer.
inline constexpr std::size_t kDefaultDirectReceive = std::size_t{1} << 16;

bool is_known_kind(std::uint8_t kind);

// A wait of `left` as poll()'s timeout: 0 when it is past, at most INT_MAX
// milliseconds (a far deadline waits again rather than overflow).
inline int poll_timeout_ms(std::chrono::milliseconds left) {
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, std::numeric_limits<int>::max()));
}

// Writes the header of a frame of kind carrying size payload bytes.
void encode_header(char (&header)[kFrameHeaderSize], FrameKind kind, std::size_t size);
// The payload size a header (kFrameHeaderSize bytes at p) says.
inline std::uint32_t header_payload_size(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return u[0] | (u[1] << 8) | (u[2] << 16) | (static_cast<std::uint32_t>(u[3]) << 24);
}

struct Frame {
  FrameKind kind{};
  std::string payload;
};

// Why receive() returned without a frame.
enum class ReceiveStatus { frame, eof, timeout, woken, peer_exited, error };

// One end of a frame stream. Owns the socket. Not thread-safe: one reader and
// one writer thread at most, and in practice one thread does both. A
// manager connection's two ends also share a lane (wire/lane.hpp, set up by
// offer_lane/accept_lane) that small frames take instead of the socket;
// receive() returns frames from both in the order they were sent.
class Channel {
 public:
  // Frames of direct_receive payload bytes or more are read into their
  // payload directly (tests lower it to reach that path with small frames).
  explicit Channel(int fd, std::uint32_t max_frame = kDefaultMaxFrame,
                   std::size_t direct_receive = kDefaultDirectReceive);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  int fd() const { return fd_; }

  // Large frames are received into buffers taken from recycler when it has
  // one that fits, rather than into freshly allocated memory. (Whoever ends
  // up with a frame's payload may give it back to recycler.)
  void recycle_from(std::shared_ptr<detail::BufferRecycler> recycler) { recycler_ = std::move(recycler); }

  // Writes one whole frame; false (and error() set) when the peer is gone.
  // A descriptor given as attach travels with it (SCM_RIGHTS); the caller
  // keeps its own.
  bool send(FrameKind kind, std::string_view payload, int attach = -1);
  // As send(), the payload given as parts sent back to back, not joined
  // first (at most kMaxFrameParts).
  bool send_parts(FrameKind kind, std::span<const std::string_view> parts);
  // As send_parts(), with `framed` (whole frames, encoded) written first, in
  // the same system call: posts collected by a worker's feeder go out with
  // the request that follows them, one write and one wake-up of the peer.
  bool send_parts_after(std::string_view framed, FrameKind kind, std::span<const std::string_view> parts,
                        int attach = -1);
  // Copies one frame into the outbox, sent by the next flush() or send():
  // several small frames then cost the peer one wake-up, not several.
  bool queue(FrameKind kind, std::string_view payload);
  bool queue_parts(FrameKind kind, std::span<const std::string_view> parts);
  // Sends what queue() collected; false (and error() set) when the peer is gone.
  bool flush();
  std::size_t queued_bytes() const { return out_.size(); }

  // The oldest descriptor that arrived with received bytes (CLOEXEC, owned
  // by the caller), or -1.
  int take_fd();
  // Descriptors received and not yet taken.
  std::size_t pending_fds() const { return fds_.size(); }
  // Whether bytes of a frame not yet returned by receive() are in: until
  // they are, a pending descriptor may still belong to that frame.
  bool has_buffered_bytes() const { return direct_ || end_ > begin_; }
  // Whether receive() would return a frame without reading: a burst's
  // reader may put off what it does once per burst until this is false.
  bool has_complete_frame() const;

  // Waits for one whole frame. A large frame is received into a buffer that
  // is then swapped with out.payload: out's old buffer (its capacity) serves
  // a later large frame. Returns early with `woken` when wake_fd becomes
  // readable, with `peer_exited` when exit_fd (a pidfd) becomes readable and
  // no complete frame is buffered, with `timeout` at the deadline. A frame
  // over the size limit, an unknown kind or a read error gives `error`.
  ReceiveStatus receive(Frame& out, std::optional<std::chrono::steady_clock::time_point> deadline = {},
                        int wake_fd = -1, int exit_fd = -1);

  // Busy-polls (non-blocking reads into the channel's buffer, no sleep) for
  // up to budget until some bytes are in, or the peer closed; true if so.
  // The read that finds them is the receive's own: a prompt answer costs
  // one system call, not a peek and a read. A peer that answers
  // at once is then read without a wake-up, which across CPUs costs tens of
  // microseconds on a VM (bench: pipe ping-pong). See SpinPolicy.
  bool spin_until_readable(std::chrono::nanoseconds budget);

  // The manager's end of a worker's manager socket: offers the worker a
  // shared lane for small frames (the first frame sent). False when no
  // page could be made; the socket alone then serves.
  bool offer_lane();
  // The worker's end: takes up a lane the manager offers (a manager_lane
  // frame, consumed by receive()) instead of returning that frame.
  void accept_lane() { accept_lane_ = true; }
  // Socket bytes written so far, for the lane's ordering; a writer to the
  // same socket outside this channel (the worker's post feeder) adds its own.
  std::atomic<std::uint64_t>& sent_bytes() { return sent_; }

  // The last error, for messages ("frame of 4294967295 bytes exceeds ...").
  const std::string& error() const { return error_; }

  // Closes the socket now; later sends fail, receives report eof.
  void close();

 private:
  bool take_buffered(Frame& out);  // the next complete frame, from the lane or the socket, if any
  bool take_socket_frame(Frame& out);  // a complete frame from buf_ (or big_), if any
  bool take_lane_frame(Frame& out);    // the next frame of lane_in_, which holds one
  bool lane_ready() const;             // a lane message whose socket bytes before it are taken
  // Publishes the frames of iov, the last of them of kind last, in the lane
  // when it is there and they fit; false when they must go to the socket.
  // ok: whether sending succeeded.
  bool try_lane(std::span<const iovec> iov, FrameKind last, bool& ok);
  // Before blocking on the socket: true to block, false when a lane
  // message came meanwhile (take it instead). Pair with woke().
  bool may_sleep();
  void drop_doorbells();  // takes the doorbells at the head of buf_
  void woke();
  // The payload size in the header at begin_, once a whole header is in.
  std::optional<std::uint32_t> buffered_payload_size() const;
  bool check_size(std::size_t payload);  // the channel is open and payload fits a frame
  bool write_all(iovec* iov, std::size_t count, int attach);
  bool fill(bool dont_wait = false);  // one read into buf_ (or big_); false on eof, error or nothing to read
  // Grows big_ to target bytes of a large frame of frame_size bytes.
  void grow_big(std::size_t target, std::size_t frame_size);
  // Starts receiving the frame whose header is at begin_ into big_.
  void start_direct(FrameKind kind, std::uint32_t size);
  // One recvmsg into [p, p + len), keeping descriptors; false on eof, error
  // or nothing to read.
  bool recv_some(char* p, std::size_t len, bool dont_wait, std::size_t& got);

  int fd_;
  std::uint32_t max_frame_;
  std::vector<char> buf_;  // received bytes live in [begin_, end_)
  std::size_t begin_ = 0, end_ = 0;
  std::size_t want_ = 0;  // size of the frame being received, once its header is in
  std::deque<int> fds_;   // received with SCM_RIGHTS, not yet taken
  // A large frame being received straight into big_ (see direct_receive):
  // its kind, payload size and the bytes of it already in big_.
  std::size_t direct_receive_;
  bool direct_ = false;
  FrameKind direct_kind_{};
  std::size_t direct_size_ = 0, direct_got_ = 0;
  std::string big_;  // size() is the room allocated so far, not the bytes received
  std::shared_ptr<detail::BufferRecycler> recycler_;  // null: large frames get new buffers
  std::string out_;       // frames queued, not yet sent
  std::unique_ptr<Lane> lane_;  // null: the socket alone
  bool accept_lane_ = false;
  bool asleep_ = false;               // lane_ told the peer this end sleeps on the socket
  // The manager's end (the one that offered the lane) reads its socket once
  // more before each lane message (see take_buffered), and did for the
  // message now ready.
  bool lane_socket_read_ = false;
  std::string lane_in_;               // frames of a lane message not yet returned, from lane_begin_
  std::size_t lane_begin_ = 0;
  std::uint64_t consumed_ = 0;        // socket bytes of the frames taken so far
  std::atomic<std::uint64_t> sent_{0};  // socket bytes written (by anyone)
  bool eof_ = false;
  std::string error_;
};

}  // namespace ferry::wire
