// PipelineObserver on real pipelines: the order and counts of its events,
// failed items under skip / collect / retries, replaced workers, and an
// observer that throws (the run fails cleanly, nothing is left running).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "pipeline_test_support.hpp"

using ferry::ItemAction;
using ferry::WorkerLoss;
using ferry::test::die_once_values;
using ferry::test::run_yaml;
using ferry::test::TempDir;

namespace {

struct Event {
  std::string hook{}, stage{};
  std::uint64_t count = 0;              // items_done
  std::optional<std::uint64_t> item{};  // item_failed
  std::string text{};                   // item_failed: error; worker_replaced: detail; run_finished: error
  ItemAction action{};                  // item_failed
  pid_t pid = 0;                        // worker_replaced
  WorkerLoss cause{};                   // worker_replaced
  ferry::StageStats stats{};            // stage_finished
  std::vector<std::string> stages{};    // run_started
  ferry::ChunkRun run{};                // chunk_finished
};

// Records every event. No lock: the gate serializes hooks, which is part of
// what this checks (ThreadSanitizer would see a race otherwise, and
// `overlapped` is set if two hooks ever run at once).
class Recorder : public ferry::PipelineObserver {
 public:
  std::vector<Event> events;
  bool overlapped = false;
  std::string throw_in;  // a hook name: that hook throws

  void run_started(const std::string& pipeline, const std::vector<std::string>& stages) override {
    add({.hook = "run_started", .stage = pipeline, .stages = stages});
  }
  void stage_started(const std::string& stage) override { add({.hook = "stage_started", .stage = stage}); }
  void items_done(const std::string& stage, std::uint64_t count) override {
    add({.hook = "items_done", .stage = stage, .count = count});
  }
  void item_failed(const std::string& stage, std::optional<std::uint64_t> item, const std::string& error,
                   ItemAction action) override {
    add({.hook = "item_failed", .stage = stage, .item = item, .text = error, .action = action});
  }
  void worker_started(const std::string& stage, pid_t pid) override {
    add({.hook = "worker_started", .stage = stage, .pid = pid});
  }
  void chunk_finished(const std::string& stage, const ferry::ChunkRun& run) override {
    add({.hook = "chunk_finished", .stage = stage, .pid = run.pid, .run = run});
  }
  void worker_replaced(const std::string& stage, pid_t pid, WorkerLoss cause, const std::string& detail) override {
    add({.hook = "worker_replaced", .stage = stage, .text = detail, .pid = pid, .cause = cause});
  }
  void stage_finished(const std::string& stage, const ferry::StageStats& stats) override {
    add({.hook = "stage_finished", .stage = stage, .stats = stats});
  }
  void run_finished(const ferry::PipelineStats& stats) override {
    add({.hook = "run_finished", .stage = stats.pipeline, .text = stats.error});
  }

  std::vector<Event> of(const std::string& hook, const std::string& stage = "") const {
    std::vector<Event> out;
    for (const auto& e : events)
      if (e.hook == hook && (stage.empty() || e.stage == stage)) out.push_back(e);
    return out;
  }
  // Index of the first (or last) event of hook for stage; -1 if none.
  long index(const std::string& hook, const std::string& stage, bool last = false) const {
    long found = -1;
    for (std::size_t i = 0; i < events.size(); ++i)
      if (events[i].hook == hook && events[i].stage == stage) {
        found = static_cast<long>(i);
        if (!last) break;
      }
    return found;
  }

 private:
  void add(Event e) {
    if (inside_.fetch_add(1) != 0) overlapped = true;
    const bool boom = e.hook == throw_in;
    const std::string hook = e.hook;
    events.push_back(std::move(e));
    inside_.fetch_sub(1);
    if (boom) throw std::runtime_error("boom in " + hook);
  }
  std::atomic<int> inside_{0};
};

ferry::test::RunResult run_observed(ferry::Engine& engine, const TempDir& dir, const std::string& yaml,
                                    ferry::PipelineObserver& observer) {
  const auto file = dir.write("pipeline.yaml", yaml);
  auto pipeline = ferry::Pipeline::load(engine, file);
  std::ostringstream out, errors;
  ferry::PipelineRunOptions options;
  options.out = &out;
  options.errors = &errors;
  options.observer = &observer;
  ferry::test::RunResult r;
  r.stats = pipeline.run(options);
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) r.lines.push_back(ferry::value_from_json(line));
  return r;
}

std::string faults_pipeline(const std::string& task, const std::string& settings, int n = 40) {
  return "pipeline: faulty\n"
         "plugins: {faults: faults}\n"
         "stages:\n"
         "  - name: numbers\n"
         "    source: {range: [0, " + std::to_string(n) + "]}\n"
         "  - name: work\n"
         "    map: faults." + task + "\n"
         "    workers: 2\n" + settings +
         "  - name: out\n"
         "    sink: stdout\n";
}

// No child process at all, running or zombie.
bool no_children() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace

TEST_CASE("observer: run_started first, run_finished last, each stage's items add up", "[pipeline][observer]") {
  ferry::Engine engine;
  TempDir dir;
  Recorder rec;
  const auto r = run_observed(engine, dir,
                              "pipeline: squares\n"
                              "plugins: {math: math}\n"
                              "stages:\n"
                              "  - name: numbers\n"
                              "    source: {range: [0, 300]}\n"
                              "  - name: square\n"
                              "    map: math.square\n"
                              "    workers: 2\n"
                              "    chunksize: 7\n"
                              "  - name: pairs\n"
                              "    batch: 2\n"
                              "  - name: out\n"
                              "    sink: stdout\n",
                              rec);
  REQUIRE(r.stats.ok);
  CHECK_FALSE(rec.overlapped);
  REQUIRE(rec.events.size() >= 2);
  CHECK(rec.events.front().hook == "run_started");
  CHECK(rec.events.front().stage == "squares");
  CHECK(rec.events.front().stages == std::vector<std::string>{"numbers", "square", "pairs", "out"});
  CHECK(rec.events.back().hook == "run_finished");
  CHECK(rec.events.back().text.empty());
  CHECK(rec.of("run_started").size() == 1);
  CHECK(rec.of("run_finished").size() == 1);
  CHECK(rec.of("item_failed").empty());
  CHECK(rec.of("worker_replaced").empty());

  const std::map<std::string, std::uint64_t> expected{{"numbers", 300}, {"square", 300}, {"pairs", 150}, {"out", 150}};
  for (const auto& [stage, items] : expected) {
    INFO("stage " << stage);
    REQUIRE(rec.of("stage_started", stage).size() == 1);
    REQUIRE(rec.of("stage_finished", stage).size() == 1);
    const long started = rec.index("stage_started", stage), finished = rec.index("stage_finished", stage);
    CHECK(started < rec.index("items_done", stage));
    CHECK(rec.index("items_done", stage, true) < finished);
    std::uint64_t sum = 0;
    for (const auto& e : rec.of("items_done", stage)) sum += e.count;
    CHECK(sum == items);
    const auto stats = rec.of("stage_finished", stage)[0].stats;  // a copy: of() returns a temporary
    CHECK(stats.items_out == items);
    CHECK(stats.finished);
  }
  // Per chunk, not per item: 300 items in chunks of 7.
  CHECK(rec.of("items_done", "square").size() <= 43);

  // The stage's two workers started, each before any chunk it ran; the
  // chunks cover items 0..299 once each, in runs of at most 7 (a chunk
  // takes what is queued).
  const auto started = rec.of("worker_started", "square");
  REQUIRE(started.size() == 2);
  std::set<pid_t> pids;
  for (const auto& e : started) pids.insert(e.pid);
  CHECK(pids.size() == 2);
  const auto chunks = rec.of("chunk_finished", "square");
  REQUIRE(chunks.size() >= 43);
  std::vector<int> covered(300, 0);
  for (const auto& c : chunks) {
    CHECK(pids.count(c.run.pid) == 1);
    CHECK(c.run.duration.count() >= 0);
    CHECK((c.run.items >= 1 && c.run.items <= 7));
    CHECK(c.run.task == "math.square");
    for (std::uint64_t i = c.run.first_item; i < c.run.first_item + c.run.items && i < 300; ++i) ++covered[i];
  }
  CHECK(std::count(covered.begin(), covered.end(), 1) == 300);
  CHECK(rec.index("worker_started", "square") < rec.index("chunk_finished", "square"));
  CHECK(rec.of("worker_started", "numbers").empty());  // the host runs it
}

TEST_CASE("observer: failed items with what became of them", "[pipeline][observer]") {
  ferry::Engine engine;
  TempDir dir;
  Recorder rec;
  SECTION("skip") {
    const auto r = run_observed(engine, dir, faults_pipeline("throw_on_7", "    on_error: skip\n"), rec);
    REQUIRE(r.stats.ok);
    const auto failed = rec.of("item_failed", "work");
    REQUIRE(failed.size() == 4);
    std::set<std::uint64_t> items;
    for (const auto& e : failed) {
      CHECK(e.action == ItemAction::skipped);
      REQUIRE(e.item);
      items.insert(*e.item);
      CHECK_THAT(e.text, Catch::Contains("std::domain_error") && Catch::Contains("ends in 7"));
    }
    CHECK(items == std::set<std::uint64_t>{7, 17, 27, 37});
    std::uint64_t sum = 0;
    for (const auto& e : rec.of("items_done", "work")) sum += e.count;
    CHECK(sum == 36);  // skipped items are not passed on
  }
  SECTION("collect, and the workers a crash costs") {
    const auto r =
        run_observed(engine, dir, faults_pipeline("segfault_on_3", "    chunksize: 4\n    on_error: collect\n"), rec);
    REQUIRE(r.stats.ok);
    const auto failed = rec.of("item_failed", "work");
    REQUIRE(failed.size() == 4);
    for (const auto& e : failed) {
      CHECK(e.action == ItemAction::collected);
      REQUIRE(e.item);
      CHECK(*e.item % 10 == 3);
      CHECK_THAT(e.text, Catch::Contains("SIGSEGV"));
    }
    // Each crash in a chunk of 4 costs a worker, then its item alone costs another.
    const auto replaced = rec.of("worker_replaced", "work");
    CHECK(replaced.size() >= 4);
    for (const auto& e : replaced) {
      CHECK(e.cause == WorkerLoss::died);
      CHECK(e.pid > 0);
      CHECK_THAT(e.text, Catch::Contains("SIGSEGV"));
    }
  }
}

