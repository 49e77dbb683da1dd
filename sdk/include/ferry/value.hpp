// ferry::Value: the dynamic value used at the edges (YAML literals, the CLI,
// JSON output). Inside a pipeline, typed cereal bytes travel instead; a Value
// is converted to and from a task's typed parameters on the plugin side
// (see <ferry/convert.hpp>).
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

namespace ferry {

// Thrown when a Value does not fit the type asked of it, or when an encoded
// Value is malformed. what() names the path inside the value ("[1].x").
class ValueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raw bytes, kept apart from strings so that JSON output can tell them apart.
struct Bytes {
  std::vector<std::uint8_t> data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};

// A null, bool, 64-bit integer, double, string, bytes, list or string-keyed
// map. Maps keep insertion order, as Python dicts do. Cheap to move; copies
// are deep. Not thread-safe for concurrent mutation.
class Value {
 public:
  using List = std::vector<Value>;
  using Map = std::vector<std::pair<std::string, Value>>;
  using Storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, Bytes, List, Map>;

  // Kinds in the order of Storage's alternatives.
  enum class Kind { null, boolean, integer, floating, string, bytes, list, map };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  // Any integer type; an unsigned value above INT64_MAX throws ValueError.
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
  Value(I i) : v_(checked(i)) {}
  Value(double d) : v_(d) {}
  Value(float f) : v_(static_cast<double>(f)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(List l) : v_(std::move(l)) {}
  Value(Map m) : v_(std::move(m)) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::null; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_int() const { return kind() == Kind::integer; }
  bool is_float() const { return kind() == Kind::floating; }
  bool is_string() const { return kind() == Kind::string; }
  bool is_bytes() const { return kind() == Kind::bytes; }
  bool is_list() const { return kind() == Kind::list; }
  bool is_map() const { return kind() == Kind::map; }

  // Accessors throw ValueError when the kind differs.
  bool as_bool() const { return get<bool>("bool"); }
  std::int64_t as_int() const { return get<std::int64_t>("int"); }
  double as_float() const { return get<double>("float"); }
  const std::string& as_string() const { return get<std::string>("string"); }
  const Bytes& as_bytes() const { return get<Bytes>("bytes"); }
  const List& as_list() const { return get<List>("list"); }
  List& as_list() { return get<List>("list"); }
  const Map& as_map() const { return get<Map>("map"); }
  Map& as_map() { return get<Map>("map"); }

  // The map entry for key, or nullptr (also when this is not a map).
  const Value* find(const std::string& key) const {
    if (!is_map()) return nullptr;
    for (const auto& [k, v] : std::get<Map>(v_))
      if (k == key) return &v;
    return nullptr;
  }

  const Storage& storage() const { return v_; }
  static const char* kind_name(Kind k) {
    static const char* const names[] = {"null", "bool", "int", "float", "string", "bytes", "list", "map"};
    return names[static_cast<int>(k)];
  }

  friend bool operator==(const Value&, const Value&) = default;

 private:
  template <class I>
  static std::int64_t checked(I i) {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t))
      if (i > static_cast<I>(INT64_MAX)) throw ValueError(std::to_string(i) + " does not fit a 64-bit signed integer");
    return static_cast<std::int64_t>(i);
  }
  template <class T, class Self>
  static auto& get_from(Self& self, const char* want) {
    if (auto* p = std::get_if<T>(&self.v_)) return *p;
    throw ValueError(std::string("expected ") + want + ", got " + kind_name(self.kind()));
  }
  template <class T>
  const T& get(const char* want) const { return get_from<T>(*this, want); }
  template <class T>
  T& get(const char* want) { return get_from<T>(*this, want); }

  Storage v_;
};

// Encoded Values nest at most this deep; deeper input is refused, so hostile
// bytes cannot exhaust the stack.
inline constexpr int kMaxValueDepth = 64;

namespace detail {

template <class Archive>
void save_value(Archive& ar, const Value& v) {
  const auto kind = static_cast<std::uint8_t>(v.kind());
  ar(kind);
  std::visit(
      [&](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::monostate>) {
        } else if constexpr (std::is_same_v<X, Bytes>) {
          ar(x.data);
        } else if constexpr (std::is_same_v<X, Value::List>) {
          ar(static_cast<std::uint64_t>(x.size()));
          for (const auto& e : x) save_value(ar, e);
        } else if constexpr (std::is_same_v<X, Value::Map>) {
          ar(static_cast<std::uint64_t>(x.size()));
          for (const auto& [k, e] : x) {
            ar(k);
            save_value(ar, e);
          }
        } else {
          ar(x);
        }
      },
      v.storage());
}

