#include "wire/messages.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <type_traits>

#include <ferry/codec.hpp>
#include <ferry/manager_codec.hpp>
#include <ferry/wire_format.hpp>

namespace ferry {

template <class Archive>
void serialize(Archive& ar, TaskInfo& t) {  // encoding only: Loader below decodes
  std::string schema = t.schema_text();
  ar(t.name, t.params, t.result, t.doc, schema);
}

namespace wire {

template <class Archive>
void serialize(Archive& ar, Hello& m) {
  ar(m.protocol, m.abi_version, m.pid, m.plugin_name, m.plugin_version, m.tasks);
}
template <class Archive>
void serialize(Archive& ar, LoadFailed& m) {
  ar(m.reason);
}
template <class Archive>
void serialize(Archive& ar, LogLine& m) {
  ar(m.level, m.task, m.message, m.call, m.item, m.dropped);
}

namespace {

// The decoding side of the serialize functions above, field for field, with
// every claimed length checked before anything is allocated: cereal's own
// loaders for std::string and std::vector resize to the length the input
// claims before reading a byte of it, so a 13-byte payload could make the
// host allocate and zero gigabytes. Here a string's length or a vector's
// count is checked first against the bytes left (see min_size).
class Loader {
 public:
  Loader(cereal::BinaryInputArchive& ar, const codec::SpanBuf& in) : ar_(ar), in_(in) {}

  template <class... T>
  void operator()(T&... fields) {
    (load(fields), ...);
  }

 private:
  std::size_t count(std::size_t each) {
    std::uint64_t n = 0;
    ar_(n);
    if (n > in_.remaining() / each)
      throw ValueError("a length of " + std::to_string(n) + " is more than the " + std::to_string(in_.remaining()) +
                       " bytes left hold");
    return static_cast<std::size_t>(n);
  }
  template <class T>
    requires std::is_arithmetic_v<T> || std::is_enum_v<T>
  void load(T& x) {
    ar_(x);
  }
  void load(std::string& s) {
    s.resize(count(1));
    ar_(cereal::binary_data(s.data(), s.size()));
  }
  void load(TaskInfo& t) {
    std::string schema;
    (*this)(t.name, t.params, t.result, t.doc, schema);
    t.parse_schema(schema);
  }
  // The fewest bytes an element takes: its fields' u64 lengths.
  template <class T>
  static constexpr std::size_t min_size() {
    if constexpr (std::is_same_v<T, TaskInfo>) return 5 * sizeof(std::uint64_t);
    else return sizeof(std::uint64_t);  // std::string
  }
  template <class T>
  void load(std::vector<T>& v) {
    v.resize(count(min_size<T>()));
    for (auto& e : v) load(e);
  }

