#include "wire/frame.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <cstring>

#include <ferry/detail/huge_pages.hpp>

#include "wire/fd_passing.hpp"

namespace ferry::wire {

bool is_known_kind(std::uint8_t kind) {
  return (kind >= static_cast<std::uint8_t>(FrameKind::hello) && kind <= static_cast<std::uint8_t>(FrameKind::retiring)) ||
         kind == static_cast<std::uint8_t>(FrameKind::manager_lane) ||
         kind == static_cast<std::uint8_t>(FrameKind::doorbell);
}

namespace {
// The most one read into the read buffer asks for (more only to complete a
// frame smaller than the direct-receive size).
constexpr std::size_t kReadSize = std::size_t{1} << 16;
}  // namespace

Channel::Channel(int fd, std::uint32_t max_frame, std::size_t direct_receive)
    : fd_(fd), max_frame_(max_frame), direct_receive_(direct_receive) {}

Channel::~Channel() {
  close();
  for (int fd : fds_) ::close(fd);
}

int Channel::take_fd() {
  if (fds_.empty()) return -1;
  const int fd = fds_.front();
  fds_.pop_front();
  return fd;
}

void Channel::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Channel::check_size(std::size_t payload) {
  if (fd_ < 0) {
    error_ = "channel closed";
    return false;
  }
  if (payload > max_frame_) {
    error_ = "frame of " + std::to_string(payload) + " bytes exceeds the limit of " + std::to_string(max_frame_);
    return false;
  }
  return true;
}

void encode_header(char (&header)[kFrameHeaderSize], FrameKind kind, std::size_t size) {
  const auto n = static_cast<std::uint32_t>(size);
  header[0] = static_cast<char>(n & 0xff);
  header[1] = static_cast<char>((n >> 8) & 0xff);
  header[2] = static_cast<char>((n >> 16) & 0xff);
  header[3] = static_cast<char>((n >> 24) & 0xff);
  header[4] = static_cast<char>(kind);
}

bool Channel::send(FrameKind kind, std::string_view payload, int attach) {
  if (!flush() || !check_size(payload.size())) return false;
  char header[kFrameHeaderSize];
  encode_header(header, kind, payload.size());
  // Header and payload in one sendmsg, without copying the payload: one
  // system call and one wake-up of the peer per frame.
  iovec iov[2] = {{header, sizeof header}, {const_cast<char*>(payload.data()), payload.size()}};
  if (bool ok; attach < 0 && try_lane(iov, kind, ok)) return ok;
  return write_all(iov, 2, attach);
}

bool Channel::send_parts(FrameKind kind, std::span<const std::string_view> parts) {
  return send_parts_after({}, kind, parts);
}

bool Channel::send_parts_after(std::string_view framed, FrameKind kind, std::span<const std::string_view> parts,
                               int attach) {
  constexpr std::size_t kMaxParts = kMaxFrameParts;
  if (parts.size() > kMaxParts) {
    error_ = "a frame of more than " + std::to_string(kMaxParts) + " parts";
    return false;
  }
  std::size_t size = 0;
  for (const auto& p : parts) size += p.size();
  if (!flush() || !check_size(size)) return false;
  iovec iov[2 + kMaxParts];
  std::size_t n = 0;
  if (!framed.empty()) {
    iov[n++] = {const_cast<char*>(framed.data()), framed.size()};
    // A descriptor rides on the first bytes of a write: it must be this
    // frame's, so the frames before it go in a write of their own.
    if (attach >= 0) {
      if (!write_all(iov, n, -1)) return false;
      n = 0;
    }
  }
  char header[kFrameHeaderSize];
  encode_header(header, kind, size);
  iov[n++] = {header, sizeof header};
  for (const auto& p : parts) iov[n++] = {const_cast<char*>(p.data()), p.size()};
  if (bool ok; attach < 0 && try_lane(std::span(iov, n), kind, ok)) return ok;
  return write_all(iov, n, attach);
}

bool Channel::queue(FrameKind kind, std::string_view payload) { return queue_parts(kind, std::span(&payload, 1)); }

bool Channel::queue_parts(FrameKind kind, std::span<const std::string_view> parts) {
  std::size_t size = 0;
  for (const auto& p : parts) size += p.size();
  if (!check_size(size)) return false;
  char header[kFrameHeaderSize];
  encode_header(header, kind, size);
  out_.append(header, sizeof header);
  for (const auto& p : parts) out_.append(p);
  return true;
}

bool Channel::flush() {
  if (out_.empty()) return true;
  iovec iov{out_.data(), out_.size()};
  const bool ok = write_all(&iov, 1, -1);
  out_.clear();
  return ok;
}

bool Channel::write_all(iovec* iov, std::size_t count, int attach) {
  std::size_t first = 0;  // first iovec with bytes left
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  bool with_fd = attach >= 0;
  while (first < count) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = count - first;
    if (with_fd) {  // the descriptor rides on the first bytes sent
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &attach, sizeof(int));
    }
    // MSG_NOSIGNAL: a dead peer gives EPIPE here, never SIGPIPE to the whole host.
    const ssize_t w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      error_ = std::string("write failed: ") + std::strerror(errno);
      return false;
    }
    with_fd = false;
    sent_.fetch_add(static_cast<std::uint64_t>(w), std::memory_order_relaxed);
    auto left = static_cast<std::size_t>(w);
    while (first < count && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (first < count) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return true;
}

