// Signature strings as trees: parsing every form <ferry/signature.hpp> can
// write, printing them back, and which types (and literals) fit which.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <ferry/shared.hpp>
#include <ferry/signature.hpp>

#include "values/type_expr.hpp"

using ferry::Value;
using namespace ferry::types;
using Kind = TypeExpr::Kind;

namespace geo {
struct Point { double x = 0, y = 0; };
}  // namespace geo
namespace ns {
template <class T>
struct Box { T v; };
}  // namespace ns

namespace {
TypeExpr T(std::string_view s) {
  auto t = parse_type(s);
  if (!t) FAIL("does not parse: " << s);
  return *t;
}
}  // namespace

TEST_CASE("type_expr: every grammar form prints back as it was written", "[types]") {
  for (std::string s :
       {"none", "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "str", "bytes", "any",
        "optional<i64>", "optional<optional<str>>", "list<str>", "list<list<u8>>", "array<f64,3>", "array<i8,0>",
        "map<str,f64>", "map<i64,list<str>>", "tuple<>", "tuple<i64>", "tuple<str,f64,list<bool>>", "geo::Point",
        "ns::Box<int>", "ns::Pair<int, double>", "(anonymous namespace)::P", "{anonymous}::P", "char [2]",
        "list<ns::Box<std::vector<int> >>", "map<int,int>::iterator", "tuple<ns::Pair<int, double>,i64>",
        "dict<str,i64>", "shared_list<f64>", "queue<tuple<str,i64>>", "connection<str>", "lock", "event", "semaphore",
        "barrier", "i128", "f128"}) {
    INFO(s);
    CHECK(to_string(T(s)) == s);
  }
}

TEST_CASE("type_expr: signatures of real C++ types parse to the right trees", "[types]") {
  const auto v = T(ferry::type_name<std::vector<std::int64_t>>());
  CHECK(v.kind == Kind::list);
  CHECK(v.args.at(0).kind == Kind::integer);
  CHECK(v.args[0].bits == 64);
  CHECK(v.args[0].is_signed);
  const auto u = T(ferry::type_name<std::uint16_t>());
  CHECK((u.kind == Kind::integer && u.bits == 16 && !u.is_signed));
  const auto a = T(ferry::type_name<std::array<float, 4>>());
  CHECK((a.kind == Kind::array && a.array_size == 4 && a.args.at(0).kind == Kind::floating && a.args[0].bits == 32));
  const auto m = T(ferry::type_name<std::map<std::string, std::optional<double>>>());
  CHECK((m.kind == Kind::map && m.args.at(0).kind == Kind::str && m.args.at(1).kind == Kind::optional));
  const auto p = T(ferry::type_name<std::pair<std::string, std::set<bool>>>());
  CHECK(to_string(p) == "tuple<str,list<bool>>");
  CHECK(T(ferry::type_name<ferry::Value>()).kind == Kind::any);
  CHECK(T(ferry::type_name<ferry::Bytes>()).kind == Kind::bytes);
  CHECK(T(ferry::type_name<std::tuple<>>()).args.empty());
  const auto point = T(ferry::type_name<geo::Point>());
  CHECK((point.kind == Kind::named && point.name == "geo::Point"));
  const auto box = T(ferry::type_name<std::vector<ns::Box<int>>>());
  CHECK((box.args.at(0).kind == Kind::named && box.args[0].name == "ns::Box<int>"));
  const auto dict = T(ferry::type_name<ferry::Dict<std::string, std::int64_t>>());
  CHECK((dict.kind == Kind::handle && dict.name == "dict" && dict.args.size() == 2));
  CHECK(to_string(dict) == "dict<str,i64>");
  const auto lock = T(ferry::type_name<ferry::Lock>());
  CHECK((lock.kind == Kind::handle && lock.name == "lock" && lock.args.empty()));
}

