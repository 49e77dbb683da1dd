// `ferry run FILE` and `ferry validate FILE`: YAML pipelines from the
// command line (the file format is in docs/pipelines.md).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <ferry/engine.hpp>
#include <ferry/errors.hpp>
#include <ferry/pipeline.hpp>

#include "commands.hpp"
#include "log_output.hpp"
#include "metrics_server.hpp"
#include "observer_fanout.hpp"
#include "progress.hpp"
#include "stop_on_signals.hpp"
#include "trace_writer.hpp"

namespace fs = std::filesystem;

namespace ferry::cli {
namespace {

struct PipelineOptions {
  std::string file;
  std::vector<std::string> sets;
  bool quiet = false;
  std::string json_stats;  // "" none, "-" stderr, else a file
  std::string journal;
  double grace_seconds = 10;
  std::string broker;
  double heartbeat_seconds = 1;
  LogSettings log;
  std::string trace;  // --trace FILE
  std::string metrics;  // --metrics [ADDR:]PORT
  std::string start_method = "spawn";  // --start-method
};

void add_common(CLI::App& cmd, PipelineOptions& o) {
  cmd.add_option("FILE", o.file, "the pipeline file (YAML)")->required();
  cmd.add_option("--set", o.sets,
                 "override a value before validation: PATH=VALUE, e.g. stages.check.workers=8 (repeatable)")
      ->type_name("PATH=VALUE");
}

// Loads and checks the file; on problems prints each one, file:line:column
// first, and returns nullopt.
std::optional<Pipeline> load(Engine& engine, const PipelineOptions& o) {
  try {
    return Pipeline::load(engine, o.file, o.sets);
  } catch (const PipelineInvalid& e) {
    for (const auto& p : e.problems()) std::cerr << p.where << ": error: " << p.message << '\n';
    std::cerr << "ferry: " << e.problems().size() << (e.problems().size() == 1 ? " problem" : " problems")
              << " in " << o.file << "; nothing was run\n";
    return std::nullopt;
  }
}

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The --json-stats document (docs/operations.md#run-statistics): keys in
// reading order, not alphabetical, and a version that changes only when a
// key changes meaning or goes away (new keys may appear within a version).
constexpr int kStatsVersion = 1;

nlohmann::ordered_json stats_json(const PipelineStats& s) {
  nlohmann::ordered_json stages = nlohmann::ordered_json::array();
  for (const auto& st : s.stages) {
    nlohmann::ordered_json j;
    j["name"] = st.name;
    j["kind"] = st.kind;
    j["workers"] = st.workers;
    j["items_in"] = st.items_in;
    j["items_out"] = st.items_out;
    j["failed"] = st.failed;
    j["skipped"] = st.skipped;
    j["collected"] = st.collected;
    j["retried"] = st.retried;
    j["resumed"] = st.resumed;
    j["wall_ms"] = ms(st.wall);
    j["busy_ms"] = ms(st.busy);
    stages.push_back(std::move(j));
  }
  nlohmann::ordered_json j;
  j["ferry_stats"] = kStatsVersion;
  j["pipeline"] = s.pipeline;
  j["ok"] = s.ok;
  j["stopped"] = s.stopped;
  if (!s.ok) j["error"] = s.error;
  j["wall_ms"] = ms(s.wall);
  j["stages"] = std::move(stages);
  return j;
}

// Before the run: an output file (--json-stats, --trace) that cannot be
// made is a usage error while nothing has run, not a failure found after a
// long run. Only checked, not created: a refused run must leave every file
// as it was.
void check_output_target(const std::string& option, const std::string& target) {
  if (target.empty() || target == "-") return;
  std::error_code ec;
  if (fs::is_directory(target, ec)) throw UsageError(option + "=" + target + ": it is a folder");
  if (fs::exists(target, ec)) {
    if (::access(target.c_str(), W_OK) != 0)
      throw UsageError(option + "=" + target + ": cannot write it: " + std::strerror(errno));
    return;
  }
  const auto folder = fs::path(target).parent_path();
  const std::string dir = folder.empty() ? "." : folder.string();
  if (::access(dir.c_str(), W_OK) != 0)
    throw UsageError(option + "=" + target + ": cannot create a file in " + dir + ": " + std::strerror(errno));
}

// Writes the summary to stderr ("-") or a file; false, after saying why on
// stderr, when it does not all get there.
bool write_stats(const PipelineStats& stats, const std::string& target) {
  const std::string text = stats_json(stats).dump() + "\n";
  errno = 0;
  if (target == "-") {
    std::cerr << text << std::flush;
    return static_cast<bool>(std::cerr);  // nowhere left to say why
  }
  std::ofstream f(target, std::ios::trunc);
  if (f) f << text << std::flush;
  if (f) f.close();
  if (f) return true;
  std::cerr << "ferry: cannot write --json-stats file " << target << ": "
            << (errno ? std::strerror(errno) : "write error") << '\n';
  return false;
}

int run_pipeline(const PipelineOptions& o) {
  // A closed stdout (`ferry run x.yaml | head`) becomes a write error that
  // stops the run cleanly, not a SIGPIPE that skips the cleanup.
  ::signal(SIGPIPE, SIG_IGN);
  if (!(o.grace_seconds >= 0 && o.grace_seconds < 1e6)) throw UsageError("--grace must be 0 or more seconds");
  StopOnSignals signals(std::chrono::milliseconds(static_cast<long>(o.grace_seconds * 1000)));  // before any thread
  // Statistics on stderr are alone there (bar what tasks print), so a
  // program can read them: no progress table, none of ferry's own lines.
  const bool stats_on_stderr = o.json_stats == "-";
  const bool quiet = o.quiet || stats_on_stderr;
  LogOutput logs(o.log, o.quiet);
  std::unique_ptr<ProgressDisplay> display;
  if (!quiet && ::isatty(STDERR_FILENO)) display = std::make_unique<ProgressDisplay>(stderr, STDERR_FILENO);
  logs.attach(display.get());  // log records go above the progress table, not through it
  EngineOptions engine_options;
  logs.configure(engine_options);
  const auto start_method = start_method_named(o.start_method);
  if (!start_method) throw UsageError("--start-method=" + o.start_method + ": not a start method (spawn or forkserver)");
  engine_options.start_method = *start_method;
  Engine engine(std::move(engine_options));
  auto pipeline = load(engine, o);
  if (!pipeline) return kUsage;
  check_output_target("--json-stats", o.json_stats);
  check_output_target("--trace", o.trace);
  PipelineRunOptions options;
  options.journal = o.journal;
  options.broker = o.broker;
  if (!(o.heartbeat_seconds >= 0.01 && o.heartbeat_seconds <= 3600))
    throw UsageError("--heartbeat must be from 0.01 to 3600 seconds");
  options.broker_heartbeat = std::chrono::milliseconds(static_cast<long>(o.heartbeat_seconds * 1000));
  // Outputs of the run besides the engine's own, for its same-file check.
  if (!o.json_stats.empty() && o.json_stats != "-")
    options.other_outputs.push_back({"--json-stats=" + o.json_stats, o.json_stats});
  options.other_outputs.push_back({"standard output", "/dev/stdout"});
  if (!o.trace.empty()) options.other_outputs.push_back({"--trace=" + o.trace, o.trace});
  // The trace file is made when the run starts: after the checks that may
  // refuse it, which must leave every file as it was.
  std::unique_ptr<TraceWriter> trace;
  if (!o.trace.empty()) trace = std::make_unique<TraceWriter>(o.trace);
  std::unique_ptr<MetricsServer> metrics;
  if (!o.metrics.empty()) {
    metrics = std::make_unique<MetricsServer>(o.metrics);
    logs.ferry(Level::info, "serving metrics at " + metrics->url() + "/metrics");
  }
  ObserverFanout observers;
  observers.add(trace.get());
  observers.add(metrics.get());
  if (!observers.empty()) options.observer = &observers;
  if (display || trace || metrics)
    options.on_progress = [&](const PipelineStats& s) {
      if (display) display->draw(s);
      if (trace) trace->sample(s);
      if (metrics) metrics->sample(s);
    };
  if (!signals.attach(&*pipeline)) return 128 + signals.signal_number();
  PipelineStats stats;
  try {
    stats = pipeline->run(options);
  } catch (const ConfigError& e) {  // a journal it cannot keep, two outputs in one file: nothing ran
    signals.attach(nullptr);
    throw UsageError(e.what());
  }
  signals.attach(nullptr);
  if (display) display->draw(stats);
  std::string trace_error;
  const bool trace_written = !trace || trace->close(trace_error);
  if (!trace_written) logs.ferry(Level::error, trace_error);
  // A summary asked for and lost fails an otherwise good run.
  const bool stats_written = o.json_stats.empty() || write_stats(stats, o.json_stats);
  if (const int signo = signals.signal_number()) {
    if (stats_on_stderr) return 128 + signo;
    const std::uint64_t written = stats.stages.back().items_in;
    logs.ferry(Level::warning, "pipeline '" + stats.pipeline + "' stopped by " + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
                                   (stats.ok ? " after finishing the items in progress"
                                             : " before the items in progress finished") +
                                   "; " + std::to_string(written) + " items reached its last stage");
    return 128 + signo;
  }
  if (!stats.ok) {
    if (stats_on_stderr) return kFailed;  // the error is in the statistics
    logs.ferry(Level::error, "pipeline '" + stats.pipeline + "' failed: " + stats.error);
    return kFailed;
  }
  std::uint64_t failed = 0;
  for (const auto& s : stats.stages) failed += s.failed;
  if (failed && !quiet)
    logs.ferry(Level::warning, std::to_string(failed) +
                                   (failed == 1 ? " item failed and was" : " items failed and were") +
                                   " skipped or collected (on_error)");
  return stats_written && trace_written ? kOk : kFailed;
}

int validate_pipeline(const PipelineOptions& o) {
  Engine engine;
  auto pipeline = load(engine, o);
  if (!pipeline) return kUsage;
  print_result(o.file + ": ok (" + std::to_string(pipeline->stage_count()) + " stages)\n");
  return kOk;
}

}  // namespace

void add_run(CLI::App& app, Action& action) {
  auto o = std::make_shared<PipelineOptions>();
  auto* cmd = app.add_subcommand("run", "Validate a pipeline file, then run it.");
  add_common(*cmd, *o);
  cmd->add_flag("-q,--quiet", o->quiet,
                "no progress and no failure summary on stderr; log records below error are not written");
  cmd->add_option("--json-stats", o->json_stats,
                  "write a JSON summary (per stage: items, failures, wall and busy time) to FILE, or to stderr "
                  "when FILE is -")
      ->expected(0, 1)
      ->default_str("-")
      ->type_name("[FILE]");
  cmd->add_option("--journal", o->journal,
                   "record finished items in FILE; a run stopped by a crash or a signal and started again with "
                   "the same FILE does not redo them (needs a file sink)")
      ->type_name("FILE");
  cmd->add_option("--grace", o->grace_seconds,
                  "on SIGINT or SIGTERM, seconds the items in progress may take to finish before they are killed "
                  "(a second signal kills at once)")
      ->default_val(10)
      ->type_name("SECONDS");
  cmd->add_option("--broker", o->broker,
                  "run the task stages on the workers (`ferry worker`) of this Redis broker: "
                  "redis://[user:password@]HOST:PORT[/DB] (wins over the file's broker:)")
      ->type_name("URL");
  cmd->add_option("--heartbeat", o->heartbeat_seconds,
                  "with a broker: how often the run renews its keys and workers their items; an item whose "
                  "worker is silent for 3 heartbeats goes to another")
      ->default_val(1)
      ->type_name("SECONDS");
  cmd->add_option("--start-method", o->start_method,
                  "how the run's workers start: spawn (each execs ferry-worker, which loads the plugin) or "
                  "forkserver (each is forked from one ferry-worker per plugin that loaded it once; quicker "
                  "starts), as EngineOptions::start_method")
      ->default_val("spawn")
      ->type_name("METHOD");
  add_log_options(*cmd, o->log);
  add_metrics_option(*cmd, o->metrics, "the run's metrics");
  cmd->add_option("--trace", o->trace,
                  "write the run as Chrome trace events to FILE (Perfetto, chrome://tracing): a track per worker, "
                  "a slice per call, queue depths")
      ->type_name("FILE");
  cmd->callback([&action, o] { action = [o] { return run_pipeline(*o); }; });
}

void add_validate(CLI::App& app, Action& action) {
  auto o = std::make_shared<PipelineOptions>();
  auto* cmd = app.add_subcommand("validate", "Check a pipeline file and its plugins without running any task.");
  add_common(*cmd, *o);
  cmd->callback([&action, o] { action = [o] { return validate_pipeline(*o); }; });
}

}  // namespace ferry::cli
