#include "metrics_server.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "commands.hpp"

namespace ferry::cli {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Upper bounds, in seconds, of the per-item latency buckets: 10 us to 100 s.
const std::vector<double> kLatencyBounds = {1e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 100};


MetricFamily family(const char* name, const char* help, MetricType type) { return MetricFamily{name, help, type, {}}; }

ClientMetric labelled(std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  return m;
}

// A worker's resident memory from /proc; 0 when it is gone.
double resident_bytes(pid_t pid) {
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

HttpResponse answer(const MetricsServer& server, const std::string& path) {
  if (path == "/metrics") {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, server.collect());
    return {200, "text/plain; version=0.0.4; charset=utf-8", out.str()};
  }
  if (path == "/ready") return server.ready() ? HttpResponse{200, "text/plain; charset=utf-8", "ready\n"}
                                              : HttpResponse{503, "text/plain; charset=utf-8", "not ready\n"};
  return {404, "text/plain; charset=utf-8", "not found: try /metrics or /ready\n"};
}

}  // namespace

void add_metrics_option(CLI::App& cmd, std::string& where, const std::string& what) {
  cmd.add_option("--metrics", where,
                 "serve " + what + " in the Prometheus text format at http://ADDRESS:PORT/metrics, and /ready; "
                 "PORT alone listens on 127.0.0.1 (0 picks a free port)")
      ->type_name("[ADDRESS:]PORT");
}

