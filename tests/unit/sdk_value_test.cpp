// ferry::Value and its wire form: kinds, accessors, equality, and a decoder
// that must refuse hostile bytes rather than crash or allocate without bound.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <ferry/codec.hpp>
#include <ferry/value.hpp>

using ferry::Bytes;
using ferry::Value;
using ferry::ValueError;
namespace codec = ferry::codec;

namespace {

// A list nested `depth` levels deep around a null: depth 0 is the null itself.
Value nested_list(int depth) {
  Value v;
  for (int i = 0; i < depth; ++i) v = Value(Value::List{v});
  return v;
}

// Hand-built wire bytes: one kind byte, then a little-endian u64.
std::string kind_and_count(Value::Kind kind, std::uint64_t count) {
  std::string out(1, static_cast<char>(kind));
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((count >> (8 * i)) & 0xFF));
  return out;
}

}  // namespace

TEST_CASE("sdk value: Value reports the kind it was built with", "[sdk]") {
  CHECK(Value().kind() == Value::Kind::null);
  CHECK(Value(nullptr).is_null());
  CHECK(Value(true).kind() == Value::Kind::boolean);
  CHECK(Value(7).kind() == Value::Kind::integer);
  CHECK(Value(std::int64_t{1} << 40).is_int());
  CHECK(Value(2.5).kind() == Value::Kind::floating);
  CHECK(Value("text").kind() == Value::Kind::string);
  CHECK(Value(std::string("text")).is_string());
  CHECK(Value(Bytes{{1, 2}}).kind() == Value::Kind::bytes);
  CHECK(Value(Value::List{1, 2}).kind() == Value::Kind::list);
  CHECK(Value(Value::Map{{"a", 1}}).kind() == Value::Kind::map);
  CHECK(std::string(Value::kind_name(Value::Kind::floating)) == "float");
  CHECK(std::string(Value::kind_name(Value::Kind::map)) == "map");
}

TEST_CASE("sdk value: Value accessors return the payload of the matching kind", "[sdk]") {
  CHECK(Value(true).as_bool());
  CHECK(Value(-3).as_int() == -3);
  CHECK(Value(0.25).as_float() == 0.25);
  CHECK(Value("hi").as_string() == "hi");
  CHECK(Value(Bytes{{0, 255}}).as_bytes().data == std::vector<std::uint8_t>{0, 255});
  CHECK(Value(Value::List{1, "x"}).as_list().size() == 2);

  Value m(Value::Map{{"a", 1}, {"b", "two"}});
  REQUIRE(m.find("b") != nullptr);
  CHECK(m.find("b")->as_string() == "two");
  CHECK(m.find("c") == nullptr);
  CHECK(Value(5).find("a") == nullptr);

  m.as_map().emplace_back("c", 3.0);  // the mutable accessor edits in place
  CHECK(m.find("c")->as_float() == 3.0);
  CHECK(m.as_map().front().first == "a");  // insertion order is kept
}

TEST_CASE("sdk value: Value accessors throw ValueError naming both kinds on a mismatch", "[sdk]") {
  CHECK_THROWS_AS(Value().as_bool(), ValueError);
  CHECK_THROWS_WITH(Value(1).as_string(), "expected string, got int");
  CHECK_THROWS_WITH(Value("1").as_int(), "expected int, got string");
  CHECK_THROWS_WITH(Value(1).as_float(), "expected float, got int");  // no silent widening here
  CHECK_THROWS_AS(Value(Value::List{}).as_map(), ValueError);
  CHECK_THROWS_AS(Value(Value::Map{}).as_list(), ValueError);
  CHECK_THROWS_AS(Value("x").as_bytes(), ValueError);
}

TEST_CASE("sdk value: Value equality is deep and kind-sensitive", "[sdk]") {
  CHECK(Value(Value::List{1, Value::Map{{"k", "v"}}}) == Value(Value::List{1, Value::Map{{"k", "v"}}}));
  CHECK(Value(Value::List{1, 2}) != Value(Value::List{2, 1}));
  CHECK(Value(1) != Value(1.0));
  CHECK(Value(true) != Value(1));
  CHECK(Value("ab") != Value(Bytes{{'a', 'b'}}));
  CHECK(Value(Value::Map{{"a", 1}, {"b", 2}}) != Value(Value::Map{{"b", 2}, {"a", 1}}));  // order matters
  CHECK(Value() == Value(nullptr));
}