TEST_CASE("observer: a retried item and its replaced worker", "[pipeline][observer]") {
  ferry::Engine engine;
  TempDir dir;
  Recorder rec;
  const std::string values = die_once_values(dir, 6);
  const auto r = run_observed(engine, dir,
                              "pipeline: flaky\n"
                              "plugins: {faults: faults}\n"
                              "stages:\n"
                              "  - name: numbers\n"
                              "    source: {values: [" + values + "]}\n"
                              "  - name: flaky\n"
                              "    starmap: faults.die_once\n"
                              "    workers: 2\n"
                              "    chunksize: 1\n"
                              "    retries: 1\n"
                              "  - name: out\n"
                              "    sink: stdout\n",
                              rec);
  REQUIRE(r.stats.ok);
  REQUIRE(r.lines.size() == 6);
  const auto failed = rec.of("item_failed", "flaky");
  REQUIRE(failed.size() == 6);
  for (const auto& e : failed) {
    CHECK(e.action == ItemAction::retried);
    CHECK_THAT(e.text, Catch::Contains("SIGKILL"));
  }
  const auto replaced = rec.of("worker_replaced", "flaky");
  CHECK(replaced.size() == 6);
  for (const auto& e : replaced) CHECK(e.cause == WorkerLoss::died);
  // Every worker lost or running a chunk was one seen starting; only calls
  // that came back are chunks (the 6 second attempts).
  std::set<pid_t> started;
  for (const auto& e : rec.of("worker_started", "flaky")) started.insert(e.pid);
  CHECK(started.size() >= 2 + 5);
  for (const auto& e : replaced) CHECK(started.count(e.pid) == 1);
  const auto chunks = rec.of("chunk_finished", "flaky");
  CHECK(chunks.size() == 6);
  for (const auto& c : chunks) CHECK((started.count(c.run.pid) == 1 && c.run.items == 1));
}

TEST_CASE("observer: max_tasks_per_child replacements", "[pipeline][observer]") {
  ferry::Engine engine;
  TempDir dir;
  Recorder rec;
  const auto r = run_observed(engine, dir,
                              "pipeline: recycled\n"
                              "plugins: {faults: faults}\n"
                              "stages:\n"
                              "  - name: numbers\n"
                              "    source: {range: [0, 6]}\n"
                              "  - name: pid\n"
                              "    map: faults.worker_pid\n"
                              "    workers: 1\n"
                              "    chunksize: 1\n"
                              "    max_tasks_per_child: 2\n"
                              "  - name: out\n"
                              "    sink: stdout\n",
                              rec);
  REQUIRE(r.stats.ok);
  REQUIRE(r.lines.size() == 6);
  const auto replaced = rec.of("worker_replaced", "pid");
  REQUIRE(replaced.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(replaced[i].cause == WorkerLoss::max_tasks);
    CHECK(replaced[i].pid == r.lines[2 * i].as_int());  // the worker that ran calls 2i and 2i + 1
  }
}

TEST_CASE("observer: a hook that throws fails the run cleanly", "[pipeline][observer]") {
  const std::string hook = GENERATE(as<std::string>{}, "run_started", "stage_started", "items_done", "item_failed",
                                    "worker_replaced", "stage_finished", "run_finished");
  INFO("throwing in " << hook);
  {
    ferry::Engine engine;
    TempDir dir;
    Recorder rec;
    rec.throw_in = hook;
    const auto r = run_observed(engine, dir, faults_pipeline("segfault_on_3", "    on_error: collect\n", 200), rec);
    CHECK_FALSE(r.stats.ok);
    CHECK(r.stats.error == "observer: " + hook + ": boom in " + hook);
    // The observer is not called again once it threw.
    REQUIRE_FALSE(rec.events.empty());
    CHECK(rec.events.back().hook == hook);
    CHECK_FALSE(rec.overlapped);
    CHECK(no_children());
  }
}

TEST_CASE("observer: a hook may stop the run", "[pipeline][observer]") {
  ferry::Engine engine;
  TempDir dir;
  struct Stopper : Recorder {
    ferry::Pipeline* pipeline = nullptr;
    void item_failed(const std::string&, std::optional<std::uint64_t>, const std::string&, ItemAction) override {
      pipeline->stop(ferry::StopMode::now);
    }
  } stopper;
  const auto file = dir.write("p.yaml", faults_pipeline("segfault_on_3", "    on_error: skip\n", 2000));
  auto pipeline = ferry::Pipeline::load(engine, file);
  stopper.pipeline = &pipeline;
  std::ostringstream out;
  ferry::PipelineRunOptions options;
  options.out = &out;
  options.observer = &stopper;
  const auto stats = pipeline.run(options);
  CHECK_FALSE(stats.ok);
  CHECK(stats.stopped);
  CHECK(no_children());
}