TEST_CASE("type_expr: malformed text is refused", "[types]") {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "list<";
  deep += "i64" + std::string(100, '>');
  for (const std::string& s : std::vector<std::string>{"", " ", "list<>", "list<i64", "list<i64>>", "optional<i64,i64>", "array<i64>", "array<i64,x>",
                        "array<i64,-1>", "array<i64,03>", "array<i64,3,4>", "map<str>", "tuple<i64,>", "tuple<,>",
                        "i64,str", "a)b", "dict<str>", "queue<>", deep}) {
    INFO(s);
    CHECK_FALSE(parse_type(s).has_value());
  }
}

TEST_CASE("type_expr: parameter lists", "[types]") {
  CHECK(parse_params("()")->empty());
  CHECK(parse_params(ferry::params_signature<>()) == std::vector<TypeExpr>{});
  const auto ps = parse_params(ferry::params_signature<std::int64_t, std::vector<std::tuple<std::string, double>>>());
  REQUIRE(ps);
  REQUIRE(ps->size() == 2);
  CHECK(to_string((*ps)[1]) == "list<tuple<str,f64>>");
  const auto named = parse_params("(ns::Pair<int, double>,(anonymous namespace)::P)");
  REQUIRE(named);
  CHECK(named->at(0).name == "ns::Pair<int, double>");
  CHECK(named->at(1).name == "(anonymous namespace)::P");
  for (std::string s : {"", "i64", "(i64", "i64)", "(i64,)", "(,)", "(list<i64)", "(i64)(str)"}) {
    INFO(s);
    CHECK_FALSE(parse_params(s).has_value());
  }
}

TEST_CASE("type_expr: fits", "[types]") {
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"i64", "i64"}, {"list<str>", "list<str>"}, {"geo::Point", "geo::Point"}, {"dict<str,i64>", "dict<str,i64>"},
           {"tuple<>", "tuple<>"}}) {
    INFO(from << " -> " << to);
    CHECK(fits(T(from), T(to)) == Fit::exact);
  }
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"i64", "f64"}, {"i32", "i64"}, {"i64", "i32"}, {"u64", "i64"}, {"f32", "f64"}, {"f64", "f32"},
           {"str", "bytes"}, {"tuple<i64,i32>", "list<f64>"}, {"list<i64>", "tuple<i64,f64>"},
           {"list<i64>", "array<f64,3>"}, {"array<i64,3>", "tuple<i64,i64,f64>"}, {"array<i64,2>", "list<i64>"},
           {"tuple<>", "list<i64>"}, {"any", "geo::Point"}, {"geo::Point", "any"}, {"list<any>", "list<list<str>>"},
           {"map<str,i64>", "map<str,f64>"}, {"map<i64,str>", "map<str,str>"}, {"map<str,str>", "map<i32,bytes>"},
           {"i64", "optional<f64>"}, {"optional<i64>", "optional<f64>"}, {"none", "optional<str>"},
           {"optional<i64>", "i64"}, {"tuple<str,list<i64>>", "tuple<bytes,array<f64,2>>"}}) {
    INFO(from << " -> " << to);
    CHECK(fits(T(from), T(to)) == Fit::convertible);
  }
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"str", "i64"}, {"list<i64>", "i64"}, {"geo::Point", "geo::Line"}, {"f64", "i64"}, {"bool", "i64"},
           {"i64", "bool"}, {"bytes", "str"}, {"array<i64,3>", "array<i64,4>"}, {"tuple<i64,i64>", "array<i64,3>"},
           {"map<f64,i64>", "map<str,i64>"}, {"dict<str,i64>", "dict<str,f64>"}, {"dict<str,i64>", "any"},
           {"any", "lock"}, {"i64", "none"}, {"list<i64>", "map<str,i64>"}, {"geo::Point", "map<str,any>"},
           {"optional<str>", "i64"}, {"none", "i64"}}) {
    INFO(from << " -> " << to);
    CHECK(fits(T(from), T(to)) == Fit::no);
  }
}