TEST_CASE("sdk value: encode_value and decode_value round-trip every kind", "[sdk]") {
  const Value v(Value::Map{
      {"null", nullptr},
      {"bool", false},
      {"int", std::numeric_limits<std::int64_t>::min()},
      {"float", -1.5e300},
      {"str", std::string("with\0nul", 8)},
      {"bytes", Bytes{{0, 1, 254, 255}}},
      {"list", Value::List{1, Value::List{}, Value::Map{}}},
      {"map", Value::Map{{"", ""}}},
  });
  CHECK(codec::decode_value(codec::encode_value(v)) == v);
  for (const Value& scalar : {Value(), Value(true), Value(42), Value(0.5), Value("")})
    CHECK(codec::decode_value(codec::encode_value(scalar)) == scalar);
}

TEST_CASE("sdk value: the direct archive is byte for byte cereal's, both ways", "[sdk]") {
  // Plugins built with an SDK that still used cereal for Values read and
  // write these bytes: the direct codec must not drift from it.
  const Value every(Value::List{
      Value(), true, false, std::int64_t{-7}, std::numeric_limits<std::int64_t>::max(), 0.25, -0.0, "",
      std::string("with\0nul", 8), Bytes{{0, 255}}, Bytes{}, Value::List{}, Value::Map{},
      Value::Map{{"k", Value::List{1, Value::Map{{"", nullptr}}}}, {"k", 2}}});
  for (const Value& v : {every, Value(), Value(3), Value("word"), Value(Value::List{every, every})}) {
    std::string by_cereal;
    {
      ferry::codec::StringBuf buf(by_cereal);
      std::ostream os(&buf);
      cereal::BinaryOutputArchive ar(os);
      ferry::detail::save_value(ar, v);
    }
    CHECK(codec::encode_value(v) == by_cereal);
    CHECK(codec::decode_value(by_cereal) == v);
    ferry::codec::SpanBuf in(by_cereal.data(), by_cereal.size());
    std::istream is(&in);
    cereal::BinaryInputArchive ar(is);
    CHECK(ferry::detail::load_value(ar, 0, by_cereal.size()) == v);
  }
}

TEST_CASE("sdk value: decode_value refuses every truncation of a valid encoding", "[sdk]") {
  const std::string bytes = codec::encode_value(Value(Value::List{1, "two", Value::Map{{"three", 3.0}}}));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK_THROWS_AS(codec::decode_value(std::string_view(bytes).substr(0, n)), ValueError);
  }
}

TEST_CASE("sdk value: decode_value refuses trailing bytes", "[sdk]") {
  const std::string bytes = codec::encode_value(Value(7)) + "x";
  CHECK_THROWS_WITH(codec::decode_value(bytes), Catch::Contains("1 bytes left over"));
}

TEST_CASE("sdk value: decode_value refuses an unknown kind byte", "[sdk]") {
  CHECK_THROWS_WITH(codec::decode_value(std::string(1, '\x09')), Catch::Contains("unknown value kind 9"));
}

TEST_CASE("sdk value: decode_value accepts nesting up to kMaxValueDepth and refuses deeper", "[sdk]") {
  const Value deepest = nested_list(ferry::kMaxValueDepth);
  CHECK(codec::decode_value(codec::encode_value(deepest)) == deepest);

  const std::string too_deep = codec::encode_value(nested_list(ferry::kMaxValueDepth + 1));
  CHECK_THROWS_WITH(codec::decode_value(too_deep), Catch::Contains("nested deeper than"));

  // Hostile input: a long run of "list of one" headers must not recurse without bound.
  std::string hostile;
  for (int i = 0; i < 100000; ++i) hostile += kind_and_count(Value::Kind::list, 1);
  CHECK_THROWS_AS(codec::decode_value(hostile), ValueError);
}

TEST_CASE("sdk value: decode_value refuses element counts larger than the input", "[sdk]") {
  const auto huge = std::uint64_t{1} << 60;
  CHECK_THROWS_WITH(codec::decode_value(kind_and_count(Value::Kind::list, huge)), Catch::Contains("claims"));
  CHECK_THROWS_AS(codec::decode_value(kind_and_count(Value::Kind::map, huge)), ValueError);
  CHECK_THROWS_AS(codec::decode_value(kind_and_count(Value::Kind::list, ~std::uint64_t{0})), ValueError);
}

