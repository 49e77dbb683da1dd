// Struct schemas read from cereal serialize functions: names, types, nesting,
// and the first difference between two builds' views of one struct.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <ferry/schema.hpp>

namespace here {
struct Point {
  double x = 0, y = 0;
  template <class A>
  void serialize(A& ar) { ar(CEREAL_NVP(x), CEREAL_NVP(y)); }
};
struct Order {
  std::int64_t qty = 0;
  double price = 0;
  template <class A>
  void serialize(A& ar) { ar(CEREAL_NVP(qty), CEREAL_NVP(price)); }
};
// The same name, fields of the same size swapped: what another build may have.
struct OrderSwapped {
  double price = 0;
  std::int64_t qty = 0;
  template <class A>
  void serialize(A& ar) { ar(CEREAL_NVP(price), CEREAL_NVP(qty)); }
};
struct Unnamed {
  int a = 0;
  std::string b;
  template <class A>
  void serialize(A& ar) { ar(a, b); }
};
struct Route {
  std::string name;
  std::vector<Point> stops;
  std::optional<Point> depot;
  std::map<std::string, Order> orders;
  template <class A>
  void serialize(A& ar) { ar(CEREAL_NVP(name), CEREAL_NVP(stops), CEREAL_NVP(depot), CEREAL_NVP(orders)); }
};
}  // namespace here

TEST_CASE("sdk schema: a struct's fields, named by CEREAL_NVP or value0..., with their types", "[sdk]") {
  const auto point = ferry::struct_schemas<here::Point>();
  REQUIRE(point.size() == 1);
  CHECK(ferry::to_string(point[0]) == "here::Point{x: f64, y: f64}");
  const auto unnamed = ferry::struct_schemas<here::Unnamed>();
  REQUIRE(unnamed.size() == 1);
  CHECK(ferry::to_string(unnamed[0]) == "here::Unnamed{value0: i32, value1: str}");
  CHECK(ferry::struct_schemas<std::int64_t, std::string, std::vector<double>>().empty());
}

TEST_CASE("sdk schema: structs inside fields, containers and several types, each once, nested first", "[sdk]") {
  const auto all = ferry::struct_schemas<here::Route, std::vector<here::Point>>();
  REQUIRE(all.size() == 3);
  CHECK(ferry::to_string(all[0]) == "here::Point{x: f64, y: f64}");
  CHECK(ferry::to_string(all[1]) == "here::Order{qty: i64, price: f64}");
  CHECK(ferry::to_string(all[2]) ==
        "here::Route{name: str, stops: list<here::Point>, depot: optional<here::Point>, orders: map<str,here::Order>}");
}

TEST_CASE("sdk schema: two views of one struct with swapped same-size fields differ, naming the field", "[sdk]") {
  auto mine = ferry::struct_schemas<here::Order>().at(0);
  auto theirs = ferry::struct_schemas<here::OrderSwapped>().at(0);
  theirs.name = mine.name;  // as another build names it
  CHECK(ferry::schema_mismatch(mine, mine).empty());
  CHECK(ferry::schema_mismatch(mine, theirs) == "struct here::Order: field 1 is qty: i64 here, price: f64 there");
  theirs.fields.pop_back();
  theirs.fields[0] = mine.fields[0];
  CHECK(ferry::schema_mismatch(mine, theirs) == "struct here::Order: 2 fields here, 1 there");
}

TEST_CASE("sdk schema: labels say whose view each side is, and struct_conflict compares the structs both know", "[sdk]") {
  auto mine = ferry::struct_schemas<here::Order>().at(0);
  auto theirs = ferry::struct_schemas<here::OrderSwapped>().at(0);
  theirs.name = mine.name;
  CHECK(ferry::schema_mismatch(mine, theirs, "in the host", "in the plugin") ==
        "struct here::Order: field 1 is qty: i64 in the host, price: f64 in the plugin");
  const auto points = ferry::struct_schemas<here::Point>();
  // Only Order is in both: Point alone on one side is not a conflict.
  CHECK(ferry::struct_conflict(points, {theirs}).empty());
  CHECK(ferry::struct_conflict({points[0], mine}, {theirs}, "in a", "in b") ==
        "struct here::Order: field 1 is qty: i64 in a, price: f64 in b");
  CHECK(ferry::struct_conflict({mine}, {mine}).empty());
}

TEST_CASE("sdk schema: parameter names and structs travel as one schema text and read back the same", "[sdk]") {
  ferry::TaskInfo t;
  t.param_names = {"route", "limit\tx"};  // a tab in a name becomes a space
  t.structs = ferry::struct_schemas<here::Route>();
  ferry::TaskInfo back;
  back.parse_schema(t.schema_text());
  CHECK(back.param_names == std::vector<std::string>{"route", "limit x"});
  CHECK(back.structs == t.structs);
  CHECK(back.argument_label(1) == "argument 2 (limit x)");
  CHECK(ferry::TaskInfo{}.argument_label(0) == "argument 1");
  ferry::TaskInfo empty;
  CHECK(empty.schema_text().empty());
  // Lines it does not understand (a newer plugin, or junk) are skipped.
  back.parse_schema("X\tfuture\nS\tOdd\tx\nP\ta\tb\nS\tP\tx\tf64\n\n");
  CHECK(back.param_names == std::vector<std::string>{"a", "b"});
  REQUIRE(back.structs.size() == 1);
  CHECK(ferry::to_string(back.structs[0]) == "P{x: f64}");
}
