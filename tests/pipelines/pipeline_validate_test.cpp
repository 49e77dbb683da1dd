// Pipeline::load's checks that need the plugins: plugins found, tasks found,
// types fitting between stages and literal values fitting parameters. Each
// problem names file:line:column, all are listed at once, and nothing runs.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "pipeline_test_support.hpp"

using ferry::test::TempDir;

namespace {

// The problems load reports for yaml, as "line:column: message".
std::vector<std::string> problems(const std::string& yaml) {
  ferry::Engine engine;
  TempDir dir;
  const auto file = dir.write("p.yaml", yaml);
  try {
    ferry::Pipeline::load(engine, file);
  } catch (const ferry::PipelineInvalid& e) {
    std::vector<std::string> out;
    for (const auto& p : e.problems()) {
      REQUIRE(p.where.rfind(file + ":", 0) == 0);
      out.push_back(p.where.substr(file.size() + 1) + ": " + p.message);
    }
    return out;
  }
  return {};
}

}  // namespace

TEST_CASE("a good pipeline loads", "[pipeline][validate]") {
  CHECK(problems("pipeline: ok\nplugins: {math: math}\nstages:\n"
                 "  - name: n\n    source: {values: [2, 3]}\n"
                 "  - name: check\n    map: math.is_prime\n"
                 "  - name: out\n    sink: stdout\n")
            .empty());
}

TEST_CASE("an unknown plugin, an unknown task and mismatched types are all reported, each at its place",
          "[pipeline][validate]") {
  const auto found = problems(
      "pipeline: broken\n"                       // 1
      "plugins:\n"                               // 2
      "  math: math\n"                           // 3
      "  nope: no_such_plugin\n"                 // 4
      "stages:\n"                                // 5
      "  - name: n\n"                            // 6
      "    source: {range: [0, 4]}\n"            // 7
      "  - name: a\n"                            // 8
      "    map: math.is_prme\n"                  // 9
      "  - name: b\n"                            // 10
      "    map: math.multiply_matrices\n"        // 11
      "  - name: c\n"                            // 12
      "    map: nope.task\n");                   // 13
  REQUIRE(found.size() == 3);
  CHECK_THAT(found[0], Catch::StartsWith("4:9: cannot load plugin 'nope'") && Catch::Contains("no_such_plugin"));
  CHECK_THAT(found[1], Catch::StartsWith("9:10: plugin 'math'") && Catch::Contains("has no task 'is_prme'") &&
                           Catch::Contains("did you mean 'is_prime'"));
  CHECK_THAT(found[2], Catch::StartsWith("11:10: map passes each item as one argument") &&
                           Catch::Contains("use starmap"));
}

TEST_CASE("a type mismatch between two task stages names both types", "[pipeline][validate]") {
  const auto found = problems("pipeline: t\nplugins: {math: math, text: shared}\nstages:\n"
                              "  - name: n\n    source: {range: [0, 4]}\n"
                              "  - name: words\n    map: text.split_words\n");
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0], Catch::StartsWith("7:10: text.split_words(str) -> list<str> takes str, but stage 'n' sends i64"));
}

TEST_CASE("inline values are checked one by one against the parameter", "[pipeline][validate]") {
  const auto found = problems("pipeline: v\nplugins: {math: math}\nstages:\n"
                              "  - name: n\n    source: {values: [2, 'x', 3, [1]]}\n"
                              "  - name: check\n    map: math.is_prime\n");
  REQUIRE(found.size() == 2);
  CHECK_THAT(found[0], Catch::StartsWith("5:26: value \"x\" does not fit math.is_prime(i64) -> bool"));
  CHECK_THAT(found[1], Catch::StartsWith("5:34: value [1] does not fit"));
}

TEST_CASE("starmap checks tuple arity and element types", "[pipeline][validate]") {
  const auto found = problems("pipeline: s\nplugins: {math: math}\nstages:\n"
                              "  - name: n\n    source: {values: [[2, 3], [2, 3, 4], 5]}\n"
                              "  - name: p\n    starmap: math.power\n");
  REQUIRE(found.size() == 2);
  CHECK_THAT(found[0], Catch::Contains("[2,3,4] cannot be the arguments of math.power(i64,i64) -> i64") &&
                           Catch::Contains("has 3 elements"));
  CHECK_THAT(found[1], Catch::Contains("starmap unpacks a list"));
}

TEST_CASE("flat_map needs a task returning a list", "[pipeline][validate]") {
  const auto found = problems("pipeline: f\nplugins: {math: math}\nstages:\n"
                              "  - name: n\n    source: {range: [0, 4]}\n"
                              "  - name: sq\n    flat_map: math.square\n");
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0], Catch::StartsWith("7:15: flat_map needs a task that returns a list"));
}