// Up-front reservation per list or map while decoding. A count is only
// bounded by the input's size, and each nesting level reserves at once, so an
// unbounded reserve let 1 MiB of input claim gigabytes of address space.
inline constexpr std::uint64_t kMaxReserve = 4096;
// A string or bytes up to this long is read in one piece; a longer one grows
// in steps as its bytes arrive.
inline constexpr std::uint64_t kMaxRawChunk = std::uint64_t{1} << 20;

template <class Archive>
Value load_value(Archive& ar, int depth, std::uint64_t remaining_bytes) {
  if (depth > kMaxValueDepth) throw ValueError("value nested deeper than " + std::to_string(kMaxValueDepth));
  std::uint8_t kind = 0;
  ar(kind);
  // A count or length can never exceed the input's size, since every element
  // or byte it announces takes at least one. Checked before allocating, so a
  // few hostile bytes cannot make the decoder reserve (or zero) gigabytes.
  auto read_count = [&](const char* what) {
    std::uint64_t n = 0;
    ar(n);
    if (n > remaining_bytes)
      throw ValueError("value claims " + std::to_string(n) + " " + what + ", more than its bytes");
    return n;
  };
  // The bytes cereal writes for a std::string or byte vector: a u64 length,
  // then the raw bytes (cereal's own loader would resize before checking).
  // Through ferry::load the bound is 2^40, not the input's size, so a long
  // one grows (doubling) as its bytes actually arrive.
  auto read_raw = [&](auto& out) {
    const auto n = read_count("bytes");
    for (std::uint64_t done = 0; done < n;) {
      const auto step = std::min(n - done, std::max<std::uint64_t>(done, kMaxRawChunk));
      out.resize(static_cast<std::size_t>(done + step));
      ar(cereal::binary_data(out.data() + static_cast<std::size_t>(done), static_cast<std::size_t>(step)));
      done += step;
    }
  };
  auto read_string = [&] {
    std::string s;
    read_raw(s);
    return s;
  };
  switch (static_cast<Value::Kind>(kind)) {
    case Value::Kind::null: return Value();
    case Value::Kind::boolean: {
      // Read as a byte: any other value than 0 or 1 loaded into a bool is undefined behaviour.
      std::uint8_t b = 0;
      ar(b);
      if (b > 1) throw ValueError("invalid bool byte " + std::to_string(b));
      return Value(b == 1);
    }
    case Value::Kind::integer: { std::int64_t i = 0; ar(i); return Value(i); }
    case Value::Kind::floating: { double d = 0; ar(d); return Value(d); }
    case Value::Kind::string: return Value(read_string());
    case Value::Kind::bytes: {
      Bytes b;
      read_raw(b.data);
      return Value(std::move(b));
    }
    case Value::Kind::list: {
      const auto n = read_count("elements");
      Value::List l;
      l.reserve(std::min<std::uint64_t>(n, kMaxReserve));
      for (std::uint64_t i = 0; i < n; ++i) l.push_back(load_value(ar, depth + 1, remaining_bytes));
      return Value(std::move(l));
    }
    case Value::Kind::map: {
      const auto n = read_count("elements");
      Value::Map m;
      m.reserve(std::min<std::uint64_t>(n, kMaxReserve));
      for (std::uint64_t i = 0; i < n; ++i) {
        std::string k = read_string();
        m.emplace_back(std::move(k), load_value(ar, depth + 1, remaining_bytes));
      }
      return Value(std::move(m));
    }
  }
  throw ValueError("unknown value kind " + std::to_string(kind));
}

}  // namespace detail

// Cereal: Bytes and Value can be typed task parameters and results too.
template <class Archive>
void save(Archive& ar, const Bytes& b) {
  ar(b.data);
}
template <class Archive>
void load(Archive& ar, Bytes& b) {
  ar(b.data);
}
template <class Archive>
void save(Archive& ar, const Value& v) {
  detail::save_value(ar, v);
}
template <class Archive>
void load(Archive& ar, Value& v) {
  // Element counts are checked against the input by the codec's own limits;
  // here only nesting is bounded.
  v = detail::load_value(ar, 0, std::uint64_t{1} << 40);
}
}  // namespace ferry
