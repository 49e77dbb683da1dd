// The manager protocol's bytes (manager_protocol.hpp), written and read
// directly with <ferry/wire_format.hpp>'s primitives: exactly the layout
// cereal's binary archive gives Request and Reply, so either side may use
// cereal or these. Requests come in floods (a queue put per item), and going
// through a std::ostream and an archive cost more than the rest of a put.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <ferry/byte_reader.hpp>
#include <ferry/errors.hpp>
#include <ferry/manager_protocol.hpp>
#include <ferry/wire_format.hpp>

namespace ferry::manager {


// Appends r's encoding to out (what cereal writes for Request::serialize).
inline void encode_into(std::string& out, const Request& r) {
  using namespace wire_format;
  out.reserve(out.size() + 41 + r.name.size() + r.type.size() + (r.args.empty() ? 0 : r.args.front().size() + 8));
  append_scalar(out, static_cast<std::underlying_type_t<Op>>(r.op));
  append_string(out, r.name);
  append_string(out, r.type);
  append_strings(out, r.args);
  append_scalar(out, r.timeout_ms);
  append_scalar(out, r.capacity);
}

// Appends the encoding of the request {op, name, type, {argument},
// timeout_ms, capacity}, where write_arg(out) appends the argument's bytes
// straight into place: the item is encoded once, never copied into a
// Request first.
template <class WriteArg>
void encode_with_arg_into(std::string& out, Op op, std::string_view name, std::string_view type,
                          std::int64_t timeout_ms, std::uint64_t capacity, WriteArg&& write_arg) {
  using namespace wire_format;
  append_scalar(out, static_cast<std::underlying_type_t<Op>>(op));
  append_string(out, name);
  append_string(out, type);
  append_length(out, 1);                          // one argument
  const std::size_t length_at = reserve_length(out);  // its length, known once it is written
  write_arg(out);
  patch_length(out, length_at);
  append_scalar(out, timeout_ms);
  append_scalar(out, capacity);
}

// The encoding of the request {op, name, type, {argument}, timeout_ms,
// capacity} whose argument is what cereal writes for a string or bytes
// (a u64 length, then raw), as three parts sent back to back: head (written
// into head, cleared first), raw itself, untouched, and tail (written into
// tail, cleared first). A 10 MB item is then never copied to be encoded.
inline void encode_raw_arg_parts(std::string& head, std::string& tail, Op op, std::string_view name,
                                 std::string_view type, std::int64_t timeout_ms, std::uint64_t capacity,
                                 std::string_view raw) {
  using namespace wire_format;
  head.clear();
  append_scalar(head, static_cast<std::underlying_type_t<Op>>(op));
  append_string(head, name);
  append_string(head, type);
  append_length(head, 1);                     // one argument
  append_length(head, kLengthSize + raw.size());  // its length
  append_length(head, raw.size());            // cereal's length of the string
  tail.clear();
  append_scalar(tail, timeout_ms);
  append_scalar(tail, capacity);
}

// Appends r's encoding to out (what cereal writes for Reply::serialize).
inline void encode_into(std::string& out, const Reply& r) {
  using namespace wire_format;
  append_scalar(out, static_cast<std::underlying_type_t<Status>>(r.status));
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

namespace codec_detail {
// Reads a request's fields from exactly the bytes given, its arguments
// through read_args(reader).
template <class ReadArgs>
void read_request(std::string_view bytes, Request& r, ReadArgs&& read_args) {
  ferry::detail::ByteReader in(bytes);
  r.op = static_cast<Op>(in.raw<std::underlying_type_t<Op>>());
  in.string(r.name);
  in.string(r.type);
  read_args(in);
  r.timeout_ms = in.raw<std::int64_t>();
  r.capacity = in.raw<std::uint64_t>();
  in.finish();
}
}  // namespace codec_detail

// Decodes exactly the bytes given into r; throws ferry::ValueError on short,
// long or inconsistent input. The op or status is not checked against the
// known ones: the manager refuses an unknown op as it handles it.
inline void decode(std::string_view bytes, Request& r) {
  codec_detail::read_request(bytes, r, [&](ferry::detail::ByteReader& in) { in.strings(r.args); });
}

// As above, but a request carrying one big item (a 10 MB put) takes the
// bytes over and becomes that item in place, rather than copying it out.
inline void decode(std::string&& bytes, Request& r) {
  constexpr std::size_t kAdoptFrom = 64 * 1024;  // below this a copy costs less than the memmove
  if (bytes.size() < kAdoptFrom) return decode(std::string_view(bytes), r);
  std::string_view only;  // the argument when there is one: left in place until the rest checked out
  codec_detail::read_request(bytes, r, [&](ferry::detail::ByteReader& in) {
    r.args.resize(in.count(wire_format::kLengthSize));
    if (r.args.size() == 1) only = in.view();
    else
      for (auto& a : r.args) in.string(a);
  });
  if (r.args.size() != 1) return;
  if (only.size() < kAdoptFrom) {
    r.args[0].assign(only);
    return;
  }
  const auto begin = static_cast<std::size_t>(only.data() - bytes.data()), size = only.size();
  bytes.resize(begin + size);
  bytes.erase(0, begin);
  r.args[0] = std::move(bytes);
}

// Decodes exactly the bytes given into r; throws ferry::ValueError as above.
inline void decode(std::string_view bytes, Reply& r) {
  ferry::detail::ByteReader in(bytes);
  r.status = static_cast<Status>(in.raw<std::underlying_type_t<Status>>());
  in.strings(r.values);
  in.string(r.error);
  in.finish();
}

}  // namespace ferry::manager
