// The manager protocol's bytes (manager_protocol.hpp), written and read
// directly: exactly the layout cereal's binary archive gives Request and
// Reply (raw little-endian integers, u64 lengths), so either side may use
// cereal or these. Requests come in floods (a queue put per item), and going
// through a std::ostream and an archive cost more than the rest of a put.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <ferry/errors.hpp>
#include <ferry/manager_protocol.hpp>

namespace ferry::manager {

namespace codec_detail {

template <class T>
void append_raw(std::string& out, T x) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.append(reinterpret_cast<const char*>(&x), sizeof x);
}

inline void append_string(std::string& out, std::string_view s) {
  append_raw(out, static_cast<std::uint64_t>(s.size()));
  out.append(s);
}

inline void append_strings(std::string& out, const std::vector<std::string>& v) {
  append_raw(out, static_cast<std::uint64_t>(v.size()));
  for (const auto& s : v) append_string(out, s);
}

// Reads the layout back from bytes a possibly hostile peer sent: every length
// is checked against the bytes left before anything is allocated.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  template <class T>
  T raw() {
    need(sizeof(T));
    T x;
    std::memcpy(&x, in_.data() + pos_, sizeof x);
    pos_ += sizeof x;
    return x;
  }
  // A length-prefixed string, as a view of the input.
  std::string_view view() {
    const std::size_t n = count(1);
    pos_ += n;
    return in_.substr(pos_ - n, n);
  }
  void string(std::string& s) { s.assign(view()); }
  void strings(std::vector<std::string>& v) {
    v.resize(count(sizeof(std::uint64_t)));  // each string takes at least its length
    for (auto& s : v) string(s);
  }
  void finish() const {
    if (pos_ != in_.size()) throw ValueError(std::to_string(in_.size() - pos_) + " bytes left over after decoding");
  }

  // A u64 length or count, checked against the bytes left, each element
  // taking at least each bytes.
  std::size_t count(std::size_t each) {
    const auto n = raw<std::uint64_t>();
    if (n > left() / each)
      throw ValueError("a length of " + std::to_string(n) + " is more than the " + std::to_string(left()) +
                       " bytes left hold");
    return static_cast<std::size_t>(n);
  }

 private:
  std::size_t left() const { return in_.size() - pos_; }
  void need(std::size_t n) const {
    if (left() < n)
      throw ValueError("needs " + std::to_string(n) + " more bytes, but " + std::to_string(left()) + " are left");
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace codec_detail

// Appends r's encoding to out (what cereal writes for Request::serialize).
inline void encode_into(std::string& out, const Request& r) {
  using namespace codec_detail;
  out.reserve(out.size() + 41 + r.name.size() + r.type.size() + (r.args.empty() ? 0 : r.args.front().size() + 8));
  append_raw(out, static_cast<std::underlying_type_t<Op>>(r.op));
  append_string(out, r.name);
  append_string(out, r.type);
  append_strings(out, r.args);
  append_raw(out, r.timeout_ms);
  append_raw(out, r.capacity);
}

// Appends the encoding of the request {op, name, type, {argument},
// timeout_ms, capacity}, where write_arg(out) appends the argument's bytes
// straight into place: the item is encoded once, never copied into a
// Request first.
template <class WriteArg>
void encode_with_arg_into(std::string& out, Op op, std::string_view name, std::string_view type,
                          std::int64_t timeout_ms, std::uint64_t capacity, WriteArg&& write_arg) {
  using namespace codec_detail;
  append_raw(out, static_cast<std::underlying_type_t<Op>>(op));
  append_string(out, name);
  append_string(out, type);
  append_raw(out, std::uint64_t{1});  // one argument
  const std::size_t length_at = out.size();
  append_raw(out, std::uint64_t{0});  // its length, known once it is written
  write_arg(out);
  const auto length = static_cast<std::uint64_t>(out.size() - length_at - sizeof(std::uint64_t));
  std::memcpy(out.data() + length_at, &length, sizeof length);
  append_raw(out, timeout_ms);
  append_raw(out, capacity);
}

// Appends r's encoding to out (what cereal writes for Reply::serialize).
inline void encode_into(std::string& out, const Reply& r) {
  using namespace codec_detail;
  append_raw(out, static_cast<std::underlying_type_t<Status>>(r.status));
  append_strings(out, r.values);
  append_string(out, r.error);
}

// The encoding of r.
template <class M>
  requires std::is_same_v<M, Request> || std::is_same_v<M, Reply>
std::string encode(const M& r) {
  std::string out;
  encode_into(out, r);
  return out;
}

// Decodes exactly the bytes given into r; throws ferry::ValueError on short,
// long or inconsistent input. The op or status is not checked against the
// known ones: the manager refuses an unknown op as it handles it.
inline void decode(std::string_view bytes, Request& r) {
  codec_detail::Reader in(bytes);
  r.op = static_cast<Op>(in.raw<std::underlying_type_t<Op>>());
  in.string(r.name);
  in.string(r.type);
  in.strings(r.args);
  r.timeout_ms = in.raw<std::int64_t>();
  r.capacity = in.raw<std::uint64_t>();
  in.finish();
}

// As above, but a request carrying one big item (a 10 MB put) takes the
// bytes over and becomes that item in place, rather than copying it out.
inline void decode(std::string&& bytes, Request& r) {
  constexpr std::size_t kAdoptFrom = 64 * 1024;  // below this a copy costs less than the memmove
  if (bytes.size() < kAdoptFrom) return decode(std::string_view(bytes), r);
  codec_detail::Reader in(bytes);
  r.op = static_cast<Op>(in.raw<std::underlying_type_t<Op>>());
  in.string(r.name);
  in.string(r.type);
  std::vector<std::string_view> args(in.count(sizeof(std::uint64_t)));
  for (auto& a : args) a = in.view();
  r.timeout_ms = in.raw<std::int64_t>();
  r.capacity = in.raw<std::uint64_t>();
  in.finish();
  r.args.assign(args.size(), {});
  if (args.size() == 1 && args[0].size() >= kAdoptFrom) {
    const auto begin = static_cast<std::size_t>(args[0].data() - bytes.data()), size = args[0].size();
    bytes.resize(begin + size);
    bytes.erase(0, begin);
    r.args[0] = std::move(bytes);
    return;
  }
  for (std::size_t i = 0; i < args.size(); ++i) r.args[i].assign(args[i]);
}

// Decodes exactly the bytes given into r; throws ferry::ValueError as above.
inline void decode(std::string_view bytes, Reply& r) {
  codec_detail::Reader in(bytes);
  r.status = static_cast<Status>(in.raw<std::underlying_type_t<Status>>());
  in.strings(r.values);
  in.string(r.error);
  in.finish();
}

}  // namespace ferry::manager
