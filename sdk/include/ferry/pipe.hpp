// ferry::Connection<T>: one end of a ferry::Engine::pipe, like the two
// Connection objects Python's multiprocessing.Pipe() returns. Messages are
// cereal-encoded Ts, length-prefixed, over a Unix socketpair; an end passed as
// a task argument reaches the worker as its own descriptor (SCM_RIGHTS).
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <ferry/codec.hpp>
#include <ferry/detail/huge_pages.hpp>
#include <ferry/errors.hpp>
#include <ferry/shared.hpp>
#include <ferry/signature.hpp>

namespace ferry {

// Thread-safe: sends are serialised with each other, and receives with each
// other. Copies share the same end.
template <class T>
class Connection : public detail::BindsToLink {
 public:
  Connection() = default;
  // An end registered with a manager as id; readable/writable say which
  // directions it allows (a one-way pipe has one of each).
  Connection(std::shared_ptr<ManagerLink> link, std::uint64_t id, bool readable, bool writable)
      : state_(std::make_shared<State>()) {
    state_->link = std::move(link);
    state_->id = id;
    state_->readable = readable;
    state_->writable = writable;
  }

  // Sends one message; throws ferry::ManagerError when the other end is gone.
  // In a task, what the task posted to the manager (dict sets, queue puts)
  // takes effect first: whoever receives the message also sees those.
  void send(const T& message) {
    State& s = opened();
    if (!s.writable) throw ManagerError("this end of the pipe can only receive");
    s.link->settle();
    std::lock_guard lock(s.send_mu);
    if constexpr (detail::is_raw_bytes_v<T>) {
      const auto& bytes = detail::raw_bytes(message);
      std::uint64_t sizes[2] = {sizeof(std::uint64_t) + bytes.size(), bytes.size()};  // message, then cereal's length
      iovec iov[2] = {{sizes, sizeof sizes}, {const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size()}};
      write_all(s.fd, iov, 2);
      return;
    }
    // Encoded into the connection's own buffer, for the reason recv() reads into one.
    s.send_buffer.clear();
    codec::encode_into(s.send_buffer, message);
    const std::uint64_t n = s.send_buffer.size();
    write_all(s.fd, &n, sizeof n);
    write_all(s.fd, s.send_buffer.data(), s.send_buffer.size());
  }

  // Waits for one message; throws ferry::ManagerError at end of stream
  // (Python's EOFError).
  T recv() {
    State& s = opened();
    if (!s.readable) throw ManagerError("this end of the pipe can only send");
    std::lock_guard lock(s.recv_mu);
    std::uint64_t n = 0;
    read_all(s.fd, &n, sizeof n);
    if (n > kMaxMessage) throw ManagerError("pipe message of " + std::to_string(n) + " bytes is over the 1 GiB limit");
    std::size_t have = 0;  // bytes of the message already in recv_buffer
    if constexpr (detail::is_raw_bytes_v<T>) {
      // A big one is read straight into the result, not into the buffer first.
      if (n >= kDirectReceive) {
        std::uint64_t size = 0;
        read_all(s.fd, &size, sizeof size);
        if (size == n - sizeof size) {
          T out{};
          detail::reserve_fresh(detail::raw_bytes(out), size);
          detail::raw_bytes(out).resize(size);
          read_all(s.fd, detail::raw_bytes(out).data(), size);
          return out;
        }
        // Malformed: read the rest as usual, so the stream stays in step
        // and decoding says what is wrong with it.
        if (s.recv_buffer.size() < n) s.recv_buffer.resize(n);
        std::memcpy(s.recv_buffer.data(), &size, sizeof size);
        have = sizeof size;
      }
    }
    // Read into the connection's own buffer: a fresh 10 MB string per
    // message costs its page faults and zeroing every time.
    if (s.recv_buffer.size() < n) s.recv_buffer.resize(n);
    read_all(s.fd, s.recv_buffer.data() + have, n - have);
    T out{};
    codec::decode(std::string_view(s.recv_buffer.data(), n), out);
    return out;
  }

