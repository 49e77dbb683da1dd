#include "wire/messages.hpp"

#include <cstddef>
#include <type_traits>

#include <ferry/codec.hpp>

namespace ferry {

template <class Archive>
void serialize(Archive& ar, TaskInfo& t) {
  ar(t.name, t.params, t.result, t.doc);
}

namespace wire {

template <class Archive>
void serialize(Archive& ar, Hello& m) {
  ar(m.abi_version, m.pid, m.plugin_name, m.plugin_version, m.tasks);
}
template <class Archive>
void serialize(Archive& ar, LoadFailed& m) {
  ar(m.reason);
}
template <class Archive>
void serialize(Archive& ar, CallRequest& m) {
  ar(m.id, m.task, m.flags, m.items, m.deadline_ns);
}
template <class Archive>
void serialize(Archive& ar, ItemReply& m) {
  ar(m.status, m.bytes);
}
template <class Archive>
void serialize(Archive& ar, CallReply& m) {
  ar(m.id, m.items);
}
template <class Archive>
void serialize(Archive& ar, LogLine& m) {
  ar(m.level, m.task, m.message);
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
  void load(TaskInfo& t) { (*this)(t.name, t.params, t.result, t.doc); }
  void load(ItemReply& r) { (*this)(r.status, r.bytes); }
  // The fewest bytes an element takes: its fields' u64 lengths and integers.
  template <class T>
  static constexpr std::size_t min_size() {
    if constexpr (std::is_same_v<T, TaskInfo>) return 4 * sizeof(std::uint64_t);
    else if constexpr (std::is_same_v<T, ItemReply>) return sizeof(std::int32_t) + sizeof(std::uint64_t);
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

void load(Loader& in, Hello& m) { in(m.abi_version, m.pid, m.plugin_name, m.plugin_version, m.tasks); }
void load(Loader& in, LoadFailed& m) { in(m.reason); }
void load(Loader& in, CallRequest& m) { in(m.id, m.task, m.flags, m.items, m.deadline_ns); }
void load(Loader& in, CallReply& m) { in(m.id, m.items); }
void load(Loader& in, LogLine& m) { in(m.level, m.task, m.message); }
// Field for field as manager::Request::serialize writes them.
void load(Loader& in, manager::Request& m) { in(m.op, m.name, m.type, m.args, m.timeout_ms, m.capacity); }

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
}  // namespace

std::string encode(const Hello& m) { return codec::encode(m); }
std::string encode(const LoadFailed& m) { return codec::encode(m); }
std::string encode(const CallRequest& m) { return codec::encode(m); }
std::string encode(const CallReply& m) { return codec::encode(m); }
std::string encode(const LogLine& m) { return codec::encode(m); }
void decode(std::string_view b, Hello& m) { decode_message(b, m, "hello"); }
void decode(std::string_view b, LoadFailed& m) { decode_message(b, m, "load-failed"); }
void decode(std::string_view b, CallRequest& m) { decode_message(b, m, "call"); }
void decode(std::string_view b, CallReply& m) { decode_message(b, m, "reply"); }
void decode(std::string_view b, LogLine& m) { decode_message(b, m, "log"); }
void decode(std::string_view b, manager::Request& m) { decode_message(b, m, "manager request"); }

}  // namespace wire
}  // namespace ferry