TEST_CASE("sdk value: decode_value refuses string lengths larger than the input before allocating", "[sdk]") {
  // 64 MiB claimed by 9 bytes: refused by the length check ("claims"), not by
  // a failed read after allocating the claim.
  const std::uint64_t claim = std::uint64_t{1} << 26;
  CHECK_THROWS_WITH(codec::decode_value(kind_and_count(Value::Kind::string, claim)), Catch::Contains("claims"));
  CHECK_THROWS_WITH(codec::decode_value(kind_and_count(Value::Kind::bytes, claim)), Catch::Contains("claims"));
  // A map key carries a length of its own, after the map's count.
  const std::string map_key = kind_and_count(Value::Kind::map, 1) + kind_and_count(Value::Kind::map, claim).substr(1);
  CHECK_THROWS_WITH(codec::decode_value(map_key), Catch::Contains("claims"));
  CHECK_THROWS_AS(codec::decode_value(kind_and_count(Value::Kind::string, ~std::uint64_t{0})), ValueError);
}

TEST_CASE("sdk value: a bool byte other than 0 or 1 is refused, not loaded into a bool", "[sdk]") {
  // Found by tests/fuzz/fuzz_value: the byte went straight into a bool, which
  // is undefined behaviour for any value but 0 and 1.
  const std::string two{static_cast<char>(Value::Kind::boolean), '\x02'};
  CHECK_THROWS_WITH(codec::decode_value(two), Catch::Contains("invalid bool byte 2"));
  Value v;
  CHECK_THROWS_AS(codec::decode(two, v), ValueError);
  CHECK(codec::decode_value(codec::encode_value(Value(true))) == Value(true));
  CHECK(codec::decode_value(codec::encode_value(Value(false))) == Value(false));
}

TEST_CASE("sdk value: a Value decoded by cereal's generic path allocates only for bytes that arrive", "[sdk]") {
  // Found by tests/fuzz/fuzz_value: through ferry::load (a Value parameter of
  // a task) lengths are bounded by 2^40 only, and a string claiming 512 GiB
  // was allocated before its bytes were read.
  Value v;
  CHECK_THROWS_AS(codec::decode(kind_and_count(Value::Kind::string, std::uint64_t{1} << 39) + "abc", v),
                  cereal::Exception);
  CHECK_THROWS_AS(codec::decode(kind_and_count(Value::Kind::bytes, std::uint64_t{1} << 39) + "abc", v),
                  cereal::Exception);
  // Long strings and bytes still arrive whole, in pieces past the first MiB.
  const std::string text(3 * (std::size_t{1} << 20) + 5, 'x');
  const Value long_ones(Value::List{text, Bytes{std::vector<std::uint8_t>(text.begin(), text.end())}});
  codec::decode(codec::encode(long_ones), v);
  CHECK(v == long_ones);
  CHECK(codec::decode_value(codec::encode_value(long_ones)) == long_ones);
}

TEST_CASE("sdk value: typed encode/decode round-trip and refuse short or long input", "[sdk]") {
  const std::string bytes = codec::encode(std::int64_t{-9}, std::string("s"), std::vector<double>{1.5});
  std::int64_t i = 0;
  std::string s;
  std::vector<double> d;
  codec::decode(bytes, i, s, d);
  CHECK(i == -9);
  CHECK(s == "s");
  CHECK(d == std::vector<double>{1.5});

  CHECK_THROWS(codec::decode(std::string_view(bytes).substr(0, bytes.size() - 1), i, s, d));
  CHECK_THROWS_AS(codec::decode(bytes + "z", i, s, d), ValueError);
  CHECK(codec::encode().empty());  // a task without parameters takes no bytes
  CHECK_NOTHROW(codec::decode(""));
  CHECK_THROWS_AS(codec::decode("x"), ValueError);
}

TEST_CASE("sdk value: strings and byte vectors decode straight from the input, and refuse every truncation",
          "[sdk]") {
  const std::string text(100'000, 't');
  const ferry::Bytes blob{std::vector<std::uint8_t>(70'000, 0xab)};
  const std::vector<std::int8_t> small{-1, 0, 1};
  const std::string bytes = codec::encode(text, blob, small, std::string(), std::int64_t{7});
  std::string t, empty = "not empty";
  ferry::Bytes b;
  std::vector<std::int8_t> sm;
  std::int64_t tail = 0;
  codec::decode(bytes, t, b, sm, empty, tail);
  CHECK(t == text);
  CHECK(b == blob);
  CHECK(sm == small);
  CHECK(empty.empty());
  CHECK(tail == 7);
  // Cut anywhere (inside a length, inside the bytes) it is refused; every
  // 997th cut keeps this quick.
  for (std::size_t n = 0; n < bytes.size(); n += 997)
    CHECK_THROWS(codec::decode(std::string_view(bytes).substr(0, n), t, b, sm, empty, tail));
  CHECK_THROWS(codec::decode(std::string_view(bytes).substr(0, bytes.size() - 1), t, b, sm, empty, tail));
}
