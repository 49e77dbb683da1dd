// Typed values to bytes and back: cereal binary archives over memory buffers.
// Shared by plugins (decoding arguments, encoding results) and by the host's
// typed API, so both sides agree on the bytes by construction.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <istream>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <ferry/bounded_archive.hpp>
#include <ferry/detail/value_archive.hpp>
#include <ferry/value.hpp>
#include <ferry/wire_format.hpp>

namespace ferry {
namespace detail {
// Types cereal writes as a u64 length and then their raw bytes: a pipe or a
// queue put moves them between the socket and the object itself, with no
// encode or decode copy (the bytes on the wire are the same).
template <class T>
constexpr bool is_raw_bytes_v =
    std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> || std::is_same_v<T, std::vector<std::uint8_t>>;
template <class T>
auto& raw_bytes(T& x) {
  if constexpr (std::is_same_v<std::remove_const_t<T>, Bytes>) return (x.data);
  else return (x);
}
}  // namespace detail
}  // namespace ferry

namespace ferry::codec {

// Appends to a caller-owned std::string; much cheaper than std::ostringstream.
class StringBuf : public std::streambuf {
 public:
  explicit StringBuf(std::string& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type ch) override {
    if (ch != traits_type::eof()) out_.push_back(static_cast<char>(ch));
    return ch;
  }

 private:
  std::string& out_;
};

namespace detail {

// Constructing a std::istream/ostream (locale set-up) costs more than
// encoding a small value, so each thread keeps one of each and points it at
// the buffer at hand. A nested use on the same thread (a serialize function
// that itself decodes) gets a fresh stream instead.
template <class Stream>
class StreamLease {
 public:
  explicit StreamLease(std::streambuf* buf) {
    thread_local Stream cached(nullptr);
    thread_local bool busy = false;
    if (busy) {
      own_.emplace(buf);
      stream_ = &*own_;
      return;
    }
    busy = true;
    busy_ = &busy;
    cached.rdbuf(buf);
    cached.clear();
    stream_ = &cached;
  }
  ~StreamLease() {
    if (busy_) {
      stream_->rdbuf(nullptr);
      *busy_ = false;
    }
  }
  StreamLease(const StreamLease&) = delete;
  StreamLease& operator=(const StreamLease&) = delete;
  Stream& get() { return *stream_; }

 private:
  Stream* stream_ = nullptr;
  bool* busy_ = nullptr;
  std::optional<Stream> own_;
};

}  // namespace detail

namespace detail {
// cereal's binary archive writes an arithmetic value as its raw bytes; for
// argument lists made only of those, skip the archive machinery (which costs
// more than the value) and write the same bytes directly.
template <class... Args>
inline constexpr bool all_arithmetic_v = sizeof...(Args) > 0 && (wire_format::kRawScalar<Args> && ...);

// Raw arguments of total bytes given got bytes: the same errors the archive
// would raise. Out of line, so the decoding it guards stays small enough to
// inline into a task's call path.
[[noreturn, gnu::cold, gnu::noinline]] inline void raw_size_mismatch(std::size_t total, std::size_t got) {
  if (got < total)
    throw cereal::Exception("Failed to read " + std::to_string(total) + " bytes from input stream! Read " +
                            std::to_string(got));
  throw ValueError(std::to_string(got - total) + " bytes left over after decoding");
}
}  // namespace detail

// Appends the cereal binary encoding of args, in order, to out.
template <class... Args>
void encode_into(std::string& out, const Args&... args) {
  if constexpr (detail::all_arithmetic_v<Args...>) {
    (wire_format::append_scalar(out, args), ...);
    return;
  }
  StringBuf buf(out);
  detail::StreamLease<std::ostream> os(&buf);
  cereal::BinaryOutputArchive ar(os.get());
  if constexpr (sizeof...(Args) > 0) ar(args...);  // cereal has no empty ar(): a task may take no arguments
}

// The cereal binary encoding of args, in order.
template <class... Args>
std::string encode(const Args&... args) {
  std::string out;
  encode_into(out, args...);
  return out;
}

// Decodes args, in order, from exactly the bytes given. Throws
// cereal::Exception on short input, and ValueError on trailing bytes or a
// length the input cannot hold (checked before allocating).
template <class... Args>
void decode(std::string_view bytes, Args&... args) {
  if constexpr (detail::all_arithmetic_v<Args...>) {
    constexpr std::size_t total = (sizeof(Args) + ...);
    if (bytes.size() != total) [[unlikely]]
      detail::raw_size_mismatch(total, bytes.size());
    const char* p = bytes.data();
    ((args = wire_format::read_scalar<Args>(p), p += sizeof(Args)), ...);
    return;
  }
  SpanBuf buf(bytes.data(), bytes.size());
  BoundedInputArchive ar(buf);  // bytes may come from another, hostile process
  if constexpr (sizeof...(Args) > 0) ar(args...);  // cereal has no empty ar(): a task may take no arguments
  if (buf.remaining() != 0)
    throw ValueError(std::to_string(buf.remaining()) + " bytes left over after decoding");
}

// Encodes one Value (the archive detail::save_value writes, made directly).
inline std::string encode_value(const Value& v) {
  std::string out;
  ferry::detail::append_value(out, v);
  return out;
}

// Decodes one Value from exactly the bytes given; refuses malformed, truncated
// or too deeply nested input with ValueError.
inline Value decode_value(std::string_view bytes) {
  ferry::detail::ValueArchiveReader reader(bytes);
  Value v;
  try {
    v = reader.read();
  } catch (const ValueError&) {
    throw;
  } catch (const std::exception& e) {  // std::bad_alloc, std::length_error
    throw ValueError(std::string("malformed value: ") + e.what());
  }
  if (reader.remaining() != 0)
    throw ValueError(std::to_string(reader.remaining()) + " bytes left over after decoding a value");
  return v;
}

}  // namespace ferry::codec
