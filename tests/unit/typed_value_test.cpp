// Typed bytes <-> Value in the host, checked against the real thing: the
// bytes ferry::codec::encode writes for C++ values, and ferry::to_value /
// from_value for what those values mean.
#include <catch2/catch.hpp>

#include "largest_allocation.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <ferry/codec.hpp>
#include <ferry/convert.hpp>

#include "values/typed_value.hpp"


using ferry::Value;
using ferry::ValueError;
using ferry::codec::encode;
using namespace ferry::types;

namespace geo {
struct Point {
  double x = 0, y = 0;
  template <class A>
  void serialize(A& ar) { ar(CEREAL_NVP(x), CEREAL_NVP(y)); }
};
}  // namespace geo

namespace {
TypeExpr T(std::string_view s) {
  auto t = parse_type(s);
  if (!t) FAIL("does not parse: " << s);
  return *t;
}

// x's bytes decode to expected (which is also what to_value makes of x), and
// encoding expected gives x's bytes back exactly.
template <class X>
void round_trip(const X& x, const Value& expected) {
  const auto t = T(ferry::type_name<X>());
  INFO(to_string(t));
  const std::string bytes = encode(x);
  CHECK(ferry::to_value(x) == expected);
  CHECK(decode_typed(t, bytes) == expected);
  CHECK(encode_typed(t, expected) == bytes);
  // Every proper prefix is truncated input, and a stray byte is left over.
  for (std::size_t n = 0; n < bytes.size(); ++n) CHECK_THROWS_AS(decode_typed(t, bytes.substr(0, n)), ValueError);
  CHECK_THROWS_WITH(decode_typed(t, bytes + '\0'), Catch::Contains("1 bytes left over"));
}

// The bytes codec::encode writes for the T that from_value makes of v.
template <class X>
std::string via_from_value(const Value& v) {
  return encode(ferry::from_value<X>(v));
}

std::string u64le(std::uint64_t n) { return encode(n); }
}  // namespace

TEST_CASE("typed_value: round trips against real C++ values", "[types]") {
  round_trip(std::vector<std::int64_t>{1, -2, 3}, Value::List{1, -2, 3});
  round_trip(std::vector<std::int64_t>{}, Value::List{});
  round_trip(std::map<std::string, double>{{"b", 2.5}, {"a", -1.0}}, Value::Map{{"a", -1.0}, {"b", 2.5}});
  round_trip(std::tuple<std::string, double>{"pi", 3.14}, Value::List{"pi", 3.14});
  round_trip(std::pair<std::int8_t, bool>{-7, true}, Value::List{-7, true});
  round_trip(std::optional<std::int32_t>{}, Value());
  round_trip(std::optional<std::int32_t>{42}, Value(42));
  round_trip(std::optional<std::vector<std::string>>{{"x", ""}}, Value::List{"x", ""});
  round_trip(std::array<float, 3>{1.5f, -2.0f, 0.25f}, Value::List{1.5, -2.0, 0.25});
  round_trip(std::array<std::string, 2>{"a", "bc"}, Value::List{"a", "bc"});
  round_trip(std::vector<std::vector<std::int16_t>>{{1, 2}, {}, {-3}},
             Value::List{Value::List{1, 2}, Value::List{}, Value::List{-3}});
  round_trip(std::vector<bool>{true, false}, Value::List{true, false});
  round_trip(std::uint8_t{255}, Value(255));
  round_trip(std::uint64_t{1} << 62, Value(std::int64_t{1} << 62));
  round_trip(std::string("héllo"), Value("héllo"));
  round_trip(ferry::Bytes{{0, 255, 7}}, Value(ferry::Bytes{{0, 255, 7}}));
  round_trip(std::tuple<>{}, Value::List{});
  // Integer keys: decimal strings, and sorted numerically (not as text) again on the way back.
  round_trip(std::map<std::int64_t, std::string>{{10, "ten"}, {-5, "minus five"}, {2, "two"}},
             Value::Map{{"-5", "minus five"}, {"2", "two"}, {"10", "ten"}});
  round_trip(std::map<std::uint64_t, bool>{{~std::uint64_t{0}, true}}, Value::Map{{"18446744073709551615", true}});
  const Value dynamic = Value::Map{{"n", Value()}, {"l", Value::List{1, 2.5, "s", ferry::Bytes{{1}}}}, {"t", true}};
  round_trip(dynamic, dynamic);
  round_trip(std::vector<Value>{1, "two"}, Value::List{1, "two"});
  round_trip(std::map<std::string, std::tuple<std::optional<double>, std::array<std::uint16_t, 2>>>{
                 {"k", {std::nullopt, {1, 65535}}}},
             Value::Map{{"k", Value::List{Value(), Value::List{1, 65535}}}});
}

