// Hostile bytes into the two Value decoders: ferry::codec::decode_value (an
// encoded ferry::Value, as `any` parameters and the CLI carry them) and
// ferry::types::decode_typed (typed cereal bytes driven by a signature type,
// as the pipeline runner converts task results). The first input byte picks
// the type; the rest is the encoded value.
//
// Malformed input must give ferry::ValueError and nothing else (cereal's
// generic path, ferry::codec::decode into a Value, may also give
// cereal::Exception for short input). What does
// decode must round-trip: decode_value(encode_value(v)) == v, with the very
// bytes given (the encoding is canonical); decode_typed(encode_typed(v)) == v
// for types without maps (a map's keys come back sorted and without
// duplicates, as std::map holds them), and encoding is stable for all.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/codec.hpp>
#include <ferry/value.hpp>

#include "values/type_expr.hpp"
#include "values/typed_value.hpp"
#include "value_types.hpp"

namespace {

using ferry::Value;
using ferry::ValueError;
namespace types = ferry::types;

using ferry_fuzz::kValueTypes;
using ferry_fuzz::kValueTypeCount;

const std::vector<types::TypeExpr>& parsed_types() {
  static const std::vector<types::TypeExpr> all = [] {
    std::vector<types::TypeExpr> out;
    for (const char* text : kValueTypes) {
      auto t = types::parse_type(text);
      if (!t) {
        std::fprintf(stderr, "fuzz_value: type %s does not parse\n", text);
        std::abort();
      }
      out.push_back(std::move(*t));
    }
    return out;
  }();
  return all;
}

bool has_map(const types::TypeExpr& t) {
  if (t.kind == types::TypeExpr::Kind::map) return true;
  for (const auto& a : t.args)
    if (has_map(a)) return true;
  return false;
}

// Value equality, except that a double equals one with the same bits (NaN too).
bool same(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::floating: {
      const double x = a.as_float(), y = b.as_float();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case Value::Kind::list: {
      const auto &x = a.as_list(), &y = b.as_list();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!same(x[i], y[i])) return false;
      return true;
    }
    case Value::Kind::map: {
      const auto &x = a.as_map(), &y = b.as_map();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (x[i].first != y[i].first || !same(x[i].second, y[i].second)) return false;
      return true;
    }
    default:
      return a == b;
  }
}

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz_value: %s %s\n", what, detail.c_str());
  std::abort();
}

void check_value(std::string_view bytes) {
  Value v;
  try {
    v = ferry::codec::decode_value(bytes);
  } catch (const ValueError&) {
    return;
  }
  const std::string again = ferry::codec::encode_value(v);
  if (again != bytes) fail("decode_value then encode_value changed the bytes");
  Value w;
  try {
    w = ferry::codec::decode_value(again);
  } catch (const ValueError& e) {
    fail("re-encoded value does not decode:", e.what());
  }
  if (!same(v, w)) fail("re-encoded value decodes to another value");
}

// The same bytes through cereal's generic path (ferry::load(Archive&, Value&),
// as a plugin decodes a Value parameter): short input may give
// cereal::Exception too, and whatever decodes must agree with decode_value.
void check_generic(std::string_view bytes) {
  Value v;
  try {
    ferry::codec::decode(bytes, v);
  } catch (const ValueError&) {
    return;
  } catch (const cereal::Exception&) {
    return;
  }
  Value w;
  try {
    w = ferry::codec::decode_value(bytes);
  } catch (const ValueError& e) {
    fail("codec::decode took a Value that decode_value refuses:", e.what());
  }
  if (!same(v, w)) fail("codec::decode and decode_value disagree");
}

void check_typed(const types::TypeExpr& t, std::string_view bytes) {
  Value v;
  try {
    v = types::decode_typed(t, bytes);
  } catch (const ValueError&) {
    return;
  }
  const auto name = types::to_string(t);
  std::string b1;
  try {
    b1 = types::encode_typed(t, v);
  } catch (const ValueError& e) {
    fail(("decoded " + name + " does not encode:").c_str(), e.what());
  }
  Value w;
  try {
    w = types::decode_typed(t, b1);
  } catch (const ValueError& e) {
    fail(("re-encoded " + name + " does not decode:").c_str(), e.what());
  }
  if (!has_map(t) && !same(v, w)) fail("re-encoded value decodes to another value:", name);
  std::string b2;
  try {
    b2 = types::encode_typed(t, w);
  } catch (const ValueError& e) {
    fail(("re-decoded " + name + " does not encode:").c_str(), e.what());
  }
  if (b1 != b2) fail("encoding is not stable:", name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& all = parsed_types();
  const auto& t = all[data[0] % kValueTypeCount];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  check_value(bytes);
  check_generic(bytes);
  check_typed(t, bytes);
  return 0;
}
