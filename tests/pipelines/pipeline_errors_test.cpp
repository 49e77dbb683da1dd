// on_error fail | skip | collect, retries and crash isolation: a stage whose
// task crashes or throws on some items. No item may be lost or duplicated.
#include <catch2/catch.hpp>

#include "pipeline_test_support.hpp"

using ferry::Value;
using ferry::test::die_once_values;
using ferry::test::run_yaml;
using ferry::test::stage;
using ferry::test::TempDir;

namespace {

std::string crash_pipeline(const std::string& task, const std::string& on_error, int n = 40) {
  return "pipeline: crashes\n"
         "plugins: {faults: faults}\n"
         "stages:\n"
         "  - name: numbers\n"
         "    source: {range: [0, " + std::to_string(n) + "]}\n"
         "  - name: crash\n"
         "    map: faults." + task + "\n"
         "    workers: 2\n"
         "    chunksize: 4\n"
         "    on_error: " + on_error + "\n"
         "  - name: out\n"
         "    sink: stdout\n";
}

const Value& error_of(const Value& line) {
  REQUIRE(line.is_map());
  return line.as_map().at(0).second;
}

std::string field(const Value& error, const std::string& key) {
  for (const auto& [k, v] : error.as_map())
    if (k == key) return v.is_string() ? v.as_string() : ferry::to_json(v);
  return "";
}

}  // namespace

TEST_CASE("collect: a crashing item becomes an error record in its place; its chunk-mates succeed", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto r = run_yaml(engine, dir, crash_pipeline("segfault_on_3", "collect"));
  REQUIRE(r.stats.ok);
  REQUIRE(r.lines.size() == 40);
  for (std::int64_t i = 0; i < 40; ++i) {
    const Value& line = r.lines[static_cast<std::size_t>(i)];
    if (i % 10 == 3) {
      const Value& e = error_of(line);
      CHECK(field(e, "stage") == "crash");
      CHECK(field(e, "task") == "faults.segfault_on_3");
      CHECK(field(e, "item") == std::to_string(i));
      CHECK(field(e, "input") == std::to_string(i));
      CHECK(field(e, "type") == "WorkerError");
      CHECK_THAT(field(e, "message"), Catch::Contains("SIGSEGV"));
    } else {
      REQUIRE(line.is_int());
      CHECK(line.as_int() == i);
    }
  }
  const auto& s = stage(r.stats, "crash");
  CHECK(s.failed == 4);
  CHECK(s.collected == 4);
  CHECK(s.items_in == 40);
  CHECK(s.items_out == 40);
}

TEST_CASE("skip: crashing items are dropped, every other item arrives once, in order", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto r = run_yaml(engine, dir, crash_pipeline("segfault_on_3", "skip"));
  REQUIRE(r.stats.ok);
  std::vector<std::int64_t> expected, got;
  for (std::int64_t i = 0; i < 40; ++i)
    if (i % 10 != 3) expected.push_back(i);
  for (const auto& v : r.lines) got.push_back(v.as_int());
  CHECK(got == expected);
  CHECK(stage(r.stats, "crash").skipped == 4);
  CHECK(stage(r.stats, "out").items_in == 36);
}

TEST_CASE("fail: the first failed item stops the run with the stage, item and cause", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto r = run_yaml(engine, dir, crash_pipeline("segfault_on_3", "fail"));
  REQUIRE_FALSE(r.stats.ok);
  CHECK_THAT(r.stats.error, Catch::Contains("stage 'crash'") && Catch::Contains("faults.segfault_on_3") &&
                                Catch::Contains("SIGSEGV"));
  // Ordered output: whatever was written before the stop is a prefix of the
  // good items before the first crash (3), each once.
  REQUIRE(r.lines.size() <= 3);
  for (std::size_t i = 0; i < r.lines.size(); ++i) CHECK(r.lines[i].as_int() == static_cast<std::int64_t>(i));
}

TEST_CASE("collect: a task exception fails only its own item, with its type and message", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto r = run_yaml(engine, dir, crash_pipeline("throw_on_7", "collect", 20));
  REQUIRE(r.stats.ok);
  REQUIRE(r.lines.size() == 20);
  for (std::int64_t i = 0; i < 20; ++i) {
    const Value& line = r.lines[static_cast<std::size_t>(i)];
    if (i % 10 == 7) {
      CHECK_THAT(field(error_of(line), "type"), Catch::Contains("std::domain_error"));
      CHECK(field(error_of(line), "message") == "item " + std::to_string(i) + " ends in 7");
    } else {
      CHECK(line.as_int() == i);
    }
  }
}

TEST_CASE("retries: an item whose worker dies once succeeds on its retry; without retries it fails", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const std::string values = die_once_values(dir, 12);
  const std::string yaml = "pipeline: flaky\n"
                           "plugins: {faults: faults}\n"
                           "stages:\n"
                           "  - name: numbers\n"
                           "    source: {values: [" + values + "]}\n"
                           "  - name: flaky\n"
                           "    starmap: faults.die_once\n"
                           "    workers: 2\n"
                           "    chunksize: 1\n"
                           "    on_error: collect\n"
                           "  - name: out\n"
                           "    sink: stdout\n";
  SECTION("retries: 1") {
    const auto r = run_yaml(engine, dir, yaml, {"stages.flaky.retries=1"});
    REQUIRE(r.stats.ok);
    REQUIRE(r.lines.size() == 12);
    for (std::size_t i = 0; i < 12; ++i) CHECK(r.lines[i].as_int() == static_cast<std::int64_t>(i));
    CHECK(stage(r.stats, "flaky").retried == 12);
    CHECK(stage(r.stats, "flaky").failed == 0);
  }
  SECTION("retries: 0") {
    const auto r = run_yaml(engine, dir, yaml);
    REQUIRE(r.stats.ok);
    REQUIRE(r.lines.size() == 12);
    for (const auto& line : r.lines) CHECK(field(error_of(line), "type") == "WorkerError");
    CHECK(stage(r.stats, "flaky").failed == 12);
  }
}

TEST_CASE("a timeout fails only the hanging item and the stage goes on", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const std::string yaml = "pipeline: hangs\n"
                           "plugins: {faults: faults}\n"
                           "stages:\n"
                           "  - name: delays\n"
                           "    source: {values: [1, 2, 60000, 3]}\n"
                           "  - name: sleep\n"
                           "    map: faults.sleep_ms\n"
                           "    workers: 2\n"
                           "    timeout: 500ms\n"
                           "    on_error: collect\n"
                           "  - name: out\n"
                           "    sink: stdout\n";
  const auto r = run_yaml(engine, dir, yaml);
  REQUIRE(r.stats.ok);
  REQUIRE(r.lines.size() == 4);
  CHECK(r.lines[0].as_int() == 1);
  CHECK(r.lines[1].as_int() == 2);
  CHECK(field(error_of(r.lines[2]), "type") == "Timeout");
  CHECK(r.lines[3].as_int() == 3);
}