TEST_CASE("typed_value: encode_typed converts as from_value does", "[types]") {
  CHECK(encode_typed(T("f64"), 3) == encode(3.0));
  // An int64 straight into f32, not through double: these two can round differently.
  const std::int64_t big = (std::int64_t{1} << 60) + (std::int64_t{1} << 36) + 1;
  REQUIRE(static_cast<float>(static_cast<double>(big)) != static_cast<float>(big));
  CHECK(encode_typed(T("f32"), big) == via_from_value<float>(big));
  CHECK(encode_typed(T("f32"), 1e300) == encode(std::numeric_limits<float>::infinity()));
  CHECK(encode_typed(T("bytes"), "ab") == encode(ferry::Bytes{{'a', 'b'}}));
  // Keys in any order, duplicates: std::map's order, first one wins.
  const Value m = Value::Map{{"b", 1}, {"a", 2}, {"b", 3}};
  CHECK(encode_typed(T("map<str,i64>"), m) == via_from_value<std::map<std::string, std::int64_t>>(m));
  CHECK(decode_typed(T("map<str,i64>"), encode_typed(T("map<str,i64>"), m)) == Value::Map{{"a", 2}, {"b", 1}});
  const Value keys = Value::Map{{"300", "x"}, {"7", "y"}};
  CHECK(encode_typed(T("map<u16,str>"), keys) == via_from_value<std::map<std::uint16_t, std::string>>(keys));
  CHECK(encode_typed(T("optional<list<f64>>"), Value::List{1, 2}) == encode(std::optional<std::vector<double>>{{1, 2}}));
  CHECK(encode_typed(T("none"), Value()).empty());
  CHECK(encode_typed(T("any"), 5) == encode(Value(5)));
}

TEST_CASE("typed_value: encode_typed names the first mismatch", "[types]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(encode_typed(T("list<i64>"), Value::List{1, "x"}), Contains("element 1: expected i64, got string"));
  CHECK_THROWS_WITH(encode_typed(T("u8"), 300), Contains("300 is out of range for u8"));
  CHECK_THROWS_WITH(encode_typed(T("i32"), std::int64_t{1} << 40), Contains("out of range for i32"));
  CHECK_THROWS_WITH(encode_typed(T("tuple<str,i64>"), Value::List{"a"}), Contains("got a list of 1"));
  CHECK_THROWS_WITH(encode_typed(T("map<i32,str>"), Value::Map{{"x", "y"}}), Contains("key 'x': not a i32"));
  CHECK_THROWS_WITH(encode_typed(T("list<geo::Point>"), Value::List{}),
                    "cannot encode struct type geo::Point in the host");
  CHECK_THROWS_WITH(encode_typed(T("lock"), Value()), Contains("shared-object handle lock"));
  CHECK_THROWS_AS(encode_typed(T("none"), 1), ValueError);
}

