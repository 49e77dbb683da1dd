// Pipeline::load's checks that need the plugins: plugins found, tasks found,
// types fitting between stages and literal values fitting parameters. Each
// problem names file:line:column, all are listed at once, and nothing runs.
#include <catch2/catch.hpp>

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
