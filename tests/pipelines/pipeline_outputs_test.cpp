// Hostile shapes and outputs through the embedding API: a pipeline whose
// last stage is not a sink.
#include <catch2/catch.hpp>

#include <sstream>

#include "pipeline_test_support.hpp"

using ferry::test::stage;
using ferry::test::TempDir;

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