TEST_CASE("type_expr: fits explains where a mismatch is", "[types]") {
  std::string why;
  CHECK(fits(T("tuple<i64,str>"), T("tuple<i64,i64>"), &why) == Fit::no);
  CHECK(why == "element 1: str does not fit i64");
  CHECK(fits(T("list<str>"), T("list<i64>"), &why) == Fit::no);
  CHECK(why == "element: str does not fit i64");
  CHECK(fits(T("map<str,list<str>>"), T("map<str,list<f64>>"), &why) == Fit::no);
  CHECK(why == "map value: element: str does not fit f64");
  CHECK(fits(T("array<i64,2>"), T("tuple<i64,i64,i64>"), &why) == Fit::no);
  CHECK(why == "array<i64,2> does not fit tuple<i64,i64,i64>: 2 elements, expected 3");
  CHECK(fits(T("map<f64,i64>"), T("map<str,i64>"), &why) == Fit::no);
  CHECK(why == "map key: f64 does not fit str");
  CHECK(fits(T("queue<str>"), T("any"), &why) == Fit::no);
  CHECK(why.find("handle") != std::string::npos);
}

TEST_CASE("type_expr: value_fits checks literals the way from_value converts them", "[types]") {
  struct Row { Value v; std::string type; Fit fit; std::string why; };
  const std::vector<Row> rows = {
      {5, "i64", Fit::exact, ""},
      {5, "f64", Fit::convertible, ""},
      {5, "str", Fit::no, "expected str, got int"},
      {300, "u8", Fit::no, "300 is out of range for u8"},
      {-129, "i8", Fit::no, "-129 is out of range for i8"},
      {-128, "i8", Fit::exact, ""},
      {-1, "u64", Fit::no, "-1 is out of range for u64"},
      {2.5, "i64", Fit::no, "expected i64, got float"},
      {true, "i64", Fit::no, "expected i64, got bool"},
      {"s", "bytes", Fit::convertible, ""},
      {Value(), "optional<i64>", Fit::exact, ""},
      {3, "optional<i64>", Fit::exact, ""},
      {"s", "optional<i64>", Fit::no, "expected i64, got string"},
      {Value::List{1, 2, "x"}, "list<i64>", Fit::no, "element 2: expected i64, got string"},
      {Value::List{1, 2.5}, "list<f64>", Fit::convertible, ""},
      {Value::List{}, "list<str>", Fit::exact, ""},
      {Value::List{Value::List{1}, Value::List{2, "x"}}, "list<list<i64>>", Fit::no,
       "element 1: element 1: expected i64, got string"},
      {Value::List{"a", 1}, "tuple<str,f64>", Fit::convertible, ""},
      {Value::List{"a", 1}, "tuple<str>", Fit::no, "expected tuple<str> (1 elements), got a list of 2"},
      {Value::List{1, 2}, "array<i64,3>", Fit::no, "expected array<i64,3> (3 elements), got a list of 2"},
      {Value::Map{{"1", 1}, {"x", 2}}, "map<i64,i64>", Fit::no, "key 'x': not a i64"},
      {Value::Map{{"-1", 1}}, "map<u32,i64>", Fit::no, "key '-1': not a u32"},
      {Value::Map{{"18446744073709551615", 1}}, "map<u64,i64>", Fit::exact, ""},
      {Value::Map{{"a", Value::List{1, "b"}}}, "map<str,list<i64>>", Fit::no, "key 'a': element 1: expected i64, got string"},
      {Value::Map{{"x", 1}}, "geo::Point", Fit::convertible, ""},
      {1, "geo::Point", Fit::no, "expected a map for struct geo::Point, got int"},
      {"q", "queue<str>", Fit::no, "a shared-object handle (queue<str>) cannot be given as a literal"},
      {Value::Map{{"x", Value::List{}}}, "any", Fit::exact, ""},
  };
  for (const auto& r : rows) {
    INFO(r.type);
    std::string why;
    CHECK(value_fits(r.v, T(r.type), &why) == r.fit);
    if (r.fit == Fit::no) CHECK(why == r.why);
  }
}
