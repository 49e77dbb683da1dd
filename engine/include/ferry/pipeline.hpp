// ferry::Pipeline: a YAML pipeline file, loaded and checked against its
// plugins, then run as stages of worker pools chained by bounded queues.
// The file format is in docs/pipelines.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ferry/engine.hpp>
#include <ferry/errors.hpp>
#include <ferry/export.hpp>

namespace ferry {

namespace detail {
struct PipelineState;
}

class PipelineObserver;  // <ferry/pipeline_observer.hpp>

// One problem found in a pipeline file.
struct PipelineProblem {
  std::string where;    // "file:line:column", or the --set override it came from
  std::string message;  // what was expected and what was found
};

// Thrown by Pipeline::load with every problem found in the file, in file order.
class FERRY_API PipelineInvalid : public ConfigError {
 public:
  explicit PipelineInvalid(std::vector<PipelineProblem> problems);
  const std::vector<PipelineProblem>& problems() const { return problems_; }

 private:
  std::vector<PipelineProblem> problems_;
};

// Counters of one stage, as of when the snapshot was taken.
struct StageStats {
  std::string name;
  std::string kind;  // source, map, starmap, flat_map, apply, batch, sink
  std::size_t workers = 0;  // worker processes; 0 for stages the host runs
  std::uint64_t items_in = 0, items_out = 0;
  std::uint64_t failed = 0;     // items whose last attempt failed
  std::uint64_t skipped = 0;    // of those, dropped (on_error: skip)
  std::uint64_t collected = 0;  // of those, passed on as error records (on_error: collect)
  std::uint64_t retried = 0;    // extra attempts made
  std::chrono::nanoseconds wall{};  // from its first item to its end (or now)
  std::chrono::nanoseconds busy{};  // summed time its workers spent in calls
  std::uint64_t resumed = 0;  // sources: items not read again, an earlier run finished them (journal)
  std::uint64_t queued = 0;     // items waiting in the queue in front of the stage
  std::uint64_t in_flight = 0;  // task stages: items taken from the queue, not yet passed on or dropped
  std::optional<std::uint64_t> total{};  // sources: how many items they emit, when known before (range, values)
  bool finished = false;
};

// A run's outcome and counters; also what progress callbacks receive.
struct PipelineStats {
  std::string pipeline;
  bool ok = false;     // finished without a failure (meaningful once the run ended)
  bool stopped = false;  // Pipeline::stop ended the run early (ok tells whether the drain completed)
  std::string error;   // why the run failed
  std::chrono::nanoseconds wall{};
  std::vector<StageStats> stages;
};

// A file a run writes, as the user named it: for the check that no two
// outputs of one run are the same file.
struct PipelineOutput {
  std::string what;  // for the message: "--json-stats=stats.json"
  std::string path;  // absolute, or relative to the current folder
};

// How Pipeline::run reports.
struct PipelineRunOptions {
  // Where a `sink: stdout` and `output:` write; null means std::cout.
  std::ostream* out = nullptr;
  // Where `sink: stderr`, `errors: stderr` and error records reaching a dict
  // sink write; null means std::cerr.
  std::ostream* errors = nullptr;
  // What `lines: "-"` and `json_lines: "-"` read; null means the process's
  // standard input.
  std::istream* in = nullptr;
  // Called from a helper thread every progress_interval while the run goes on.
  std::function<void(const PipelineStats&)> on_progress{};
  std::chrono::milliseconds progress_interval{250};
  // A journal file (`ferry run --journal`): a run stopped by a crash or a
  // signal and started again with the same journal skips the source items
  // already written and cuts the sink file back to where they end, so the
  // file ends up as one uninterrupted run writes it. Needs a `file` sink,
  // ordered stages and no `output:`; see docs/reliability.md.
  std::string journal{};
  // Told of the run's events as they happen (stages starting and ending,
  // items done, failures, replaced workers), from engine threads, one hook
  // at a time; see <ferry/pipeline_observer.hpp>. Not owned: it must outlive
  // run(). Null: nobody is told.
  PipelineObserver* observer = nullptr;
  // Other files the caller writes for this run (`ferry run` adds
  // --json-stats=FILE and its stdout). run() refuses to start when any two
  // outputs of the run are the same file: these, the journal and a `file`
  // sink's output (same path once normalised, or the same existing file
  // through a hard or symbolic link).
  std::vector<PipelineOutput> other_outputs{};
  // A Redis broker (redis://[user:password@]host:port[/db]) whose workers
  // (`ferry worker`, BrokerWorker) run the task stages; the host runs the
  // source and the sink, and the output is the same as a local run's. Wins
  // over the file's `broker:`. Empty: the file's, else a local run. See
  // docs/distributed.md.
  std::string broker{};
  // How often the run's keys and the workers' holds are renewed; an item
  // whose worker is silent for 3 heartbeats is taken over by another.
  std::chrono::milliseconds broker_heartbeat{1000};
};

// How Pipeline::stop ends a run.
enum class StopMode {
  drain,  // sources stop reading; items already read finish and are written
  now,    // running tasks are killed; nothing more is written
};

// A loaded, validated pipeline. Movable; run it any number of times.
class FERRY_API Pipeline {
 public:
  // Reads file, applies overrides ("stages.check.workers=8"), checks the
  // schema, loads the plugins and checks every task and the types between
  // stages, without running any task. Throws ferry::PipelineInvalid listing
  // every problem.
  static Pipeline load(Engine& engine, const std::string& file, const std::vector<std::string>& overrides = {});
  // The same for a pipeline given as text: name stands for the file in
  // messages ("name:line:column"), and relative paths in it are relative
  // to dir (the current folder when empty).
  static Pipeline from_text(Engine& engine, const std::string& text, const std::string& name, const std::string& dir,
                            const std::vector<std::string>& overrides = {});

  ~Pipeline();
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;

  // The pipeline's name (its `pipeline:` key).
  const std::string& name() const;
  // How many stages it has.
  std::size_t stage_count() const;

  // Runs every stage at once and waits for the end. A failed item (under
  // on_error: fail), an unreadable input or an unwritable sink stops the run
  // and is reported in the result (ok false, error set), not thrown. Throws
  // ferry::ConfigError, before anything runs, for a journal it cannot use or
  // two outputs that are the same file (see PipelineRunOptions::other_outputs).
  PipelineStats run(const PipelineRunOptions& options = {});

  // Ends the run in progress early, from any thread (a signal handler's
  // thread, a UI): drain first, and now when draining takes too long. False
  // when no run is in progress.
  bool stop(StopMode mode);

 private:
  explicit Pipeline(std::unique_ptr<detail::PipelineState> state);
  std::unique_ptr<detail::PipelineState> state_;
};

}  // namespace ferry
