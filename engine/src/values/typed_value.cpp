#include "values/typed_value.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include <ferry/codec.hpp>
#include <ferry/wire_format.hpp>

namespace ferry::types {
namespace {

using Kind = TypeExpr::Kind;

// A list of elements that take no bytes (tuple<>, none) is not bounded by the
// input's size; this bounds it instead.
constexpr std::uint64_t kMaxEmptyElements = 1 << 16;
constexpr std::size_t kSaturated = std::numeric_limits<std::size_t>::max();

// The first struct or handle inside t, or nullptr.
const TypeExpr* uncodable(const TypeExpr& t) {
  if (t.kind == Kind::named || t.kind == Kind::handle) return &t;
  for (const auto& a : t.args)
    if (auto* u = uncodable(a)) return u;
  return nullptr;
}

std::size_t saturating_mul(std::size_t a, std::size_t b) { return b && a > kSaturated / b ? kSaturated : a * b; }
std::size_t saturating_add(std::size_t a, std::size_t b) { return a > kSaturated - b ? kSaturated : a + b; }

// The fewest bytes any value of t encodes to, so that a claimed count can be
// checked against the bytes left before anything is allocated.
std::size_t min_size(const TypeExpr& t) {
  switch (t.kind) {
    case Kind::boolean: case Kind::any: case Kind::optional: return 1;  // a flag or kind byte
    case Kind::integer: case Kind::floating: return static_cast<std::size_t>(t.bits / 8);
    case Kind::str: case Kind::bytes: case Kind::list: case Kind::map: return wire_format::kLengthSize;  // the count
    case Kind::array: return saturating_mul(t.array_size, min_size(t.args[0]));
    case Kind::tuple: {
      std::size_t n = 0;
      for (const auto& a : t.args) n = saturating_add(n, min_size(a));
      return n;
    }
    default: return 0;  // none; structs and handles never get this far
  }
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::size_t left() const { return in_.size() - pos_; }

  std::string_view take(std::size_t n) {
    if (n > left())
      throw ValueError("truncated input: needs " + std::to_string(n) + " more bytes, " + std::to_string(left()) + " left");
    const auto s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }

  // An arithmetic value (wire_format: its own little-endian bytes).
  template <class T>
  T raw() {
    return wire_format::read_scalar<T>(take(sizeof(T)).data());
  }

  // Refuses n elements of at least `each` bytes when fewer bytes are left.
  void check_count(std::uint64_t n, std::size_t each) const {
    if (each == 0 ? n > kMaxEmptyElements : n > left() / each)
      throw ValueError("input claims " + std::to_string(n) + " elements, more than its " + std::to_string(left()) +
                       " remaining bytes hold");
  }

  // A u64 count or length, checked against the bytes left.
  std::uint64_t count(std::size_t each) {
    const auto n = raw<wire_format::Length>();
    check_count(n, each);
    return n;
  }

  // The one-byte flags cereal writes for bool (and optional's "nullopt").
  bool flag() {
    const auto b = raw<std::uint8_t>();
    if (b > 1) throw ValueError("invalid bool byte " + std::to_string(b));
    return b == 1;
  }

  // An embedded ferry::Value, decoded by the SDK's own loader so the two
  // never disagree; depth carries on from the typed nesting around it.
  Value any(int depth) {
    codec::SpanBuf buf(in_.data() + pos_, left());
    codec::detail::StreamLease<std::istream> is(&buf);
    cereal::BinaryInputArchive ar(is.get());
    Value v;
    try {
      v = ferry::detail::load_value(ar, depth, left());
    } catch (const ValueError&) {
      throw;
    } catch (const std::exception& e) {  // cereal::Exception on short input
      throw ValueError(std::string("malformed any value: ") + e.what());
    }
    pos_ += left() - buf.remaining();
    return v;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

Value decode_int(Reader& r, const TypeExpr& t) {
  switch (t.bits) {
    case 8: return t.is_signed ? Value(r.raw<std::int8_t>()) : Value(r.raw<std::uint8_t>());
    case 16: return t.is_signed ? Value(r.raw<std::int16_t>()) : Value(r.raw<std::uint16_t>());
    case 32: return t.is_signed ? Value(r.raw<std::int32_t>()) : Value(r.raw<std::uint32_t>());
    default: return t.is_signed ? Value(r.raw<std::int64_t>()) : Value(r.raw<std::uint64_t>());  // u64 > INT64_MAX throws
  }
}

// A map key as the string ferry::to_value makes of it: integers in decimal
// (a u64 key above INT64_MAX too, which as a value would not fit).
std::string decode_key(Reader& r, const TypeExpr& key) {
  if (key.kind == Kind::str) return std::string(r.take(r.count(1)));
  if (!key.is_signed && key.bits == 64) return std::to_string(r.raw<std::uint64_t>());
  return std::to_string(decode_int(r, key).as_int());
}

Value decode(Reader& r, const TypeExpr& t, int depth) {
  if (depth > kMaxValueDepth) throw ValueError("value nested deeper than " + std::to_string(kMaxValueDepth));
  switch (t.kind) {
    case Kind::none: return Value();
    case Kind::boolean: return Value(r.flag());
    case Kind::integer: return decode_int(r, t);
    case Kind::floating: return t.bits == 32 ? Value(r.raw<float>()) : Value(r.raw<double>());
    case Kind::str: return Value(std::string(r.take(r.count(1))));
    case Kind::bytes: {
      const auto s = r.take(r.count(1));
      return Value(Bytes{{s.begin(), s.end()}});
    }
    case Kind::any: return r.any(depth);
    case Kind::optional:  // cereal writes a "nullopt" flag: 1 when empty
      return r.flag() ? Value() : decode(r, t.args[0], depth + 1);
    case Kind::list:
    case Kind::array:
    case Kind::tuple: {
      std::uint64_t n = t.args.size();
      if (t.kind == Kind::list) n = r.count(min_size(t.args[0]));
      if (t.kind == Kind::array) {
        n = t.array_size;
        r.check_count(n, min_size(t.args[0]));
      }
      Value::List l;
      l.reserve(std::min<std::uint64_t>(n, ferry::detail::kMaxReserve));
      for (std::uint64_t i = 0; i < n; ++i) l.push_back(decode(r, t.kind == Kind::tuple ? t.args[i] : t.args[0], depth + 1));
      return Value(std::move(l));
    }
    case Kind::map: {
      const auto& key = t.args[0];
      if (key.kind != Kind::str && key.kind != Kind::integer)
        throw ValueError("map keys of type " + to_string(key) + " cannot become a Value");
      const auto n = r.count(saturating_add(min_size(key), min_size(t.args[1])));
      Value::Map m;
      m.reserve(std::min<std::uint64_t>(n, ferry::detail::kMaxReserve));
      for (std::uint64_t i = 0; i < n; ++i) {
        std::string k = decode_key(r, key);
        m.emplace_back(std::move(k), decode(r, t.args[1], depth + 1));
      }
      return Value(std::move(m));
    }
    default: break;
  }
  throw ValueError("cannot decode type " + to_string(t) + " in the host");
}

template <class T>
void put_raw(std::string& out, T x) {
  wire_format::append_scalar(out, x);
}

void put_int(std::string& out, std::int64_t i, const TypeExpr& t) {  // i is range-checked already
  switch (t.bits) {
    case 8: return t.is_signed ? put_raw(out, static_cast<std::int8_t>(i)) : put_raw(out, static_cast<std::uint8_t>(i));
    case 16: return t.is_signed ? put_raw(out, static_cast<std::int16_t>(i)) : put_raw(out, static_cast<std::uint16_t>(i));
    case 32: return t.is_signed ? put_raw(out, static_cast<std::int32_t>(i)) : put_raw(out, static_cast<std::uint32_t>(i));
    default: return put_raw(out, i);  // u64 from a Value is never negative
  }
}

void put_string(std::string& out, std::string_view s) { wire_format::append_string(out, s); }

// Writes v, which value_fits has accepted for t.
void encode(std::string& out, const TypeExpr& t, const Value& v) {
  switch (t.kind) {
    case Kind::none: return;
    case Kind::boolean: return put_raw(out, static_cast<std::uint8_t>(v.as_bool()));
    case Kind::integer: return put_int(out, v.as_int(), t);
    case Kind::floating:
      // Each source kind casts straight to the target, as from_value does: an
      // int64 through double first could round differently into f32.
      if (t.bits == 64) return put_raw(out, v.is_int() ? static_cast<double>(v.as_int()) : v.as_float());
      if (v.is_int()) return put_raw(out, static_cast<float>(v.as_int()));
      {
        // Casting a double beyond float's range is undefined behaviour; IEEE
        // hardware gives infinity, so write that.
        const double d = v.as_float();
        constexpr double lim = std::numeric_limits<float>::max();
        constexpr float inf = std::numeric_limits<float>::infinity();
        return put_raw(out, d > lim ? inf : d < -lim ? -inf : static_cast<float>(d));
      }
    case Kind::str: return put_string(out, v.as_string());
    case Kind::bytes: {
      if (v.is_string()) return put_string(out, v.as_string());
      const auto& d = v.as_bytes().data;
      return put_string(out, std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
    }
    case Kind::any: out += codec::encode_value(v); return;
    case Kind::optional:
      if (v.is_null()) return put_raw(out, wire_format::kOptionalEmpty);
      put_raw(out, wire_format::kOptionalFull);
      return encode(out, t.args[0], v);
    case Kind::list:
    case Kind::array:
    case Kind::tuple: {
      const auto& l = v.as_list();
      if (t.kind == Kind::list) wire_format::append_length(out, l.size());
      for (std::size_t i = 0; i < l.size(); ++i) encode(out, t.kind == Kind::tuple ? t.args[i] : t.args[0], l[i]);
      return;
    }
    case Kind::map: {
      // As from_value fills a std::map: the first of duplicate keys wins, and
      // keys come out sorted (integer keys numerically).
      const auto& key = t.args[0];
      auto put_all = [&](const auto& sorted, auto&& put_key) {
        wire_format::append_length(out, sorted.size());
        for (const auto& [k, e] : sorted) {
          put_key(k);
          encode(out, t.args[1], *e);
        }
      };
      auto parsed = [](const std::string& s, auto x) {
        std::from_chars(s.data(), s.data() + s.size(), x);  // valid: value_fits checked it
        return x;
      };
      if (key.kind == Kind::str) {
        std::map<std::string, const Value*> sorted;
        for (const auto& [k, e] : v.as_map()) sorted.emplace(k, &e);
        put_all(sorted, [&](const std::string& k) { put_string(out, k); });
      } else if (key.is_signed) {
        std::map<std::int64_t, const Value*> sorted;
        for (const auto& [k, e] : v.as_map()) sorted.emplace(parsed(k, std::int64_t{}), &e);
        put_all(sorted, [&](std::int64_t k) { put_int(out, k, key); });
      } else {
        std::map<std::uint64_t, const Value*> sorted;
        for (const auto& [k, e] : v.as_map()) sorted.emplace(parsed(k, std::uint64_t{}), &e);
        put_all(sorted, [&](std::uint64_t k) { put_int(out, static_cast<std::int64_t>(k), key); });
      }
      return;
    }
    default: break;
  }
  throw ValueError("cannot encode type " + to_string(t) + " in the host");
}

void require_codable(const TypeExpr& t, const char* what) {
  if (const auto* u = uncodable(t))
    throw ValueError(std::string("cannot ") + what + (u->kind == Kind::named ? " struct type " : " shared-object handle ") +
                     to_string(*u) + " in the host");
}

}  // namespace

bool host_codable(const TypeExpr& t) { return uncodable(t) == nullptr; }

Value decode_typed(const TypeExpr& t, std::string_view bytes) {
  require_codable(t, "decode");
  Reader r(bytes);
  Value v = decode(r, t, 0);
  if (r.left() != 0) throw ValueError(std::to_string(r.left()) + " bytes left over after decoding " + to_string(t));
  return v;
}

std::string encode_typed(const TypeExpr& t, const Value& v) {
  require_codable(t, "encode");
  std::string why;
  if (value_fits(v, t, &why) == Fit::no) throw ValueError("cannot encode as " + to_string(t) + ": " + why);
  std::string out;
  encode(out, t, v);
  return out;
}

}  // namespace ferry::types