MetricsServer::MetricsServer(const std::string& where) {
  std::string address = where;
  if (address.find(':') == std::string::npos) address = "127.0.0.1:" + address;  // loopback unless told
  const auto colon = address.rfind(':');
  const std::string port = address.substr(colon + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
    throw UsageError("--metrics=" + where + ": expected PORT or ADDRESS:PORT");
  const std::string host = address.substr(0, colon);
  const int number = std::stoi(port);
  if (number > 65535) throw UsageError("--metrics=" + where + ": no port " + port);
  try {
    server_ = std::make_unique<HttpListener>(host == "localhost" ? "127.0.0.1" : host, number,
                                             [this](const std::string& path) { return answer(*this, path); });
  } catch (const std::exception& e) {
    throw UsageError("--metrics=" + where + ": cannot listen there: " + e.what());
  }
  url_ = "http://" + host + ":" + std::to_string(server_->port());
}

MetricsServer::~MetricsServer() = default;

void MetricsServer::set_ready(bool ready) {
  std::lock_guard lock(mu_);
  running_ = ready;
}

void MetricsServer::items_done(const std::string& stage, std::uint64_t count) {
  std::lock_guard lock(mu_);
  counted_[stage].out += count;
}

void MetricsServer::item_failed(const std::string& stage, std::optional<std::uint64_t>, const std::string&,
                                ItemAction action) {
  std::lock_guard lock(mu_);
  auto& c = counted_[stage];
  if (action == ItemAction::retried) {
    ++c.retried;
    return;
  }
  ++c.failed;
  if (action == ItemAction::skipped) ++c.skipped;
  if (action == ItemAction::collected) ++c.collected;
}

void MetricsServer::run_started(const std::string& pipeline, const std::vector<std::string>&) {
  std::lock_guard lock(mu_);
  pipeline_ = pipeline;
  running_ = true;
}

void MetricsServer::worker_started(const std::string& stage, pid_t pid) {
  std::lock_guard lock(mu_);
  ++starts_[stage];
  workers_[pid] = stage;
}

void MetricsServer::chunk_finished(const std::string& stage, const ChunkRun& run) {
  if (run.items == 0) return;
  std::lock_guard lock(mu_);
  counted_[stage].busy += std::chrono::duration<double>(run.duration).count();
  auto& h = latency_[stage];
  if (h.counts.empty()) h.counts.assign(kLatencyBounds.size() + 1, 0);
  // Each item of the call is counted at the call's average: the worker
  // reports one time per call, not per item.
  const double per_item = std::chrono::duration<double>(run.duration).count() / static_cast<double>(run.items);
  std::size_t bucket = 0;
  while (bucket < kLatencyBounds.size() && per_item > kLatencyBounds[bucket]) ++bucket;
  h.counts[bucket] += run.items;
  h.count += run.items;
  h.sum += per_item * static_cast<double>(run.items);
}

void MetricsServer::worker_replaced(const std::string& stage, pid_t pid, WorkerLoss cause, const std::string&) {
  std::lock_guard lock(mu_);
  ++losses_[{stage, to_string(cause)}];
  workers_.erase(pid);
}

void MetricsServer::run_finished(const PipelineStats& stats) {
  sample(stats);
  std::lock_guard lock(mu_);
  running_ = false;
  workers_.clear();
}

void MetricsServer::sample(const PipelineStats& stats) {
  std::lock_guard lock(mu_);
  last_ = stats;
}

bool MetricsServer::ready() const {
  std::lock_guard lock(mu_);
  return running_;
}

std::vector<MetricFamily> MetricsServer::collect() const {
  std::lock_guard lock(mu_);
  const ClientMetric::Label run{"pipeline", pipeline_};
  std::vector<MetricFamily> out;
  // A run's counters come from its snapshots; a `ferry worker`'s (which has
  // none) from the events of the stages it serves, for those events tell.
  const bool from_events = last_.stages.empty();
  auto counted = [&](const char* name, const char* help, auto value) {
    auto f = family(name, help, MetricType::Counter);
    for (const auto& [stage, c] : counted_) {
      auto m = labelled({run, {"stage", stage}});
      m.counter.value = static_cast<double>(value(c));
      f.metric.push_back(std::move(m));
    }
    out.push_back(std::move(f));
  };
  if (from_events) {
    counted("ferry_stage_items_out_total", "Items the stage passed on.", [](const Counted& c) { return c.out; });
    counted("ferry_stage_items_failed_total", "Items whose call failed for good.",
            [](const Counted& c) { return c.failed; });
    counted("ferry_stage_items_skipped_total", "Failed items dropped (on_error: skip).",
            [](const Counted& c) { return c.skipped; });
    counted("ferry_stage_items_collected_total", "Failed items passed on as error records.",
            [](const Counted& c) { return c.collected; });
    counted("ferry_stage_retries_total", "Extra attempts made (retries:).", [](const Counted& c) { return c.retried; });
    counted("ferry_stage_busy_seconds_total", "Time the stage's workers spent in calls.",
            [](const Counted& c) { return c.busy; });
  }
  auto per_stage = [&](const char* name, const char* help, MetricType type, auto value) {
    if (from_events) return;
    auto f = family(name, help, type);
    for (const auto& s : last_.stages) {
      auto m = labelled({run, {"stage", s.name}, {"kind", s.kind}});
      (type == MetricType::Counter ? m.counter.value : m.gauge.value) = static_cast<double>(value(s));
      f.metric.push_back(std::move(m));
    }
    out.push_back(std::move(f));
  };
  per_stage("ferry_stage_items_in_total", "Items the stage took in.", MetricType::Counter,
            [](const StageStats& s) { return s.items_in; });
  per_stage("ferry_stage_items_out_total", "Items the stage passed on.", MetricType::Counter,
            [](const StageStats& s) { return s.items_out; });
  per_stage("ferry_stage_items_failed_total", "Items whose call failed for good.", MetricType::Counter,
            [](const StageStats& s) { return s.failed; });
  per_stage("ferry_stage_items_skipped_total", "Failed items dropped (on_error: skip).", MetricType::Counter,
            [](const StageStats& s) { return s.skipped; });
  per_stage("ferry_stage_items_collected_total", "Failed items passed on as error records.", MetricType::Counter,
            [](const StageStats& s) { return s.collected; });
  per_stage("ferry_stage_retries_total", "Extra attempts made (retries:).", MetricType::Counter,
            [](const StageStats& s) { return s.retried; });
  per_stage("ferry_stage_items_in_flight", "Items taken from the queue, not yet passed on.", MetricType::Gauge,
            [](const StageStats& s) { return s.in_flight; });
  per_stage("ferry_stage_queue_depth", "Items waiting in the queue in front of the stage.", MetricType::Gauge,
            [](const StageStats& s) { return s.queued; });
  per_stage("ferry_stage_busy_seconds_total", "Time the stage's workers spent in calls.", MetricType::Counter,
            [](const StageStats& s) { return std::chrono::duration<double>(s.busy).count(); });
  per_stage("ferry_stage_finished", "1 once the stage has ended.", MetricType::Gauge,
            [](const StageStats& s) { return s.finished ? 1 : 0; });

  auto latency = family("ferry_stage_item_duration_seconds",
                        "Time a worker spent on an item (its call's time over its items).", MetricType::Histogram);
  for (const auto& [stage, h] : latency_) {
    auto m = labelled({run, {"stage", stage}});
    m.histogram.sample_count = h.count;
    m.histogram.sample_sum = h.sum;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kLatencyBounds.size(); ++b) {
      cumulative += h.counts[b];
      m.histogram.bucket.push_back({cumulative, kLatencyBounds[b]});
    }
    m.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
    latency.metric.push_back(std::move(m));
  }
  out.push_back(std::move(latency));

  auto starts = family("ferry_worker_starts_total", "Worker processes started.", MetricType::Counter);
  for (const auto& [stage, n] : starts_) {
    auto m = labelled({run, {"stage", stage}});
    m.counter.value = static_cast<double>(n);
    starts.metric.push_back(std::move(m));
  }
  out.push_back(std::move(starts));
  auto losses = family("ferry_worker_losses_total", "Worker processes lost and replaced, by cause.", MetricType::Counter);
  for (const auto& [key, n] : losses_) {
    auto m = labelled({run, {"stage", key.first}, {"cause", key.second}});
    m.counter.value = static_cast<double>(n);
    losses.metric.push_back(std::move(m));
  }
  out.push_back(std::move(losses));
  auto rss = family("ferry_worker_resident_memory_bytes", "Resident memory of each live worker process.",
                    MetricType::Gauge);
  for (const auto& [pid, stage] : workers_) {
    const double bytes = resident_bytes(pid);
    if (bytes == 0) continue;  // it has exited (a finished stage's pool)
    auto m = labelled({run, {"stage", stage}, {"pid", std::to_string(pid)}});
    m.gauge.value = bytes;
    rss.metric.push_back(std::move(m));
  }
  out.push_back(std::move(rss));

  if (!from_events) {
    auto elapsed = family("ferry_run_elapsed_seconds", "Time since the run started.", MetricType::Gauge);
    auto m = labelled({run});
    m.gauge.value = std::chrono::duration<double>(last_.wall).count();
    elapsed.metric.push_back(std::move(m));
    out.push_back(std::move(elapsed));
  }
  // A `ferry worker` serves stages of any run: no pipeline label there.
  for (auto& f : out)
    for (auto& m : f.metric)
      std::erase_if(m.label, [](const ClientMetric::Label& l) { return l.value.empty(); });
  return out;
}

}  // namespace ferry::cli