  cereal::BinaryInputArchive& ar_;
  const codec::SpanBuf& in_;
};

void load(Loader& in, Hello& m) { in(m.protocol, m.abi_version, m.pid, m.plugin_name, m.plugin_version, m.tasks); }
void load(Loader& in, LoadFailed& m) { in(m.reason); }
void load(Loader& in, LogLine& m) { in(m.level, m.task, m.message, m.call, m.item, m.dropped); }

template <class M>
void decode_message(std::string_view bytes, M& m, const char* what) {
  try {
    codec::SpanBuf buf(bytes.data(), bytes.size());
    codec::detail::StreamLease<std::istream> is(&buf);
    cereal::BinaryInputArchive ar(is.get());
    Loader in(ar, buf);
    load(in, m);
    if (buf.remaining() != 0) throw ValueError(std::to_string(buf.remaining()) + " bytes left over after decoding");
  } catch (const ValueError& e) {
    throw ValueError(std::string("malformed ") + what + " message: " + e.what());
  } catch (const std::exception& e) {  // cereal::Exception on short input
    throw ValueError(std::string("malformed ") + what + " message: " + e.what());
  }
}
// The raw layout of calls and replies (see messages.hpp):
//   call:  u64 id, u32 task, u32 flags, i64 item_timeout_ns, i32 log_level,
//          u32 log_rate, u32 n, u32 uniform, [n x u32 end], item bytes
//   reply: u64 id, u32 n, u32 all_ok, u32 uniform, [n x i32 status], [n x u32 end], item bytes
// where end[i] is where item i ends within the item bytes. uniform is 0
// when the ends are there; otherwise every item is uniform bytes and they
// are not (a chunk of 8-byte ints then travels as its ints). all_ok is 1
// when every status is FERRY_OK, and the statuses are not there. Items of
// no bytes keep their ends, so n never exceeds the bytes that are there:
// a short message cannot make its reader allocate much more than it.
template <class T>
void put(std::string& out, T x) {
  out.append(reinterpret_cast<const char*>(&x), sizeof x);
}

// The raw layout's parts, read with every count and offset checked against
// the bytes actually there before it is used.
template <class T>
std::vector<T> read_array(detail::ByteReader& in, std::uint32_t n) {
  const std::string_view bytes = in.bytes(std::size_t{n} * sizeof(T));
  std::vector<T> v(n);
  if (n != 0) std::memcpy(v.data(), bytes.data(), bytes.size());  // an empty vector's data() may be null
  return v;
}
// Checks that ends are in order and that the rest of the input is exactly
// the items they delimit; returns where the items begin.
std::size_t read_items(const detail::ByteReader& in, const std::vector<std::uint32_t>& ends) {
  std::uint32_t last = 0;
  for (auto e : ends) {
    if (e < last) throw ValueError("item offsets out of order");
    last = e;
  }
  if (in.left() != last)
    throw ValueError("items take " + std::to_string(last) + " bytes, but " + std::to_string(in.left()) + " are left");
  return in.position();
}

// The n items that make up the rest of the input, as the uniform field
// says (see above), into items.
void read_item_list(detail::ByteReader& in, std::uint32_t n, std::uint32_t uniform, detail::ItemList& items,
                    std::string&& payload) {
  std::vector<std::uint32_t> ends;
  if (uniform == 0) {
    ends = read_array<std::uint32_t>(in, n);
  } else {
    const std::uint64_t each = uniform, total = std::uint64_t{n} * each;
    if (in.left() != total)
      throw ValueError(std::to_string(n) + " items of " + std::to_string(each) + " bytes take " +
                       std::to_string(total) + " bytes, but " + std::to_string(in.left()) + " are left");
    items.adopt_uniform(std::move(payload), in.position(), uniform, n);  // in order and whole: checked above
    return;
  }
  const std::size_t base = read_items(in, ends);
  items.adopt(std::move(payload), base, std::move(ends));
}

void read_call(detail::ByteReader& in, CallRequest& m, std::string&& payload) {
  m.id = in.raw<std::uint64_t>();
  m.task = in.raw<std::uint32_t>();
  m.flags = in.raw<std::uint32_t>();
  m.item_timeout_ns = in.raw<std::int64_t>();
  m.log_level = in.raw<std::int32_t>();
  m.log_rate = in.raw<std::uint32_t>();
  const auto n = in.raw<std::uint32_t>();
  const auto uniform = in.raw<std::uint32_t>();
  read_item_list(in, n, uniform, m.items, std::move(payload));
}

void read_reply(detail::ByteReader& in, CallReply& m, std::string&& payload) {
  m.id = in.raw<std::uint64_t>();
  const auto n = in.raw<std::uint32_t>();
  const auto all_ok = in.raw<std::uint32_t>();
  const auto uniform = in.raw<std::uint32_t>();
  if (all_ok > 1) throw ValueError("all_ok is " + std::to_string(all_ok));
  if (all_ok) {
    if (std::uint64_t{n} > in.left()) throw ValueError(std::to_string(n) + " results in " + std::to_string(in.left()) + " bytes");
    m.status.clear();  // every item FERRY_OK
  } else {
    m.status = read_array<std::int32_t>(in, n);
  }
  read_item_list(in, n, uniform, m.items, std::move(payload));
}

std::uint32_t item_count(const detail::ItemList& items) {
  if (items.size() > std::numeric_limits<std::uint32_t>::max()) throw Error("too many items in one call");
  return static_cast<std::uint32_t>(items.size());
}

}  // namespace

namespace {

template <class T>
std::string_view bytes_of(const std::vector<T>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

// The uniform field for items (see above): the size of every item of a list
// held as one size, else 0 unless there are several, all of one size, and
// not empty.
std::uint32_t uniform_of(const detail::ItemList& items) {
  if (items.uniform_size() && !items.empty()) return items.uniform_size();
  if (items.size() < 2) return 0;
  const std::uint32_t each = items.listed_ends()[0];
  return each > 0 && items.all_of_size(each) ? each : 0;
}

// The message's fixed fields; uniform and ok say what follows them.
void put_head(std::string& out, const CallRequest& m, std::uint32_t uniform) {
  put(out, m.id);
  put(out, m.task);
  put(out, m.flags);
  put(out, m.item_timeout_ns);
  put(out, m.log_level);
  put(out, m.log_rate);
  put(out, item_count(m.items));
  put(out, uniform);
}

void put_head(std::string& out, const CallReply& m, bool ok, std::uint32_t uniform) {
  if (!m.status.empty() && m.status.size() != m.items.size()) throw Error("a reply needs one status per item");
  put(out, m.id);
  put(out, item_count(m.items));
  put(out, std::uint32_t{ok});
  put(out, uniform);
}

}  // namespace

bool CallReply::all_ok() const {
  return std::all_of(status.begin(), status.end(), [](std::int32_t s) { return s == FERRY_OK; });
}

std::array<std::string_view, 3> encode_parts(std::string& head, const CallRequest& m) {
  head.clear();
  const auto uniform = uniform_of(m.items);
  put_head(head, m, uniform);
  return {head, uniform ? std::string_view() : bytes_of(m.items.listed_ends()), m.items.bytes()};
}

std::array<std::string_view, 4> encode_parts(std::string& head, const CallReply& m) {
  head.clear();
  const bool ok = m.all_ok();
  const auto uniform = uniform_of(m.items);
  put_head(head, m, ok, uniform);
  return {head, ok ? std::string_view() : bytes_of(m.status), uniform ? std::string_view() : bytes_of(m.items.listed_ends()),
          m.items.bytes()};
}

namespace {
// The parts a sender writes back to back, joined.
template <class M>
void join_parts(std::string& out, const M& m) {
  std::string head;
  const auto parts = encode_parts(head, m);
  std::size_t size = 0;
  for (auto part : parts) size += part.size();
  out.clear();
  out.reserve(size);
  for (auto part : parts) out.append(part);
}
}  // namespace

void encode_into(std::string& out, const CallRequest& m) { join_parts(out, m); }
void encode_into(std::string& out, const CallReply& m) { join_parts(out, m); }

std::string encode(const Hello& m) { return codec::encode(m); }
std::string encode(const LoadFailed& m) { return codec::encode(m); }
std::string encode(const CallRequest& m) {
  std::string out;
  encode_into(out, m);
  return out;
}
std::string encode(const CallReply& m) {
  std::string out;
  encode_into(out, m);
  return out;
}
std::string encode(const LogLine& m) { return codec::encode(m); }
void decode(std::string_view b, Hello& m) { decode_message(b, m, "hello"); }

std::uint32_t hello_protocol(std::string_view payload) {
  if (payload.size() < sizeof(std::uint32_t)) return 0;
  return wire_format::read_scalar<std::uint32_t>(payload.data());
}

std::string protocol_mismatch(std::uint32_t worker, std::uint32_t host) {
  if (worker == host) return "";
  return "ferry-worker speaks worker protocol " + std::to_string(worker) + " but libferry speaks " +
         std::to_string(host) + ": they come from different ferry releases; use the ferry-worker installed with "
         "this libferry (or point FERRY_WORKER at it)";
}
void decode(std::string_view b, LoadFailed& m) { decode_message(b, m, "load-failed"); }
void decode(std::string&& payload, CallRequest& m) {
  try {
    detail::ByteReader in(payload);
    read_call(in, m, std::move(payload));
  } catch (const std::exception& e) {
    throw ValueError(std::string("malformed call message: ") + e.what());
  }
}
void decode(std::string&& payload, CallReply& m) {
  try {
    detail::ByteReader in(payload);
    read_reply(in, m, std::move(payload));
  } catch (const std::exception& e) {
    throw ValueError(std::string("malformed reply message: ") + e.what());
  }
}
void decode(std::string_view b, CallRequest& m) { decode(std::string(b), m); }
void decode(std::string_view b, CallReply& m) { decode(std::string(b), m); }
void decode(std::string_view b, LogLine& m) { decode_message(b, m, "log"); }
void decode(std::string_view b, manager::Request& m) {
  try {
    manager::decode(b, m);
  } catch (const std::exception& e) {
    throw ValueError(std::string("malformed manager request message: ") + e.what());
  }
}
void decode(std::string&& payload, manager::Request& m) {
  try {
    manager::decode(std::move(payload), m);
  } catch (const std::exception& e) {
    throw ValueError(std::string("malformed manager request message: ") + e.what());
  }
}

}  // namespace wire
}  // namespace ferry
