// A shared page beside a manager socket, carrying small frames both ways.
//
// A worker doing dict or lock operations back to back waits for each reply;
// over the socket every round trip costs four system calls (send and
// receive at both ends: ~9 us on this project's VMs even when both ends
// spin, bench/limits/pingpong), while two processes spinning on a shared
// cache line see each other's writes in well under a microsecond. So the
// host offers the worker a page with one slot each way (a manager_lane
// frame, the page's memfd attached); a frame sequence that fits a slot is
// copied there instead of written to the socket, and the peer's spin finds
// it without a system call.
//
// The socket stays the channel's spine: it carries what does not fit, every
// descriptor, the end of the connection, and a doorbell frame when the
// reader of a slot said it was going to sleep on the socket. Order is kept
// by byte counts: a slot message records how many socket bytes its writer
// had sent before it, and the reader takes it only once it has taken that
// many from the socket. A slot holds one message; a writer whose last
// message is not yet taken uses the socket. Only a message that ends in a
// request or a reply goes in a slot: its writer then sends nothing until
// the peer answered, so nothing it sends later can overtake it. The
// manager's end also reads its socket once before taking each message
// (Channel::take_buffered): bytes a task wrote to the socket itself are in
// no count, and junk there must fail the request after it.
//
// The page is sealed at its size, so a peer cannot shrink it under the
// other (a SIGBUS). Everything read from it is copied out first and then
// checked like socket bytes: a worker scribbling on it breaks only its own
// connection.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace ferry::wire {

class Lane {
 public:
  // The most bytes (whole frames, headers included) one message carries.
  static constexpr std::size_t kSlotBytes = 32 * 1024;

  // A new page for the host's end, its memfd kept for the manager_lane
  // frame until release_fd(); null when none can be made (the socket
  // alone then serves, as before).
  static std::unique_ptr<Lane> create();
  // The worker's end of the page fd (taken over: closed here); null when
  // it is not a sealed page of the expected size.
  static std::unique_ptr<Lane> adopt(int fd);
  ~Lane();
  Lane(const Lane&) = delete;
  Lane& operator=(const Lane&) = delete;

  // The memfd to send (the host's, until release_fd), else -1.
  int fd() const { return fd_; }
  void release_fd();

  // Whether a message fits and the peer took the last one, so that
  // publish() may be called now.
  bool can_publish(std::size_t bytes) const;
  // Copies the bytes of iov (can_publish said they fit) as one message,
  // after `after` socket bytes. Returns whether the peer may be asleep on
  // the socket, so that a doorbell must follow.
  bool publish(std::span<const iovec> iov, std::size_t bytes, std::uint64_t after);

  // A message not yet taken, and the socket bytes that must be taken
  // before it; false when there is none.
  bool peek(std::uint64_t& after) const;
  bool peek() const {
    std::uint64_t after = 0;
    return peek(after);
  }
  // Appends the message to out (at most kSlotBytes; a scribbled size is
  // clamped: the frames in it fail their checks) and marks it taken.
  void take(std::string& out);

  // Tells the peer that this end is about to sleep on the socket (asleep:
  // true; send a doorbell after publishing) or awake. Going to sleep, call
  // peek() afterwards: a message published meanwhile is found there.
  void set_asleep(bool asleep);

 private:
  struct Slot;
  struct Page;
  enum class Side { host, worker };
  Lane(void* base, int fd, Side side);
  static std::size_t mapped_bytes();  // the page's size, whole pages

  Page* page_;
  int fd_;
  Slot* in_;   // what the peer writes
  Slot* out_;  // what this end writes
  std::uint64_t seen_ = 0;  // messages of in_ taken
  std::uint64_t sent_ = 0;  // messages written to out_
};

}  // namespace ferry::wire
