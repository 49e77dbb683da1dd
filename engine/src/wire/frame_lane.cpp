// Channel's use of a shared lane beside its socket (wire/lane.hpp): which
// frames go through it, and how frames from it and from the socket are
// taken in the order they were sent.
#include <cstring>

#include "wire/frame.hpp"

namespace ferry::wire {

bool Channel::offer_lane() {
  auto lane = Lane::create();
  if (!lane) return false;
  // Sent before lane_ is set, so it goes through the socket, with the
  // page's descriptor; the worker maps its own copy.
  if (!send(FrameKind::manager_lane, {}, lane->fd())) return false;
  lane->release_fd();
  lane_ = std::move(lane);
  return true;
}

bool Channel::lane_ready() const {
  std::uint64_t after = 0;
  return lane_ && lane_->peek(after) && consumed_ >= after;
}

bool Channel::take_buffered(Frame& out) {
  for (;;) {
    if (lane_begin_ < lane_in_.size()) return take_lane_frame(out);
    // Whole socket frames first: a lane message waits for the socket bytes
    // sent before it (its `after`), and a frame sent after it can only be a
    // concurrent one (a lane message ends in a request or a reply, and each
    // end has one of those out at a time: see try_lane).
    if (take_socket_frame(out)) {
      if (out.kind == FrameKind::doorbell) continue;  // it only woke this end
      if (out.kind == FrameKind::manager_lane && accept_lane_ && !lane_) {
        // Its descriptor came with its first byte, before any other (it is
        // the manager's first frame). Without a usable page the socket serves.
        lane_ = Lane::adopt(take_fd());
        continue;
      }
      return true;
    }
    if (!error_.empty() || !lane_ready()) return false;
    // The manager's end looks at the socket once more first (one
    // non-blocking read): bytes a task wrote there itself before its
    // request (junk) are not in `after`, and must fail that request, as
    // they would with the socket alone, not a later one.
    if (!accept_lane_ && !lane_socket_read_) {  // the manager's end
      lane_socket_read_ = true;
      if (!fill(true) && !error_.empty()) return false;
      continue;
    }
    lane_socket_read_ = false;
    lane_in_.clear();
    lane_begin_ = 0;
    lane_->take(lane_in_);
  }
}

bool Channel::take_lane_frame(Frame& out) {
  // The peer wrote these bytes where it can still change them: they were
  // copied out first and get the socket's checks.
  const std::size_t avail = lane_in_.size() - lane_begin_;
  const auto* p = reinterpret_cast<const unsigned char*>(lane_in_.data() + lane_begin_);
  const std::uint32_t n = avail < kFrameHeaderSize ? 0 : header_payload_size(lane_in_.data() + lane_begin_);
  if (avail < kFrameHeaderSize || avail - kFrameHeaderSize < n || !is_known_kind(p[4]) ||
      p[4] == static_cast<unsigned char>(FrameKind::manager_lane)) {
    error_ = "a malformed frame in the shared lane";
    lane_in_.clear();
    lane_begin_ = 0;
    return false;
  }
  out.kind = static_cast<FrameKind>(p[4]);
  out.payload.assign(lane_in_.data() + lane_begin_ + kFrameHeaderSize, n);
  lane_begin_ += kFrameHeaderSize + n;
  if (lane_begin_ == lane_in_.size()) {
    lane_in_.clear();
    lane_begin_ = 0;
  }
  return true;
}

bool Channel::try_lane(std::span<const iovec> iov, FrameKind last, bool& ok) {
  // Only a request or a reply: after either, its writer sends nothing more
  // until the peer answered, which it does only once it took the message.
  // So nothing this end writes to the socket is ever sent while its own
  // lane message waits, and the reader may take socket frames first
  // (take_buffered). A post alone in the lane could be overtaken by the
  // writer's next frame on the socket (its slot still full): the manager
  // would apply them out of order. Posts ride in the lane only in front of
  // a request, in one message.
  if (!lane_ || fd_ < 0 || (last != FrameKind::manager_request && last != FrameKind::manager_reply)) return false;
  std::size_t bytes = 0;
  for (const auto& v : iov) bytes += v.iov_len;
  if (!lane_->can_publish(bytes)) return false;
  ok = true;
  if (lane_->publish(iov, bytes, sent_.load(std::memory_order_acquire))) {
    char header[kFrameHeaderSize];
    encode_header(header, FrameKind::doorbell, 0);
    iovec ring{header, sizeof header};
    ok = write_all(&ring, 1, -1);
  }
  return true;
}

void Channel::drop_doorbells() {
  constexpr char kDoorbell[kFrameHeaderSize] = {0, 0, 0, 0, static_cast<char>(FrameKind::doorbell)};
  while (!direct_ && end_ - begin_ >= kFrameHeaderSize &&
         std::memcmp(buf_.data() + begin_, kDoorbell, kFrameHeaderSize) == 0) {
    begin_ += kFrameHeaderSize;
    consumed_ += kFrameHeaderSize;
  }
  if (begin_ == end_) begin_ = end_ = 0;
}

bool Channel::may_sleep() {
  if (!lane_) return true;
  // A message that came since the caller looked is taken now; one waiting
  // for socket bytes sent before it waits for them: they are on their way.
  if (lane_->peek()) return !lane_ready();
  lane_->set_asleep(true);
  if (lane_->peek()) {
    lane_->set_asleep(false);
    return false;
  }
  asleep_ = true;
  return true;
}

void Channel::woke() {
  if (!asleep_) return;
  lane_->set_asleep(false);
  asleep_ = false;
}

}  // namespace ferry::wire