TEST_CASE("typed_value: host_codable", "[types]") {
  CHECK(host_codable(T("list<map<str,any>>")));
  CHECK(host_codable(T("tuple<optional<bytes>,array<f32,4>>")));
  CHECK_FALSE(host_codable(T("geo::Point")));
  CHECK_FALSE(host_codable(T("map<str,tuple<i64,ns::Box<int>>>")));
  CHECK_FALSE(host_codable(T("dict<str,i64>")));
  CHECK_FALSE(host_codable(T("optional<connection<str>>")));
}

TEST_CASE("typed_value: decode_typed refuses what the host cannot or must not decode", "[types]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(decode_typed(T("list<geo::Point>"), encode(std::vector<geo::Point>{{1, 2}})),
                    "cannot decode struct type geo::Point in the host");
  CHECK_THROWS_WITH(decode_typed(T("bool"), std::string(1, '\2')), Contains("invalid bool byte 2"));
  CHECK_THROWS_WITH(decode_typed(T("optional<i8>"), std::string(2, '\2')), Contains("invalid bool byte 2"));
  CHECK_THROWS_WITH(decode_typed(T("u64"), encode(~std::uint64_t{0})), Contains("does not fit a 64-bit signed integer"));
  CHECK_THROWS_WITH(decode_typed(T("map<f64,i64>"), encode(std::map<double, std::int64_t>{})), Contains("map keys of type f64"));
  CHECK_THROWS_AS(decode_typed(T("any"), std::string(1, '\x09')), ValueError);  // no such Value kind
}

TEST_CASE("typed_value: hostile counts are refused before allocating", "[types]") {
  using Catch::Contains;
  const std::string huge = u64le(std::uint64_t{1} << 40);
  const std::string some(64, '\0');
  g_largest_alloc = 0;
  for (const char* t : {"str", "bytes", "list<i64>", "list<str>", "map<str,f64>", "list<tuple<>>", "list<list<none>>"})
    CHECK_THROWS_WITH(decode_typed(T(t), huge + some), Contains("more than its 64 remaining bytes hold"));
  CHECK_THROWS_WITH(decode_typed(T("array<i64,1000000000>"), some), Contains("1000000000 elements"));
  CHECK_THROWS_WITH(decode_typed(T("list<array<tuple<>,1000000000000>>"), u64le(1)), Contains("elements"));
  // A Value's own counts are checked against the bytes too.
  CHECK_THROWS_AS(decode_typed(T("any"), std::string(1, '\x06') + huge + some), ValueError);
  CHECK(g_largest_alloc < 64 * 1024);
  // The measurement itself works: a real 1 MiB string shows up.
  CHECK(decode_typed(T("str"), u64le(1 << 20) + std::string(1 << 20, 'x')).as_string().size() == 1 << 20);
  CHECK(g_largest_alloc >= 1 << 20);
  // Zero-size elements are bounded by count alone: a modest list still decodes.
  CHECK(decode_typed(T("list<tuple<>>"), u64le(3)) == Value::List{Value::List{}, Value::List{}, Value::List{}});
}

TEST_CASE("typed_value: nesting is bounded, Value nesting included", "[types]") {
  // 70 nested lists, built directly (parse_type would refuse the text).
  TypeExpr t = T("i64");
  std::string bytes = encode(std::int64_t{1});
  for (int i = 0; i < 70; ++i) {
    TypeExpr outer;
    outer.kind = TypeExpr::Kind::list;
    outer.args.push_back(std::move(t));
    t = std::move(outer);
    bytes = u64le(1) + bytes;
  }
  CHECK_THROWS_WITH(decode_typed(t, bytes), Catch::Contains("nested deeper than 64"));
  // A Value nested as deep as a Value may be decodes alone, but not one level down inside a list.
  Value v = 1;
  for (int i = 0; i < ferry::kMaxValueDepth; ++i) v = Value::List{std::move(v)};
  const std::string vb = ferry::codec::encode_value(v);
  CHECK(decode_typed(T("any"), vb) == v);
  CHECK_THROWS_WITH(decode_typed(T("list<any>"), u64le(1) + vb), Catch::Contains("nested deeper than 64"));
}
