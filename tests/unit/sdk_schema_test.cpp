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
  CHECK(ferry::to_string(point[0]) == "here::Point{x:f64,y:f64}");
  const auto unnamed = ferry::struct_schemas<here::Unnamed>();
  REQUIRE(unnamed.size() == 1);
  CHECK(ferry::to_string(unnamed[0]) == "here::Unnamed{value0:i32,value1:str}");
  CHECK(ferry::struct_schemas<std::int64_t, std::string, std::vector<double>>().empty());
}

TEST_CASE("sdk schema: structs inside fields, containers and several types, each once, nested first", "[sdk]") {
  const auto all = ferry::struct_schemas<here::Route, std::vector<here::Point>>();
  REQUIRE(all.size() == 3);
  CHECK(ferry::to_string(all[0]) == "here::Point{x:f64,y:f64}");
  CHECK(ferry::to_string(all[1]) == "here::Order{qty:i64,price:f64}");
  CHECK(ferry::to_string(all[2]) ==
        "here::Route{name:str,stops:list<here::Point>,depot:optional<here::Point>,orders:map<str,here::Order>}");
}

TEST_CASE("sdk schema: two views of one struct with swapped same-size fields differ, naming the field", "[sdk]") {
  auto mine = ferry::struct_schemas<here::Order>().at(0);
  auto theirs = ferry::struct_schemas<here::OrderSwapped>().at(0);
  theirs.name = mine.name;  // as another build names it
  CHECK(ferry::schema_mismatch(mine, mine).empty());
  CHECK(ferry::schema_mismatch(mine, theirs) == "struct here::Order: field 1 is qty:i64 here, price:f64 there");
  theirs.fields.pop_back();
  theirs.fields[0] = mine.fields[0];
  CHECK(ferry::schema_mismatch(mine, theirs) == "struct here::Order: 2 fields here, 1 there");
}