std::optional<std::uint32_t> Channel::buffered_payload_size() const {
  if (end_ - begin_ < kFrameHeaderSize) return std::nullopt;
  return header_payload_size(buf_.data() + begin_);
}

bool Channel::has_complete_frame() const {
  if (lane_begin_ < lane_in_.size() || lane_ready()) return true;
  if (direct_) return direct_got_ >= direct_size_;
  const auto n = buffered_payload_size();
  return n && end_ - begin_ >= kFrameHeaderSize + std::size_t{*n};
}

bool Channel::take_socket_frame(Frame& out) {
  if (direct_) {
    if (direct_got_ < direct_size_) return false;
    big_.resize(direct_size_);  // only ever shrinks here: big_ holds at least what was received
    out.kind = direct_kind_;
    std::swap(out.payload, big_);  // out's old buffer serves the next large frame
    direct_ = false;
    consumed_ += kFrameHeaderSize + direct_size_;
    return true;
  }
  const auto size = buffered_payload_size();
  if (!size) return false;
  const std::uint32_t n = *size;
  const std::size_t avail = end_ - begin_;
  const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + begin_);
  if (n > max_frame_) {
    error_ = "frame of " + std::to_string(n) + " bytes exceeds the limit of " + std::to_string(max_frame_);
    return false;
  }
  if (!is_known_kind(p[4])) {
    error_ = "unknown frame kind " + std::to_string(p[4]);
    return false;
  }
  if (avail < kFrameHeaderSize + n) {
    if (n >= direct_receive_) start_direct(static_cast<FrameKind>(p[4]), n);
    else want_ = kFrameHeaderSize + n;  // so fill() makes room for all of it at once
    return false;
  }
  out.kind = static_cast<FrameKind>(p[4]);
  out.payload.assign(buf_.data() + begin_ + kFrameHeaderSize, n);
  begin_ += kFrameHeaderSize + n;
  consumed_ += kFrameHeaderSize + n;
  want_ = 0;
  if (begin_ == end_) begin_ = end_ = 0;
  return true;
}

void Channel::grow_big(std::size_t target, std::size_t frame_size) {
  // Frames up to this size get their whole room at once: address space
  // only, since pages are touched (by resize, below) no faster than bytes
  // arrive, and no copy of what came so far each time the room grows.
  constexpr std::size_t kReserveWhole = std::size_t{32} << 20;
  if (target > big_.capacity()) {
    // Otherwise just the target, which fill() keeps at twice the bytes in
    // at least (so growth stays geometric), never past the frame: a header
    // claiming a gigabyte costs its sender the bytes. A new string, as
    // reserve() on this one would double its capacity on top of that.
    std::string grown;
    grown.reserve(frame_size <= kReserveWhole ? frame_size : std::min(frame_size, target));
    detail::advise_huge_pages(grown.data(), grown.capacity());
    grown.append(big_);
    big_.swap(grown);
  }
  big_.resize(target);
}

void Channel::start_direct(FrameKind kind, std::uint32_t size) {
  // Every buffered byte belongs to this frame (it is not complete): they
  // move to big_, and the rest of the frame is read straight after them.
  const std::size_t held = end_ - begin_ - kFrameHeaderSize;
  if (recycler_ && big_.capacity() < size) {
    // A kept buffer whose pages are in already, if it fits this frame and
    // is not so much larger that a queue holding the frame would waste it.
    std::string kept = recycler_->take_as_is();
    if (kept.capacity() >= size && kept.capacity() <= 2 * std::size_t{size} + (std::size_t{1} << 20)) big_.swap(kept);
    recycler_->give_as_is(std::move(kept));
  }
  if (big_.size() < held) grow_big(held, size);
  if (held) std::memcpy(big_.data(), buf_.data() + begin_ + kFrameHeaderSize, held);
  begin_ = end_ = 0;
  want_ = 0;
  direct_ = true;
  direct_kind_ = kind;
  direct_size_ = size;
  direct_got_ = held;
}

bool Channel::recv_some(char* p, std::size_t len, bool dont_wait, std::size_t& got) {
  // recvmsg, so descriptors sent with SCM_RIGHTS are kept, not dropped.
  const ssize_t r = recv_with_fds(fd_, p, len, dont_wait ? MSG_DONTWAIT : 0, fds_);
  if (r > 0) got += static_cast<std::size_t>(r);
  // A peer that died with our bytes unread resets the connection: that is
  // its death, not a protocol error.
  if (r == 0 || (r < 0 && errno == ECONNRESET)) {
    eof_ = true;
    return false;
  }
  if (r < 0 && !(dont_wait && (errno == EAGAIN || errno == EWOULDBLOCK)))
    error_ = std::string("read failed: ") + std::strerror(errno);
  return r > 0;
}

