// Hostile shapes and outputs through the embedding API: a pipeline whose
// last stage is not a sink, two outputs of one run in one file, and an
// output stream that cannot be written.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline_test_support.hpp"

using ferry::test::read_file;
using ferry::test::stage;
using ferry::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Runs yaml with options (out and errors captured unless set).
ferry::PipelineStats run(ferry::Engine& engine, const TempDir& dir, const std::string& yaml,
                         ferry::PipelineRunOptions options = {}) {
  std::ostringstream out, errors;
  if (!options.out) options.out = &out;
  if (!options.errors) options.errors = &errors;
  auto pipeline = ferry::Pipeline::load(engine, dir.write("pipeline.yaml", yaml));
  const auto stats = pipeline.run(options);
  CHECK(out.str().empty());
  return stats;
}

const std::string kToFile =
    "pipeline: f\nstages:\n  - name: n\n    source: {range: [0, 3]}\n  - name: save\n    sink: {file: out.jsonl}\n";

}  // namespace

TEST_CASE("a last stage of any kind without a sink runs, and its items are dropped", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  // A source alone used to crash the run with a null output queue.
  auto s = run(engine, dir, "pipeline: p\nstages:\n  - name: n\n    source: {range: [0, 3]}\n");
  REQUIRE(s.ok);
  CHECK(stage(s, "n").items_out == 3);
  s = run(engine, dir, "pipeline: p\nstages:\n  - name: n\n    source: {values: [1, 2]}\n  - name: b\n    batch: 2\n");
  REQUIRE(s.ok);
  CHECK(stage(s, "b").items_out == 1);
  s = run(engine, dir,
          "pipeline: p\nplugins: {math: math}\nstages:\n  - name: n\n    source: {range: [0, 4]}\n"
          "  - name: sq\n    map: math.square\n    workers: 1\n");
  REQUIRE(s.ok);
  CHECK(stage(s, "sq").items_out == 4);
  s = run(engine, dir,
          "pipeline: p\nplugins: {shared: shared}\nstages:\n"
          "  - name: words\n    source: {task: shared.split_words, args: ['to be or']}\n    workers: 1\n");
  REQUIRE(s.ok);
  CHECK(stage(s, "words").items_out == 3);
}

TEST_CASE("two outputs of one run in one file are refused before anything is written", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto sink = dir.path() / "out.jsonl";
  std::ofstream(sink) << "an earlier run's output\n";
  auto refused = [&](ferry::PipelineRunOptions options, const std::string& first, const std::string& second) {
    INFO(first << " / " << second);
    try {
      run(engine, dir, kToFile, std::move(options));
      FAIL("the run started");
    } catch (const ferry::ConfigError& e) {
      CHECK_THAT(std::string(e.what()),
                 Catch::Contains(first) && Catch::Contains(second) && Catch::Contains("are the same file"));
    }
    CHECK(read_file(sink) == "an earlier run's output\n");  // untouched
  };
  ferry::PipelineRunOptions journal_in_sink;
  journal_in_sink.journal = (dir.path() / "." / "out.jsonl").string();  // another spelling of the same path
  refused(journal_in_sink, "the file sink 'save'", "--journal ");

  fs::create_hard_link(sink, dir.path() / "hard");
  ferry::PipelineRunOptions hard;
  hard.other_outputs.push_back({"--json-stats=hard", (dir.path() / "hard").string()});
  refused(hard, "the file sink 'save'", "--json-stats=hard");

  fs::create_symlink(sink, dir.path() / "soft");
  ferry::PipelineRunOptions soft;
  soft.journal = (dir.path() / "journal").string();
  soft.other_outputs.push_back({"--json-stats=soft", (dir.path() / "soft").string()});
  refused(soft, "the file sink 'save'", "--json-stats=soft");

  // Neither exists yet: the same path once normalised is enough.
  ferry::PipelineRunOptions new_files;
  new_files.journal = (dir.path() / "j").string();
  new_files.other_outputs.push_back({"--json-stats=j", (dir.path() / "sub" / ".." / "j").string()});
  refused(new_files, "--journal ", "--json-stats=j");
  CHECK_FALSE(fs::exists(dir.path() / "j"));
}

TEST_CASE("outputs in different files, or on one device, run", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  ferry::PipelineRunOptions options;
  options.journal = (dir.path() / "journal").string();
  options.other_outputs.push_back({"--json-stats=stats.json", (dir.path() / "stats.json").string()});
  options.other_outputs.push_back({"a log", "/dev/null"});
  options.other_outputs.push_back({"another log", "/dev/null"});  // writing a device twice loses nothing
  REQUIRE(run(engine, dir, kToFile, options).ok);
  CHECK(read_file(dir.path() / "out.jsonl") == "0\n1\n2\n");
}

TEST_CASE("output: to a stream that cannot be written fails the run", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  std::ofstream full("/dev/full");
  REQUIRE(full);
  ferry::PipelineRunOptions options;
  options.out = &full;
  auto pipeline = ferry::Pipeline::load(
      engine, dir.write("pipeline.yaml", "pipeline: d\nshared: {counts: 'dict<str,i64>'}\noutput: {dict: counts}\n"
                                         "stages:\n  - name: n\n    source: {values: [[a, 1]]}\n"
                                         "  - name: out\n    sink: {dict: counts}\n"));
  const auto s = pipeline.run(options);
  CHECK_FALSE(s.ok);
  CHECK(s.error == "output: cannot write to the output stream: No space left on device");
}

TEST_CASE("a JSON lines sink writes integers, booleans and null as JSON does, and every other value too",
          "[pipeline]") {
  // Integers, booleans and null are written straight from their bytes, the
  // rest through a Value: both ways must give the same JSON.
  ferry::Engine engine;
  TempDir dir;
  const auto s = run(engine, dir,
                     "pipeline: j\nstages:\n  - name: n\n    source: {values: [0, -1, 42, 9223372036854775807, "
                     "-9223372036854775808, true, false, null, 1.5, 's', [1, true, null], {k: -7}]}\n"
                     "  - name: save\n    sink: {file: out.jsonl}\n");
  REQUIRE(s.ok);
  CHECK(read_file(dir.path() / "out.jsonl") ==
        "0\n-1\n42\n9223372036854775807\n-9223372036854775808\ntrue\nfalse\nnull\n1.5\n\"s\"\n[1,true,null]\n"
        "{\"k\":-7}\n");
}
