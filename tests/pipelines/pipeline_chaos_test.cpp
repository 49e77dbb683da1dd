// Workers killed at random, runs stopped from outside, and nothing left
// behind: every item arrives exactly once, or the run stops cleanly.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <functional>

#include "pipeline_test_support.hpp"

using ferry::test::run_yaml;
using ferry::test::stage;
using ferry::test::TempDir;

namespace {

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

bool has_children() {
  errno = 0;
  return !(::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD);
}

// A run that was stopped from the progress thread, and the pipeline it ran.
struct StoppedRun {
  ferry::Pipeline pipeline;
  ferry::PipelineStats stats;
  std::string out;
};

// Runs yaml and calls stop(mode) from the progress thread once when(stats) holds.
StoppedRun run_and_stop(ferry::Engine& engine, const TempDir& dir, const std::string& yaml,
                        const std::function<bool(const ferry::PipelineStats&)>& when, ferry::StopMode mode) {
  auto pipeline = ferry::Pipeline::load(engine, dir.write("p.yaml", yaml));
  std::ostringstream out;
  ferry::PipelineRunOptions options;
  options.out = &out;
  options.progress_interval = std::chrono::milliseconds(10);
  options.on_progress = [&](const ferry::PipelineStats& s) {
    if (when(s)) pipeline.stop(mode);
  };
  auto stats = pipeline.run(options);
  return {std::move(pipeline), std::move(stats), out.str()};
}

}  // namespace

TEST_CASE("chaos: 20,000 items, workers killing themselves on ~1% of calls, retries on: each item exactly once",
          "[pipeline][chaos]") {
  const std::size_t fds_before = open_fds();
  {
    ferry::Engine engine;
    TempDir dir;
    const auto r = run_yaml(engine, dir,
                            "pipeline: chaos\nplugins: {faults: faults}\nstages:\n"
                            "  - name: numbers\n    source: {range: [0, 20000]}\n"
                            "  - name: chaos\n    map: faults.chaos_kill\n    workers: 2\n    chunksize: 32\n"
                            "    retries: 8\n"
                            "  - name: out\n    sink: stdout\n");
    INFO(r.stats.error);
    REQUIRE(r.stats.ok);
    REQUIRE(r.lines.size() == 20000);
    for (std::size_t i = 0; i < r.lines.size(); ++i) REQUIRE(r.lines[i].as_int() == static_cast<std::int64_t>(i));
    const auto& s = stage(r.stats, "chaos");
    CHECK(s.failed == 0);
    CHECK(s.retried > 0);  // ~200 kills happened and were retried (the chance of none is ~1e-87)
  }
  CHECK(open_fds() == fds_before);
  CHECK_FALSE(has_children());
}

TEST_CASE("stop(drain) ends a run early: what was written is a prefix, each item once, nothing left behind",
          "[pipeline][stop]") {
  const std::size_t fds_before = open_fds();
  {
    ferry::Engine engine;
    TempDir dir;
    // Once a few results are written, ask for a drain.
    auto run = run_and_stop(engine, dir,
                            "pipeline: slow\nplugins: {math: math}\nstages:\n"
                            "  - name: numbers\n    source: {range: [0, 10000]}\n"
                            "  - name: square\n    map: math.slow_square\n    workers: 2\n    chunksize: 1\n"
                            "  - name: out\n    sink: stdout\n",
                            [](const auto& s) { return s.stages.back().items_in >= 4; }, ferry::StopMode::drain);
    CHECK(run.stats.ok);
    CHECK(run.stats.stopped);
    std::istringstream lines(run.out);
    std::int64_t i = 0;
    for (std::string line; std::getline(lines, line); ++i) REQUIRE(std::stoll(line) == i * i);
    CHECK(i >= 4);
    CHECK(i < 100);  // intake stopped: far from the 10,000 items
    CHECK_FALSE(run.pipeline.stop(ferry::StopMode::now));  // no run in progress any more
  }
  CHECK(open_fds() == fds_before);
  CHECK_FALSE(has_children());
}

TEST_CASE("stop(now) kills the calls in progress and reports the run as stopped", "[pipeline][stop]") {
  ferry::Engine engine;
  TempDir dir;
  // Once both workers run a hanging task, stop at once.
  const auto run = run_and_stop(engine, dir,
                                "pipeline: hang\nplugins: {faults: faults}\nstages:\n"
                                "  - name: n\n    source: {values: [0, 1]}\n"
                                "  - name: hang\n    map: faults.hang\n    workers: 2\n"
                                "  - name: out\n    sink: stdout\n",
                                [](const auto& s) { return s.stages[1].items_in == 2; }, ferry::StopMode::now);
  CHECK_FALSE(run.stats.ok);
  CHECK(run.stats.stopped);
  CHECK_THAT(run.stats.error, Catch::Contains("stopped before the end"));
  CHECK(run.out.empty());
}
