// How items flow: every stage and source kind, typed and Value edges,
// order, sinks, bad input data, and memory that stays flat with the input.
#include <catch2/catch.hpp>

#include <fstream>

#include "pipeline_test_support.hpp"

using ferry::Value;
using ferry::test::run_yaml;
using ferry::test::stage;
using ferry::test::TempDir;

namespace {

std::vector<std::int64_t> ints(const std::vector<Value>& lines) {
  std::vector<std::int64_t> out;
  for (const auto& v : lines) out.push_back(v.as_int());
  return out;
}

// Peak resident set of this process so far, in KiB (VmHWM). Unused in
// sanitized builds (see the memory test).
[[maybe_unused]] long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

const std::string kThreeStages =
    "pipeline: three\n"
    "plugins: {math: math}\n"
    "defaults: {workers: 1}\n"
    "stages:\n"
    "  - name: numbers\n"
    "    source: {range: [0, 10]}\n"
    "  - name: inc\n"
    "    map: math.inc\n"
    "  - name: square\n"
    "    map: math.square\n"
    "  - name: even\n"
    "    map: math.is_even\n"
    "  - name: out\n"
    "    sink: stdout\n";

}  // namespace

TEST_CASE("three task stages pass typed results straight through", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto r = run_yaml(engine, dir, kThreeStages);
  REQUIRE(r.stats.ok);
  REQUIRE(r.lines.size() == 10);
  for (std::int64_t i = 0; i < 10; ++i) CHECK(r.lines[static_cast<std::size_t>(i)].as_bool() == ((i + 1) * (i + 1) % 2 == 0));
  for (const auto& name : {"numbers", "inc", "square", "even", "out"}) CHECK(stage(r.stats, name).items_out == 10);
}

TEST_CASE("range follows Python: stop excluded, negative steps", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const std::string yaml = "pipeline: r\nstages:\n  - name: n\n    source: {range: [10, 0, -3]}\n  - name: out\n    sink: stdout\n";
  CHECK(ints(run_yaml(engine, dir, yaml).lines) == std::vector<std::int64_t>{10, 7, 4, 1});
}

TEST_CASE("flat_map, a generator source, batch and apply", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  SECTION("a generator source and flat_map split results into items") {
    const auto r = run_yaml(engine, dir,
                            "pipeline: words\nplugins: {text: shared}\nstages:\n"
                            "  - name: lines\n    source: {task: text.split_words, args: ['one two three']}\n"
                            "  - name: again\n    flat_map: text.split_words\n"
                            "  - name: out\n    sink: stdout\n");
    REQUIRE(r.stats.ok);
    REQUIRE(r.lines.size() == 3);
    CHECK(r.lines[0].as_string() == "one");
    CHECK(r.lines[2].as_string() == "three");
  }
  SECTION("batch groups items into lists; the last may be shorter") {
    const auto r = run_yaml(engine, dir,
                            "pipeline: b\nplugins: {math: math}\nstages:\n"
                            "  - name: n\n    source: {range: [1, 26]}\n"
                            "  - name: groups\n    batch: 10\n"
                            "  - name: avg\n    map: math.analyze_chunk\n"
                            "  - name: out\n    sink: stdout\n");
    REQUIRE(r.stats.ok);
    REQUIRE(r.lines.size() == 3);
    CHECK(r.lines[0].as_float() == Approx(5.5));
    CHECK(r.lines[1].as_float() == Approx(15.5));
    CHECK(r.lines[2].as_float() == Approx(23.0));
  }
  SECTION("apply calls the task once with every item") {
    const auto r = run_yaml(engine, dir,
                            "pipeline: a\nplugins: {math: math}\nstages:\n"
                            "  - name: n\n    source: {range: [1, 101]}\n"
                            "  - name: avg\n    apply: math.analyze_chunk\n"
                            "  - name: out\n    sink: stdout\n");
    REQUIRE(r.stats.ok);
    REQUIRE(r.lines.size() == 1);
    CHECK(r.lines[0].as_float() == Approx(50.5));
  }
}