TEST_CASE("${VAR} and ${VAR:-default} expand before parsing, and problems still point into the file",
          "[pipeline][validate]") {
  ::setenv("FERRY_T_PLUGIN", "math", 1);
  ::setenv("FERRY_T_NAME", "a_stage_name_longer_than_what_it_replaces", 1);
  ::setenv("FERRY_T_EMPTY", "", 1);
  ::setenv("FERRY_T_BREAK", "two\nlines", 1);
  ::unsetenv("FERRY_T_UNSET");
  // Expanded values load; a default stands in for an unset or empty one;
  // $${ is a literal ${; comments are not expanded.
  CHECK(problems("pipeline: p  # ${FERRY_T_UNSET} in a comment\n"
                 "plugins: {math: ${FERRY_T_PLUGIN}}\nstages:\n"
                 "  - name: n\n    source: {values: [2, 3]}\n"
                 "  - name: ${FERRY_T_UNSET:-check}\n    map: ${FERRY_T_EMPTY:-math}.is_prime\n"
                 "  - name: out\n    sink: {file: \"out-$${FERRY_T_UNSET}.jsonl\"}\n") == std::vector<std::string>{});
  // A problem after an expansion on its line is at the column the file has.
  auto found = problems("pipeline: p\nplugins: {math: math}\nstages:\n"
                        "  - name: n\n    source: {values: [2]}\n"
                        "  - {name: ${FERRY_T_NAME}, map: math.is_prme}\n");
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0], Catch::StartsWith("6:34: plugin 'math'") && Catch::Contains("has no task 'is_prme'"));
  // Inside an expanded value: the ${ of it.
  ::setenv("FERRY_T_TASK", "math.is_prme", 1);
  found = problems("pipeline: p\nplugins: {math: math}\nstages:\n"
                   "  - name: n\n    source: {values: [2]}\n  - name: a\n    map: ${FERRY_T_TASK}\n");
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0], Catch::StartsWith("7:10: plugin 'math'"));
  // What cannot be expanded is an error naming it, at its place.
  found = problems("pipeline: p\nplugins: {math: math}\nstages:\n"
                   "  - name: n\n    source: {values: [${FERRY_T_UNSET}, ${FERRY_T_BREAK}, ${1x}]}\n"
                   "  - name: ${open\n");
  REQUIRE(found.size() == 4);
  CHECK(found[0] == "5:23: environment variable FERRY_T_UNSET is not set (give it a default with "
                    "${FERRY_T_UNSET:-default})");
  CHECK_THAT(found[1], Catch::StartsWith("5:41: environment variable FERRY_T_BREAK holds a line break"));
  CHECK_THAT(found[2], Catch::StartsWith("5:59: '${1x}' is not ${NAME} or ${NAME:-default}"));
  CHECK_THAT(found[3], Catch::StartsWith("6:11: '${' without a closing '}'"));
}

TEST_CASE("one pass reports shape problems and the type problems of every well-formed stage",
          "[pipeline][validate]") {
  const auto found = problems(
      "pipeline: p\n"                               // 1
      "plugns: {math: math}\n"                      // 2: a misspelled key
      "plugins: {math: math, text: shared}\n"       // 3
      "stages:\n"                                   // 4
      "  - name: n\n"                               // 5
      "    source: {range: [0, 4]}\n"               // 6
      "  - name: words\n"                           // 7
      "    map: text.split_words\n"                 // 8: takes str, gets i64
      "  - name: bad\n"                             // 9
      "    map: math.square\n"                      // 10: takes i64, gets list<str>: not checked,
      "    wokrers: 2\n"                            // 11: as its own entry has a problem
      "  - name: out\n"                             // 12
      "    sink: stdout\n");                        // 13
  REQUIRE(found.size() == 3);
  CHECK_THAT(found[0], Catch::StartsWith("2:1: unknown key 'plugns'"));
  CHECK_THAT(found[1], Catch::StartsWith("8:10: text.split_words(str) -> list<str> takes str, but stage 'n' sends i64"));
  CHECK_THAT(found[2], Catch::StartsWith("11:5: unknown key 'wokrers'"));
}

TEST_CASE("a struct two plugins lay out differently is refused between their stages, naming the field",
          "[pipeline][validate][schema]") {
  const std::string head = "pipeline: s\nplugins: {orders: orders, other: orders_swapped}\nstages:\n"
                           "  - name: make\n    source: {task: orders.orders_of, args: [3]}\n";
  CHECK(problems(head + "  - name: total\n    map: orders.total\n").empty());
  const auto found = problems(head + "  - name: total\n    map: other.total\n");
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0], Catch::StartsWith("7:10: other.total(Order) -> f64 takes Order, but stage 'make' sends Order") &&
                           Catch::EndsWith("struct Order: field 1 is qty: i64 in stage 'make', price: f64 in stage "
                                           "'total'"));
}

TEST_CASE("struct literals are checked field by field: wrong type, unknown and missing fields, each at its place",
          "[pipeline][validate][schema]") {
  const auto found = problems("pipeline: l\nplugins: {orders: orders}\nstages:\n"  // 1-3
                              "  - name: n\n"                                      // 4
                              "    source:\n"                                      // 5
                              "      values:\n"                                    // 6
                              "        - {qty: 2, price: 1.5}\n"                   // 7
                              "        - {qty: 1.5, price: 2}\n"                   // 8
                              "        - {qtty: 1, price: 2}\n"                    // 9
                              "        - {qty: 1}\n"                               // 10
                              "  - name: total\n    map: orders.total\n");         // 11-12
  REQUIRE(found.size() == 3);
  CHECK_THAT(found[0], Catch::StartsWith("8:11: value {\"qty\":1.5,\"price\":2} does not fit orders.total(Order) -> f64") &&
                           Catch::EndsWith("field 'qty' of struct Order: expected i64, got float"));
  CHECK_THAT(found[1], Catch::StartsWith("9:11:") &&
                           Catch::EndsWith("struct Order has no field 'qtty'; did you mean 'qty'?"));
  CHECK_THAT(found[2], Catch::StartsWith("10:11:") && Catch::EndsWith("struct Order: missing field 'price' (f64)"));
  // Named parameters name the argument.
  const auto args = problems("pipeline: a\nplugins: {orders: orders}\nstages:\n"
                             "  - name: n\n    source: {task: orders.orders_of, args: [x]}\n");
  REQUIRE(args.size() == 1);
  CHECK_THAT(args[0], Catch::StartsWith("5:20: argument 1 (n) of orders.orders_of(i64) -> list<Order>: expected i64, "
                                        "got string"));
}
