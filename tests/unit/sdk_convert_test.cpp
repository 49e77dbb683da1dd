// to_value / from_value: what the CLI and YAML rely on to call typed tasks.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <ferry/convert.hpp>

using ferry::from_value;
using ferry::to_value;
using ferry::Value;
using ferry::ValueError;

namespace convert_test {

struct Point {
  double x = 0, y = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(x), CEREAL_NVP(y));
  }
  friend bool operator==(const Point&, const Point&) = default;
};

// Nested structs, containers of structs, and an unnamed field.
struct Shape {
  std::string name;
  std::vector<Point> corners;
  std::optional<Point> centre;
  std::int32_t tag = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(name), CEREAL_NVP(corners), CEREAL_NVP(centre), tag);
  }
  friend bool operator==(const Shape&, const Shape&) = default;
};

}  // namespace convert_test

using convert_test::Point;
using convert_test::Shape;

namespace {

// x survives the trip through a Value unchanged.
template <class T>
T round_trip(const T& x) {
  return from_value<T>(to_value(x));
}

}  // namespace

TEST_CASE("sdk convert: integers convert with range checks", "[sdk]") {
  CHECK(to_value(std::int64_t{-5}) == Value(-5));
  CHECK(to_value(std::uint8_t{200}) == Value(200));
  CHECK(round_trip(std::numeric_limits<std::int64_t>::min()) == std::numeric_limits<std::int64_t>::min());
  CHECK(round_trip(std::numeric_limits<std::int16_t>::max()) == std::numeric_limits<std::int16_t>::max());
  CHECK(from_value<std::uint8_t>(Value(255)) == 255);

  CHECK_THROWS_WITH(from_value<std::uint8_t>(Value(300)), "300 is out of range for u8");
  CHECK_THROWS_WITH(from_value<std::uint32_t>(Value(-1)), "-1 is out of range for u32");
  CHECK_THROWS_AS(from_value<std::int8_t>(Value(-129)), ValueError);
  CHECK_THROWS_AS(from_value<std::int32_t>(Value(std::int64_t{1} << 31)), ValueError);
  CHECK_THROWS_AS(to_value(std::numeric_limits<std::uint64_t>::max()), ValueError);
  CHECK(to_value(std::uint64_t{1} << 62) == Value(std::int64_t{1} << 62));
  CHECK_THROWS_AS(from_value<std::int64_t>(Value(1.0)), ValueError);  // a float is not an integer
}

TEST_CASE("sdk convert: floats, bools and strings convert", "[sdk]") {
  CHECK(to_value(1.25) == Value(1.25));
  CHECK(to_value(0.5f) == Value(0.5));
  CHECK(round_trip(-0.125) == -0.125);
  CHECK(from_value<double>(Value(3)) == 3.0);  // YAML writes 3 for a float parameter
  CHECK(to_value(true) == Value(true));
  CHECK(round_trip(false) == false);
  CHECK_THROWS_AS(from_value<bool>(Value(1)), ValueError);
  CHECK(to_value(std::string("é")) == Value("é"));
  CHECK(round_trip(std::string()) == std::string());
  CHECK_THROWS_AS(from_value<std::string>(Value(1)), ValueError);
}

TEST_CASE("sdk convert: sequences convert to lists", "[sdk]") {
  const std::vector<std::int64_t> v{3, 1, 2};
  CHECK(to_value(v) == Value(Value::List{3, 1, 2}));
  CHECK(round_trip(v) == v);
  CHECK(round_trip(std::vector<std::string>{}) == std::vector<std::string>{});
  CHECK(round_trip(std::set<int>{5, 1}) == std::set<int>{1, 5});

  const std::array<std::int16_t, 3> a{1, 2, 3};
  CHECK(to_value(a) == Value(Value::List{1, 2, 3}));
  CHECK(round_trip(a) == a);
  CHECK_THROWS_WITH((from_value<std::array<int, 2>>(Value(Value::List{1, 2, 3}))),
                    "expected a list of 2 items, got 3");

  CHECK_THROWS_WITH(from_value<std::vector<std::uint8_t>>(Value(Value::List{1, 999})),
                    "[1]: 999 is out of range for u8");
  CHECK_THROWS_AS(from_value<std::vector<int>>(Value(1)), ValueError);
}

