// `ferry run --metrics [ADDR:]PORT`: the run's counters in the Prometheus
// text format at /metrics, and /ready (200 while the run goes on, 503
// before and after); the families made and written by prometheus-cpp,
// served by HttpListener. A PipelineObserver for what only events tell
// (worker starts and losses, per-item latency); progress snapshots for the
// rest.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <ferry/pipeline.hpp>
#include <ferry/pipeline_observer.hpp>

#include "http_listener.hpp"

namespace prometheus {
struct MetricFamily;
}

namespace ferry::cli {

// Adds --metrics [ADDRESS:]PORT to cmd; what names what is served.
void add_metrics_option(CLI::App& cmd, std::string& where, const std::string& what);

class MetricsServer : public PipelineObserver {
 public:
  // Listens on where: PORT (on 127.0.0.1) or ADDR:PORT; port 0 picks a free
  // one. Throws UsageError when it cannot.
  explicit MetricsServer(const std::string& where);
  ~MetricsServer() override;
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // http://ADDR:PORT, the port as bound.
  const std::string& url() const { return url_; }

  // /ready answers 200 from now on (true) or 503 (false); a run's start
  // and end say so by themselves.
  void set_ready(bool ready);

  void run_started(const std::string& pipeline, const std::vector<std::string>& stages) override;
  void items_done(const std::string& stage, std::uint64_t count) override;
  void item_failed(const std::string& stage, std::optional<std::uint64_t> item, const std::string& error,
                   ItemAction action) override;
  void worker_started(const std::string& stage, pid_t pid) override;
  void chunk_finished(const std::string& stage, const ChunkRun& run) override;
  void worker_replaced(const std::string& stage, pid_t pid, WorkerLoss cause, const std::string& detail) override;
  void run_finished(const PipelineStats& stats) override;
  // The counters of a progress snapshot (any thread).
  void sample(const PipelineStats& stats);

  // The families as a scrape sees them now.
  std::vector<prometheus::MetricFamily> collect() const;
  bool ready() const;

 private:
  // Per stage, what events tell: a `ferry worker` has no run snapshots.
  struct Counted {
    std::uint64_t out = 0, failed = 0, skipped = 0, collected = 0, retried = 0;
    double busy = 0;
  };
  struct Latency {  // a histogram of seconds per item
    std::vector<std::uint64_t> counts;  // per bucket (not cumulative), + the +Inf one
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  std::string pipeline_;                        // guarded by mu_
  bool running_ = false;                        // guarded by mu_
  PipelineStats last_;                          // guarded by mu_
  std::map<std::string, Latency> latency_;      // by stage; guarded by mu_
  std::map<std::string, Counted> counted_;      // by stage; guarded by mu_
  std::map<std::string, std::uint64_t> starts_;  // by stage; guarded by mu_
  std::map<std::pair<std::string, std::string>, std::uint64_t> losses_;  // (stage, cause); guarded by mu_
  std::map<pid_t, std::string> workers_;  // live worker pids and their stage; guarded by mu_
  std::string url_;
  std::unique_ptr<HttpListener> server_;  // last: stops before what its handler reads goes
};

}  // namespace ferry::cli
