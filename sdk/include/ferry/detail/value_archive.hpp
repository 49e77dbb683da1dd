// ferry::Value archives written and read directly: the bytes cereal's binary
// archive makes of detail::save_value (a kind byte, then a scalar's raw
// bytes, or a u64 length and the bytes of a string, or a u64 count and the
// elements of a list or map), without the archive and stream machinery,
// which costs more than a small value. Pipelines encode and decode one
// archive per item, so this is their hot path; the bytes are the same as
// cereal's, so plugins built with an older SDK read and write the same
// format (tests/unit/sdk_value_test.cpp compares the two).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <ferry/value.hpp>
#include <ferry/wire_format.hpp>

namespace ferry::detail {

// Appends v's archive to out.
inline void append_value(std::string& out, const Value& v) {
  namespace wf = wire_format;
  out.push_back(static_cast<char>(v.kind()));
  switch (v.kind()) {
    case Value::Kind::null: return;
    case Value::Kind::boolean: out.push_back(v.as_bool() ? 1 : 0); return;
    case Value::Kind::integer: wf::append_scalar(out, v.as_int()); return;
    case Value::Kind::floating: wf::append_scalar(out, v.as_float()); return;
    case Value::Kind::string: wf::append_string(out, v.as_string()); return;
    case Value::Kind::bytes: {
      const auto& b = v.as_bytes().data;
      wf::append_length(out, b.size());
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      return;
    }
    case Value::Kind::list:
      wf::append_length(out, v.as_list().size());
      for (const auto& e : v.as_list()) append_value(out, e);
      return;
    case Value::Kind::map:
      wf::append_length(out, v.as_map().size());
      for (const auto& [k, e] : v.as_map()) {
        wf::append_string(out, k);
        append_value(out, e);
      }
      return;
  }
}

// Reads one Value archive from a span of untrusted bytes, with the checks and
// messages of detail::load_value: nesting bounded by kMaxValueDepth, no count
// or length larger than the input believed before allocating, bool bytes 0
// or 1, and a short input reported as cereal reports it.
class ValueArchiveReader {
 public:
  explicit ValueArchiveReader(std::string_view bytes) : p_(bytes.data()), end_(p_ + bytes.size()), total_(bytes.size()) {}

  Value read(int depth = 0) {
    if (depth > kMaxValueDepth) throw ValueError("value nested deeper than " + std::to_string(kMaxValueDepth));
    const auto kind = scalar<std::uint8_t>();
    switch (static_cast<Value::Kind>(kind)) {
      case Value::Kind::null: return Value();
      case Value::Kind::boolean: {
        const auto b = scalar<std::uint8_t>();
        if (b > 1) throw ValueError("invalid bool byte " + std::to_string(b));
        return Value(b == 1);
      }
      case Value::Kind::integer: return Value(scalar<std::int64_t>());
      case Value::Kind::floating: return Value(scalar<double>());
      case Value::Kind::string: return Value(std::string(raw()));
      case Value::Kind::bytes: {
        const auto r = raw();
        return Value(Bytes{std::vector<std::uint8_t>(r.begin(), r.end())});
      }
      case Value::Kind::list: {
        const auto n = count("elements");
        Value::List l;
        l.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(n, kMaxReserve)));
        for (std::uint64_t i = 0; i < n; ++i) l.push_back(read(depth + 1));
        return Value(std::move(l));
      }
      case Value::Kind::map: {
        const auto n = count("elements");
        Value::Map m;
        m.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(n, kMaxReserve)));
        for (std::uint64_t i = 0; i < n; ++i) {
          std::string k(raw());
          m.emplace_back(std::move(k), read(depth + 1));
        }
        return Value(std::move(m));
      }
    }
    throw ValueError("unknown value kind " + std::to_string(kind));
  }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }

  // For callers that read scalars straight into typed slots, without a Value
  // (plugin.hpp's decode_scalar_args): each is true only when the next value
  // is exactly what from_value would take without a word (a list of n; a
  // bool; an int in U's range; an int or a float for a floating U), and
  // false, never throwing, otherwise; the caller then starts over on the
  // general path, which decides with its messages.
  bool take_list_of(std::uint64_t n) noexcept {
    if (remaining() < 1 + sizeof(std::uint64_t) || kind_at() != Value::Kind::list) return false;
    if (wire_format::read_scalar<std::uint64_t>(p_ + 1) != n) return false;
    p_ += 1 + sizeof(std::uint64_t);
    return true;
  }
  template <class U>
  bool take_scalar(U& out) noexcept {
    static_assert(std::is_arithmetic_v<U>);
    constexpr std::size_t size = std::is_same_v<U, bool> ? 1 : 8;
    if (remaining() < 1 + size) return false;
    const auto kind = kind_at();
    const char* at = p_ + 1;
    if constexpr (std::is_same_v<U, bool>) {
      const auto b = static_cast<std::uint8_t>(*at);
      if (kind != Value::Kind::boolean || b > 1) return false;
      out = b == 1;
    } else if constexpr (std::is_integral_v<U>) {
      const auto i = wire_format::read_scalar<std::int64_t>(at);
      if (kind != Value::Kind::integer || !std::in_range<U>(i)) return false;
      out = static_cast<U>(i);
    } else if (kind == Value::Kind::integer) {
      out = static_cast<U>(wire_format::read_scalar<std::int64_t>(at));
    } else if (kind == Value::Kind::floating) {
      out = static_cast<U>(wire_format::read_scalar<double>(at));
    } else {
      return false;
    }
    p_ += 1 + size;
    return true;
  }

 private:
  Value::Kind kind_at() const { return static_cast<Value::Kind>(static_cast<std::uint8_t>(*p_)); }
  void need(std::size_t n) const {
    if (remaining() < n)
      throw ValueError("malformed value: Failed to read " + std::to_string(n) + " bytes from input stream! Read " +
                       std::to_string(remaining()));
  }
  template <class T>
  T scalar() {
    need(sizeof(T));
    const T x = wire_format::read_scalar<T>(p_);
    p_ += sizeof(T);
    return x;
  }
  std::uint64_t count(const char* what) {
    const auto n = scalar<std::uint64_t>();
    if (n > total_) throw ValueError("value claims " + std::to_string(n) + " " + what + ", more than its bytes");
    return n;
  }
  std::string_view raw() {
    const auto n = static_cast<std::size_t>(count("bytes"));
    need(n);
    std::string_view r(p_, n);
    p_ += n;
    return r;
  }

  const char* p_;
  const char* end_;
  std::uint64_t total_;
};

}  // namespace ferry::detail
