// Signature strings: the host compares them byte for byte with a plugin's
// task table, so they must be exact and stable.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ferry/signature.hpp>

using ferry::params_signature;
using ferry::type_name;

struct GlobalPoint {
  double x, y;
};

namespace geo {
struct Point {
  double x, y;
};
struct Renamed {};
}  // namespace geo

namespace {
struct Hidden {};
template <class T>
struct Box {};
}  // namespace

template <>
struct ferry::type_name_override<geo::Renamed> {
  static constexpr const char* name = "geo.renamed";
};

TEST_CASE("sdk signature: scalar type names", "[sdk]") {
  CHECK(type_name<std::int64_t>() == "i64");
  CHECK(type_name<std::int32_t>() == "i32");
  CHECK(type_name<std::int8_t>() == "i8");
  CHECK(type_name<std::uint8_t>() == "u8");
  CHECK(type_name<std::uint64_t>() == "u64");
  CHECK(type_name<double>() == "f64");
  CHECK(type_name<float>() == "f32");
  CHECK(type_name<bool>() == "bool");
  CHECK(type_name<std::string>() == "str");
  CHECK(type_name<ferry::Bytes>() == "bytes");
  CHECK(type_name<ferry::Value>() == "any");
  CHECK(type_name<void>() == "none");
}

TEST_CASE("sdk signature: cv-qualifiers and references do not change a name", "[sdk]") {
  CHECK(type_name<const std::string&>() == "str");
  CHECK(type_name<std::int64_t&&>() == "i64");
  CHECK(type_name<const std::vector<double>&>() == "list<f64>");
}

TEST_CASE("sdk signature: container type names", "[sdk]") {
  CHECK(type_name<std::vector<std::int64_t>>() == "list<i64>");
  CHECK(type_name<std::deque<std::string>>() == "list<str>");
  CHECK(type_name<std::set<std::int64_t>>() == "list<i64>");
  CHECK(type_name<std::vector<std::vector<std::int64_t>>>() == "list<list<i64>>");
  CHECK(type_name<std::map<std::string, double>>() == "map<str,f64>");
  CHECK(type_name<std::unordered_map<std::int64_t, bool>>() == "map<i64,bool>");
  CHECK(type_name<std::tuple<std::int64_t, std::int64_t>>() == "tuple<i64,i64>");
  CHECK(type_name<std::tuple<>>() == "tuple<>");
  CHECK(type_name<std::pair<std::string, double>>() == "tuple<str,f64>");
  CHECK(type_name<std::optional<std::string>>() == "optional<str>");
  CHECK(type_name<std::array<std::uint8_t, 4>>() == "array<u8,4>");
  CHECK(type_name<std::map<std::string, std::vector<std::optional<std::int64_t>>>>() ==
        "map<str,list<optional<i64>>>");
}

TEST_CASE("sdk signature: user structs are named by their qualified C++ name unless overridden", "[sdk]") {
  CHECK(type_name<GlobalPoint>() == "GlobalPoint");
  CHECK(type_name<geo::Point>() == "geo::Point");
  CHECK(type_name<std::vector<geo::Point>>() == "list<geo::Point>");
  CHECK(type_name<geo::Renamed>() == "geo.renamed");
  CHECK(type_name<std::optional<geo::Renamed>>() == "optional<geo.renamed>");
}

TEST_CASE("sdk signature: anonymous namespaces are spelled alike by every compiler", "[sdk]") {
  // g++ and clang write them differently; a plugin and a host built by
  // different compilers must still agree.
  CHECK(type_name<Hidden>() == "{anonymous}::Hidden");
  CHECK(type_name<Box<Hidden>>() == "{anonymous}::Box<{anonymous}::Hidden>");
}

TEST_CASE("sdk signature: params_signature lists parameter names in order", "[sdk]") {
  CHECK(params_signature<>() == "()");
  CHECK(params_signature<std::int64_t>() == "(i64)");
  CHECK(params_signature<std::int64_t, std::int64_t, std::string>() == "(i64,i64,str)");
  CHECK(params_signature<std::vector<std::vector<std::int64_t>>, const geo::Point&>() ==
        "(list<list<i64>>,geo::Point)");
  CHECK(params_signature<std::tuple<std::string, double>>() == "(tuple<str,f64>)");
}