bool Channel::fill(bool dont_wait) {
  if (direct_ && direct_got_ < direct_size_) {
    // Room for the rest of the frame, allocated only as far as the bytes
    // received or already waiting in the socket justify: a header claiming
    // a gigabyte still costs its sender the bytes (the rule below).
    // Only once the room left is short of a read: growing at every read
    // would copy everything received so far each time (quadratic in a
    // frame of hundreds of megabytes).
    if (big_.size() < direct_size_ && big_.size() - direct_got_ < kReadSize) {
      int queued = 0;
      if (::ioctl(fd_, FIONREAD, &queued) != 0 || queued < 0) queued = 0;
      const std::size_t room = std::max({kReadSize, direct_got_, static_cast<std::size_t>(queued)});
      const std::size_t target = std::min<std::size_t>(direct_size_, direct_got_ + room);
      if (target > big_.size()) grow_big(target, direct_size_);
    }
    const std::size_t len = std::min(big_.size(), direct_size_) - direct_got_;
    return recv_some(big_.data() + direct_got_, len, dont_wait, direct_got_);
  }
  // (A complete frame in big_ waits to be taken; what follows it goes to buf_.)
  // Room for the rest of a frame whose size is known, or a 64 KiB read. The
  // buffer only grows, and bytes are zeroed once, when it does. It grows at
  // most by the bytes already held, so a bare header claiming a gigabyte
  // costs a peer that gigabyte's worth of bytes actually sent, not 5. A
  // frame of direct_receive_ bytes or more never needs the room: it is read
  // into big_ (above) once its header is in.
  const std::size_t held = end_ - begin_;
  const std::size_t rest = want_ > held ? want_ - held : 0;
  const std::size_t room = std::max<std::size_t>(kReadSize, std::min(rest, held));
  if (begin_ > 0 && buf_.size() - end_ < room) {
    std::memmove(buf_.data(), buf_.data() + begin_, held);
    begin_ = 0;
    end_ = held;
  }
  if (buf_.size() - end_ < room) buf_.resize(end_ + room);
  // At most room: the bytes of a large frame after its header go to big_.
  return recv_some(buf_.data() + end_, room, dont_wait, end_);
}

bool Channel::spin_until_readable(std::chrono::nanoseconds budget) {
  const auto end = std::chrono::steady_clock::now() + budget;
  for (std::uint32_t round = 0;; ++round) {
    // A doorbell is not an answer: it only says one is in the lane (or was:
    // a reader that said it would sleep may have found its frame already).
    drop_doorbells();
    if (fd_ < 0 || eof_ || end_ > begin_ || (direct_ && direct_got_ > 0) || lane_begin_ < lane_in_.size() ||
        lane_ready())
      return true;
    // Each look at the socket is a system call: with a lane, where small
    // answers come, it is looked at only now and then. A read failure is
    // found again by the receive that follows.
    if (!lane_ || round % 64 == 63) {
      fill(true);
      if (eof_ || !error_.empty()) return true;
    }
    if (std::chrono::steady_clock::now() >= end) return false;
  }
}

ReceiveStatus Channel::receive(Frame& out, std::optional<std::chrono::steady_clock::time_point> deadline, int wake_fd,
                               int exit_fd) {
  for (;;) {
    error_.clear();
    if (take_buffered(out)) return ReceiveStatus::frame;
    if (!error_.empty()) return ReceiveStatus::error;
    if (fd_ < 0 || eof_) {
      if (end_ > begin_ || direct_) error_ = "connection closed in the middle of a frame";
      return error_.empty() ? ReceiveStatus::eof : ReceiveStatus::error;
    }
    if (!may_sleep()) continue;  // a lane message came
    // poll even with nothing else to watch: a blocking recvmsg on a Unix
    // socket is woken whenever the peer reads what this end wrote (the
    // kernel's write-space wake-up reaches every sleeper on the socket,
    // whatever it waits for), so a worker would wake, find nothing and sleep
    // again once per reply, preempting the host thread reading that reply.
    // poll wakes for input only. (Descriptors of -1 are ignored.)
    pollfd fds[3] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}, {exit_fd, POLLIN, 0}};
    int timeout_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      timeout_ms = poll_timeout_ms(left);
    }
    const int r = ::poll(fds, 3, timeout_ms);
    woke();
    if (r < 0) {
      if (errno == EINTR) continue;
      error_ = std::string("poll failed: ") + std::strerror(errno);
      return ReceiveStatus::error;
    }
    if (r == 0) return ReceiveStatus::timeout;
    if (fds[0].revents) {
      if (!fill() && !eof_) return ReceiveStatus::error;
      continue;
    }
    if (fds[1].revents) return ReceiveStatus::woken;
    if (fds[2].revents) {
      // The worker has exited, so everything it wrote is already buffered in
      // the socket: read it to the end before calling it dead.
      // Non-blocking: a grandchild of the worker may still hold the socket.
      while (!eof_ && fill(true)) {
      }
      if (take_buffered(out)) return ReceiveStatus::frame;
      return ReceiveStatus::peer_exited;
    }
  }
}

}  // namespace ferry::wire