TEST_CASE("sdk convert: maps convert with string or integer keys", "[sdk]") {
  const std::map<std::string, double> by_name{{"a", 1.5}, {"b", -2.0}};
  CHECK(to_value(by_name) == Value(Value::Map{{"a", 1.5}, {"b", -2.0}}));
  CHECK(round_trip(by_name) == by_name);

  const std::map<std::int64_t, std::string> by_id{{-1, "minus"}, {10, "ten"}};
  CHECK(to_value(by_id) == Value(Value::Map{{"-1", "minus"}, {"10", "ten"}}));
  CHECK(round_trip(by_id) == by_id);
  CHECK_THROWS_WITH((from_value<std::map<std::int64_t, int>>(Value(Value::Map{{"1x", 1}}))),
                    Catch::Contains("map key '1x' is not a i64"));
  CHECK_THROWS_WITH((from_value<std::map<std::string, int>>(Value(Value::Map{{"k", "v"}}))),
                    Catch::StartsWith("[k]: "));
}

TEST_CASE("sdk convert: tuples, pairs and optionals convert", "[sdk]") {
  const std::tuple<std::int64_t, std::string, bool> t{7, "seven", true};
  CHECK(to_value(t) == Value(Value::List{7, "seven", true}));
  CHECK(round_trip(t) == t);
  CHECK(round_trip(std::pair<std::string, double>{"p", 0.5}) == std::pair<std::string, double>{"p", 0.5});
  CHECK_THROWS_WITH((from_value<std::pair<int, int>>(Value(Value::List{1}))), "expected a list of 2 items, got 1");
  CHECK_THROWS_WITH((from_value<std::tuple<int, std::string>>(Value(Value::List{1, 2}))),
                    "[1]: expected string, got int");

  CHECK(to_value(std::optional<int>{}) == Value());
  CHECK(to_value(std::optional<int>{4}) == Value(4));
  CHECK(from_value<std::optional<std::string>>(Value()) == std::nullopt);
  CHECK(from_value<std::optional<std::string>>(Value("s")) == std::optional<std::string>{"s"});
}

TEST_CASE("sdk convert: nested containers convert", "[sdk]") {
  const std::vector<std::map<std::string, std::vector<std::optional<int>>>> nested{
      {{"a", {1, std::nullopt}}}, {}, {{"b", {}}}};
  CHECK(round_trip(nested) == nested);
  CHECK(to_value(nested).as_list()[0].find("a")->as_list()[1].is_null());
}

TEST_CASE("sdk convert: structs convert to maps keyed by their CEREAL_NVP names", "[sdk]") {
  const Point p{1.5, -2};
  CHECK(to_value(p) == Value(Value::Map{{"x", 1.5}, {"y", -2.0}}));
  CHECK(round_trip(p) == p);

  // Field order in the map does not matter, and integers widen to floats.
  CHECK(from_value<Point>(Value(Value::Map{{"y", 4}, {"x", 3.0}})) == Point{3, 4});

  const Shape s{"tri", {{0, 0}, {1, 0}, {0, 1}}, Point{0.25, 0.25}, 9};
  const Value sv = to_value(s);
  REQUIRE(sv.is_map());
  CHECK(sv.find("corners")->as_list().size() == 3);
  CHECK(sv.find("value3")->as_int() == 9);  // an unnamed field gets cereal's positional name
  CHECK(round_trip(s) == s);
  CHECK(round_trip(Shape{"none", {}, std::nullopt, 0}) == Shape{"none", {}, std::nullopt, 0});
}

TEST_CASE("sdk convert: struct conversion errors name the field", "[sdk]") {
  CHECK_THROWS_WITH(from_value<Point>(Value(Value::Map{{"x", 1.0}})), "missing field 'y'");
  CHECK_THROWS_WITH(from_value<Point>(Value(Value::Map{{"x", "one"}, {"y", 2.0}})),
                    ".x: expected float, got string");
  CHECK_THROWS_WITH(from_value<Point>(Value(Value::List{1.0, 2.0})), "expected map, got list");
  // A key that is no field is an error, not silently dropped.
  CHECK_THROWS_WITH(from_value<Point>(Value(Value::Map{{"x", 1.0}, {"y", 2.0}, {"z", 3.0}})),
                    "unknown field 'z' (the struct's fields are x, y)");

  Value bad = to_value(Shape{"sq", {{0, 0}}, std::nullopt, 1});
  for (auto& [k, v] : bad.as_map())
    if (k == "corners") v = Value(Value::List{Value::Map{{"x", 0.0}}});
  CHECK_THROWS_WITH(from_value<Shape>(bad), Catch::Contains("missing field 'y'") && Catch::Contains("corners"));
}

TEST_CASE("sdk convert: Value converts to itself unchanged", "[sdk]") {
  const Value v(Value::List{1, "a", Value::Map{{"k", nullptr}}});
  CHECK(to_value(v) == v);
  CHECK(from_value<Value>(v) == v);
}