  // True when a message (or end of stream) can be read without blocking,
  // waiting at most timeout.
  template <class Rep = std::int64_t, class Period = std::milli>
  bool poll(std::chrono::duration<Rep, Period> timeout = std::chrono::milliseconds(0)) {
    pollfd p{opened().fd, POLLIN, 0};
    const auto ms = std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(timeout).count());
    int r;
    do {
      r = ::poll(&p, 1, static_cast<int>(ms));
    } while (r < 0 && errno == EINTR);
    return r > 0;
  }

  // Closes this process's descriptor for the end (other processes keep theirs).
  void close() {
    if (!state_) return;
    std::lock_guard lock(state_->open_mu);
    if (state_->fd >= 0) {
      ::close(state_->fd);
      state_->fd = -1;
      state_->closed = true;
    }
  }

  // Cereal: an end travels as its id; decoding opens it through the worker's
  // manager link.
  template <class Archive>
  void save(Archive& ar) const {
    if (!state_) throw ManagerError("an empty pipe connection cannot be sent");
    ar(state_->id, state_->readable, state_->writable);
  }
  template <class Archive>
  void load(Archive& ar) {
    state_ = std::make_shared<State>();
    ar(state_->id, state_->readable, state_->writable);
    state_->link = detail::current_link();
  }

 private:
  static constexpr std::uint64_t kMaxMessage = std::uint64_t{1} << 30;
  // From this size on, strings and bytes are received in place (below it,
  // one read into the buffer costs fewer system calls).
  static constexpr std::uint64_t kDirectReceive = 64 * 1024;

  struct State {
    std::shared_ptr<ManagerLink> link;
    std::uint64_t id = 0;
    bool readable = true, writable = true;
    int fd = -1;  // this process's descriptor, opened on first use
    bool closed = false;
    std::mutex open_mu, send_mu, recv_mu;
    // Reused by send() and recv(); each as large as the largest message.
    std::string send_buffer;  // guarded by send_mu
    std::string recv_buffer;  // guarded by recv_mu
    ~State() {
      if (fd >= 0) ::close(fd);
    }
  };

  State& opened() {
    if (!state_) throw ManagerError("empty pipe connection");
    std::lock_guard lock(state_->open_mu);
    if (state_->closed) throw ManagerError("this end of the pipe is closed");
    if (state_->fd < 0) {
      if (!state_->link) throw ManagerError("pipe end has no manager connection");
      state_->fd = state_->link->open_descriptor(state_->id);
    }
    return *state_;
  }

  static void write_all(int fd, const void* data, std::size_t size) {
    iovec iov{const_cast<void*>(data), size};
    write_all(fd, &iov, 1);
  }
  // Writes the parts in order, in as few system calls as the socket takes.
  static void write_all(int fd, iovec* iov, std::size_t count) {
    while (count > 0 && iov->iov_len == 0) ++iov, --count;
    while (count > 0) {
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = count;
      // MSG_NOSIGNAL: a closed other end is an exception here, not SIGPIPE.
      const ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw ManagerError(std::string("pipe send failed: ") + std::strerror(errno));
      auto left = static_cast<std::size_t>(w);
      while (count > 0 && left >= iov->iov_len) {
        left -= iov->iov_len;
        ++iov, --count;
      }
      if (count > 0) {
        iov->iov_base = static_cast<char*>(iov->iov_base) + left;
        iov->iov_len -= left;
      }
    }
  }
  static void read_all(int fd, void* data, std::size_t size) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
      const ssize_t r = ::read(fd, p, size);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) throw ManagerError("end of stream: the other end of the pipe is closed");
      if (r < 0) throw ManagerError(std::string("pipe receive failed: ") + std::strerror(errno));
      p += r;
      size -= static_cast<std::size_t>(r);
    }
  }

  std::shared_ptr<State> state_;
};

template <class T>
struct type_name_override<Connection<T>> {
  static inline const std::string name = "connection<" + type_name<T>() + ">";
};

}  // namespace ferry