TEST_CASE("ordered: false gives every item once, in any order", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto r = run_yaml(engine, dir,
                          "pipeline: u\nplugins: {math: math}\nstages:\n"
                          "  - name: n\n    source: {range: [0, 500]}\n"
                          "  - name: sq\n    map: math.square\n    workers: 2\n    chunksize: 7\n    ordered: false\n"
                          "  - name: out\n    sink: stdout\n");
  auto got = ints(r.lines);
  std::sort(got.begin(), got.end());
  std::vector<std::int64_t> expected;
  for (std::int64_t i = 0; i < 500; ++i) expected.push_back(i * i);
  CHECK(got == expected);
}

TEST_CASE("a dict sink stores pairs and maps; output prints the dict with sorted keys", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  std::ostringstream out;
  const auto r = run_yaml(engine, dir,
                          "pipeline: d\nshared: {counts: 'dict<str,i64>'}\noutput: {dict: counts}\nstages:\n"
                          "  - name: n\n    source: {values: [[b, 2], [a, 1], {c: 3}]}\n"
                          "  - name: out\n    sink: {dict: counts}\n");
  REQUIRE(r.stats.ok);
  REQUIRE(r.lines.size() == 1);
  CHECK(ferry::to_json(r.lines[0]) == R"({"a":1,"b":2,"c":3})");
  CHECK(engine.dict<std::string, std::int64_t>("counts").get("c") == 3);
}

TEST_CASE("file sinks and json_lines sources round-trip; a bad line stops the run naming it", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto r = run_yaml(engine, dir,
                          "pipeline: f\nstages:\n  - name: n\n    source: {values: [1, 'two', [3]]}\n"
                          "  - name: out\n    sink: {file: out.jsonl}\n");
  REQUIRE(r.stats.ok);
  const auto back = run_yaml(engine, dir,
                             "pipeline: g\nstages:\n  - name: n\n    source: {json_lines: out.jsonl}\n"
                             "  - name: out\n    sink: stdout\n");
  REQUIRE(back.lines.size() == 3);
  CHECK(ferry::to_json(back.lines[2]) == "[3]");
  dir.write("bad.jsonl", "1\n2\n{oops\n");
  const auto bad = run_yaml(engine, dir,
                            "pipeline: h\nstages:\n  - name: n\n    source: {json_lines: bad.jsonl}\n"
                            "  - name: out\n    sink: stdout\n");
  REQUIRE_FALSE(bad.stats.ok);
  CHECK_THAT(bad.stats.error, Catch::Contains("bad.jsonl:3: not a JSON value"));
}

TEST_CASE("peak memory does not grow with the number of items", "[pipeline][memory]") {
  ferry::Engine engine;
  TempDir dir;
  // The same three stages, 100k then 1M items; buffering the input would
  // cost tens of bytes an item, so 900k more items would show as tens of MiB.
  auto r = run_yaml(engine, dir, kThreeStages, {"stages.numbers.source={range: [0, 100000]}", "stages.out.sink={file: /dev/null}"});
  REQUIRE(r.stats.ok);
  CHECK(stage(r.stats, "out").items_in == 100000);
#ifndef FERRY_SANITIZED  // ASan holds freed memory in quarantine: its RSS grows with any allocation, so
                         // the million items would take a minute to measure nothing
  const long after_100k = peak_rss_kib();
  r = run_yaml(engine, dir, kThreeStages, {"stages.numbers.source={range: [0, 1000000]}", "stages.out.sink={file: /dev/null}"});
  REQUIRE(r.stats.ok);
  CHECK(stage(r.stats, "out").items_in == 1000000);
  const long after_1m = peak_rss_kib();
  INFO("peak RSS after 100k items: " << after_100k << " KiB, after 1M: " << after_1m << " KiB");
  CHECK(after_1m - after_100k < 8 * 1024);
#endif
}
