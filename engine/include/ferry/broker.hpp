// Pipelines beyond one machine: the task stages of a run started with a
// broker (`ferry run --broker URL`, `broker:` in the file, or
// PipelineRunOptions::broker) are served by BrokerWorkers, on any number of
// hosts, through a Redis server. See docs/distributed.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ferry/engine.hpp>
#include <ferry/export.hpp>
#include <ferry/pipeline.hpp>
#include <ferry/pipeline_observer.hpp>

namespace ferry {

namespace detail {
class WorkerDaemon;
}

// How a BrokerWorker serves.
struct BrokerWorkerOptions {
  // redis://[user:password@]host:port[/db]
  std::string broker;
  // Worker processes per stage served; 0: one per CPU.
  std::size_t workers = 0;
  // Folders searched for plugins by name, before FERRY_PLUGIN_PATH.
  std::vector<std::string> plugin_path{};
  // How it is listed (`ferry workers`) and named in messages; default
  // HOSTNAME:PID.
  std::string name{};
  // Its messages (runs taken, stages refused, broker outages); default: one
  // line on stderr.
  std::function<void(const std::string&)> log{};
  // The log records of the tasks it runs, as EngineOptions::log, log_level
  // and log_rate say for an Engine's: where they go (default: one line on
  // stderr), the lowest level sent, and the most lines a second from each
  // worker process.
  std::function<void(const LogRecord&)> task_log{};
  int task_log_level = 1;
  std::uint32_t task_log_rate = 100;
  // Told of the events of every stage it serves (items done and failed,
  // worker processes started and lost, each call), as a local run tells
  // its observer, except run_started, stage_started, stage_finished and
  // run_finished. Stages of several runs are served at once, so hooks may
  // be called from several threads at once: it must be thread-safe. Not
  // owned; it must outlive run(). Null: nobody is told.
  PipelineObserver* observer = nullptr;
};

// A worker of the broker: takes work from every run on the broker whose
// plugins it has (the same build: name, version and file hash), running
// each item in a local pool of isolated worker processes exactly as a local
// run does. Refuses, once and with the reason, a stage whose plugin it
// lacks or has in another build.
class FERRY_API BrokerWorker {
 public:
  // Throws ferry::ConfigError on a malformed URL.
  explicit BrokerWorker(BrokerWorkerOptions options);
  ~BrokerWorker();
  BrokerWorker(const BrokerWorker&) = delete;
  BrokerWorker& operator=(const BrokerWorker&) = delete;

  // Serves until stop(); waits out broker outages (telling of them once).
  void run();
  // From any thread. drain: takes nothing new and returns once what it
  // holds is finished; now: kills running tasks and leaves what it held to
  // be taken over by other workers.
  void stop(StopMode mode = StopMode::drain);

 private:
  std::unique_ptr<detail::WorkerDaemon> daemon_;
};

// The workers alive on a broker now, one JSON object each: name, host,
// pid, workers, plugins, and the stages each is serving. Throws
// ferry::Error when the broker cannot be reached.
FERRY_API std::vector<std::string> broker_workers(const std::string& broker);

}  // namespace ferry
