// The fuzz input is the byte stream a hostile ferry-worker writes to the
// host: it goes into one end of a socketpair, and the host's side reads it
// with wire::Channel exactly as Worker does (a deadline, so through poll),
// then decodes every frame's payload with the message decoder of its kind
// and, for a hello, parses the task signatures as the validator does.
// Malformed input must end in a receive error or a ferry::ValueError; a
// crash, an escaping exception of another type, a hang or a huge allocation
// is a bug. A message that decodes must re-encode to the same bytes.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <type_traits>

#include <ferry/value.hpp>

#include "values/type_expr.hpp"
#include "wire/frame.hpp"
#include "wire/messages.hpp"

namespace {

using namespace ferry::wire;

// A unix stream socket buffers at least this much, so one blocking write of
// the whole input never waits for a reader.
constexpr std::size_t kMaxStream = std::size_t{1} << 16;

// Decodes the payload as M. What decodes must encode to the very same bytes:
// the decoders in messages.cpp mirror the encoders field for field, and this
// catches the two drifting apart.
// Some messages have more than one encoding: calls and replies (their
// compact forms, messages.cpp, are the encoder's choice), and hellos (a
// task's schema text is read leniently, records it does not know skipped).
// For them what decodes must encode the same message, which then encodes
// to itself; calls and replies also in no more bytes.
bool same(const Hello& a, const Hello& b) {
  return a.abi_version == b.abi_version && a.pid == b.pid && a.plugin_name == b.plugin_name &&
         a.plugin_version == b.plugin_version && a.tasks == b.tasks && a.protocol == b.protocol;
}
bool same(const CallRequest& a, const CallRequest& b) {
  return a.id == b.id && a.task == b.task && a.flags == b.flags && a.item_timeout_ns == b.item_timeout_ns &&
         a.log_level == b.log_level && a.log_rate == b.log_rate && a.items == b.items;
}
bool same(const CallReply& a, const CallReply& b) {
  if (a.id != b.id || !(a.items == b.items)) return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (a.status_of(i) != b.status_of(i)) return false;
  return true;
}

template <class M>
bool encodes_back(const M& m, const std::string& payload) {
  if constexpr (std::is_same_v<M, Hello> || std::is_same_v<M, CallRequest> || std::is_same_v<M, CallReply>) {
    const std::string again = encode(m);
    M back;
    decode(again, back);
    const bool shorter = std::is_same_v<M, Hello> || again.size() <= payload.size();
    return shorter && same(back, m) && encode(back) == again;
  } else {
    return encode(m) == payload;
  }
}

template <class M>
void decode_as(const Frame& frame, M& m) {
  try {
    decode(frame.payload, m);
  } catch (const ferry::ValueError&) {  // refused: fine; anything else escapes and is reported
    return;
  }
  if (!encodes_back(m, frame.payload)) {
    std::fprintf(stderr, "fuzz_frame: a decoded message of kind %d encodes to other bytes\n",
                 static_cast<int>(frame.kind));
    std::abort();
  }
}

void decode_payload(const Frame& frame) {
  switch (frame.kind) {
    case FrameKind::hello: {
      Hello h;
      decode_as(frame, h);
      for (const auto& t : h.tasks) {
        if (auto params = ferry::types::parse_params(t.params))
          for (const auto& p : *params) (void)ferry::types::to_string(p);
        if (auto result = ferry::types::parse_type(t.result)) (void)ferry::types::to_string(*result);
      }
      break;
    }
    case FrameKind::load_failed: {
      LoadFailed f;
      decode_as(frame, f);
      break;
    }
    case FrameKind::call: {
      CallRequest c;
      decode_as(frame, c);
      break;
    }
    case FrameKind::reply: {
      CallReply r;
      decode_as(frame, r);
      break;
    }
    case FrameKind::log: {
      LogLine l;
      decode_as(frame, l);
      break;
    }
    default:
      // shutdown and manager frames: the framing is all there is to check
      // here (manager requests are decoded by the manager, not by Worker).
      break;
  }
}

void write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t w = ::write(fd, data, size);
    if (w <= 0) {
      std::perror("fuzz_frame: write");
      std::abort();
    }
    data += w;
    size -= static_cast<std::size_t>(w);
  }
}

// Reads frames until the stream ends or stalls; false when it stalled (a
// timeout: the rest of the input is not written yet).
bool read_frames(Channel& channel, std::chrono::steady_clock::time_point deadline) {
  Frame frame;
  for (;;) {
    const auto status = channel.receive(frame, deadline);
    if (status == ReceiveStatus::timeout) return false;
    if (status != ReceiveStatus::frame) {
      // Everything was written before the read, so only these can happen.
      if (status != ReceiveStatus::eof && status != ReceiveStatus::error) {
        std::fprintf(stderr, "fuzz_frame: unexpected receive status %d\n", static_cast<int>(status));
        std::abort();
      }
      if (status == ReceiveStatus::error && channel.error().empty()) std::abort();
      return true;
    }
    if (!is_known_kind(static_cast<std::uint8_t>(frame.kind))) std::abort();
    decode_payload(frame);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxStream) size = kMaxStream;
  // Twice: the whole stream at once with the host's settings, then in three
  // parts, read as they come, by a channel that receives every frame of 16
  // bytes or more straight into its payload (the path 64 KiB frames take).
  for (const std::size_t direct : {kDefaultDirectReceive, std::size_t{16}}) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      std::perror("fuzz_frame: socketpair");
      std::abort();
    }
    Channel channel(fds[0], kDefaultMaxFrame, direct);  // owns fds[0]; the host's default frame limit
    const std::size_t cuts[] = {direct == kDefaultDirectReceive ? size : size / 3, size - size / 3, size};
    std::size_t written = 0;
    bool ended = false;
    for (const std::size_t cut : cuts) {
      write_all(fds[1], data + written, cut - written);
      written = cut;
      if (cut == size) ::close(fds[1]);  // the worker is gone: the host reads to the end
      // A deadline already passed while more input is to come: read what is there.
      const auto deadline = cut == size ? std::chrono::steady_clock::now() + std::chrono::seconds(5)
                                        : std::chrono::steady_clock::now();
      if (!ended) ended = read_frames(channel, deadline);
      if (cut == size) break;
    }
    if (!ended) {
      std::fprintf(stderr, "fuzz_frame: the stream did not end\n");
      std::abort();
    }
  }
  return 0;
}
