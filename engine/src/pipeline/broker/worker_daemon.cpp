#include "pipeline/broker/worker_daemon.hpp"

#include <unistd.h>

#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>

#include "broker/entry.hpp"
#include "broker/keys.hpp"
#include "broker/scripts.hpp"
#include "engine/engine_core.hpp"
#include "pipeline/broker/broker_session.hpp"
#include "pipeline/run/item_codec.hpp"

namespace ferry::detail {
namespace {

using pipeline::RemoteStage;
constexpr std::chrono::milliseconds kTick{50};
constexpr std::chrono::milliseconds kScanEvery{100};  // a new run waits at most this long
constexpr std::chrono::milliseconds kPublishEvery{1000};

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// The name a worker looks a plugin up by, from the host's file name:
// libmath.so -> math (found as libmath.so or math.so on the search path).
std::string lookup_name(const std::string& file) {
  std::string n = file;
  if (n.ends_with(".so")) n.resize(n.size() - 3);
  if (n.starts_with("lib")) n.erase(0, 3);
  return n;
}

}  // namespace

WorkerDaemon::WorkerDaemon(BrokerWorkerOptions options)
    : options_(std::move(options)),
      url_(broker::RedisUrl::parse(options_.broker)),
      workers_(options_.workers ? options_.workers : std::max(1u, std::thread::hardware_concurrency())),
      engine_(EngineOptions{.plugin_path = options_.plugin_path}) {
  if (options_.name.empty()) options_.name = host_name() + ":" + std::to_string(getpid());
  consumer_ = options_.name + ":" + std::to_string(getpid());
  if (!options_.log) options_.log = [](const std::string& line) { std::cerr << line << std::endl; };
  health_ = std::make_shared<broker::BrokerHealth>("ferry worker " + options_.name, options_.log);
  client_ = std::make_unique<broker::RedisClient>(url_, health_);
}

WorkerDaemon::~WorkerDaemon() = default;

void WorkerDaemon::say(const std::string& line) { options_.log("ferry worker " + options_.name + ": " + line); }

void WorkerDaemon::stop(StopMode mode) {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (mode == StopMode::now) now_ = true;
  }
  cv_.notify_all();
  if (mode == StopMode::now) client_->stop();
}

void WorkerDaemon::run() {
  say("serving " + url_.redacted() + " with " + std::to_string(workers_) + " worker processes per stage");
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, kTick, [this] { return stopping_; })) break;
    }
    try {
      const auto now = Clock::now();
      if (now >= next_scan_) {
        scan_runs();
        next_scan_ = now + kScanEvery;
      }
      for (auto& [run, served] : served_)
        if (now >= served.next_beat) {
          beat(served);
          served.next_beat = now + served.plan.heartbeat;
        }
      if (now >= next_publish_) {
        publish_self();
        next_publish_ = now + kPublishEvery;
      }
    } catch (const broker::BrokerStopped&) {
      break;
    } catch (const std::exception& e) {
      say(e.what());
    }
  }
  // Stopping: drain finishes what is held (renewing it meanwhile, so that
  // nobody takes it over), now leaves it to be taken over.
  bool now;
  {
    std::lock_guard lock(mu_);
    now = now_;
  }
  for (auto& [run, served] : served_)
    for (auto& stage : served.stages) now ? stage->terminate() : stage->drain();
  for (;;) {
    bool busy = false;
    for (auto& [run, served] : served_)
      for (auto& stage : served.stages) busy = busy || !stage->finished();
    if (!busy) break;
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, kTick, [this] { return now_; })) {
        for (auto& [run, served] : served_)
          for (auto& stage : served.stages) stage->terminate();
      }
    }
    try {
      const auto t = Clock::now();
      for (auto& [run, served] : served_)
        if (t >= served.next_beat) {
          for (auto& stage : served.stages) touch(*stage);
          served.next_beat = t + served.plan.heartbeat;
        }
    } catch (const std::exception&) {
    }
  }
  served_.clear();
  try {
    if (!client_->stopped())
      client_->pipeline({{"DEL", broker::keys::worker(options_.name)}, {"SREM", broker::keys::workers, options_.name}});
  } catch (const std::exception&) {
  }
  say("stopped");
}

void WorkerDaemon::scan_runs() {
  const broker::Reply runs = client_->command({"ZRANGE", broker::keys::runs, "0", "-1"});
  std::vector<std::string> ids;
  std::vector<std::vector<std::string>> checks;
  for (const auto& r : runs.elements) {
    ids.push_back(r.str);
    checks.push_back({"EXISTS", broker::keys::alive(r.str)});
    checks.push_back({"EXISTS", broker::keys::plan(r.str)});
  }
  const auto found = checks.empty() ? std::vector<broker::Reply>{} : client_->pipeline(checks);
  std::set<std::string> listed;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string& id = ids[i];
    const bool alive = found[2 * i].integer == 1, has_plan = found[2 * i + 1].integer == 1;
    if (!has_plan) {
      client_->command({"ZREM", broker::keys::runs, id});  // its host died and its keys expired
      continue;
    }
    if (!alive) continue;  // its host is gone (or the broker lost it): not served, not forgotten
    listed.insert(id);
    if (!served_.contains(id) && !passed_.contains(id)) start_run(id);
  }
  for (auto it = served_.begin(); it != served_.end();) {
    if (listed.contains(it->first)) {
      ++it;
      continue;
    }
    abandon(it->second);
    it = served_.erase(it);
  }
  for (auto it = passed_.begin(); it != passed_.end();) it = listed.contains(*it) ? std::next(it) : passed_.erase(it);
}

std::string WorkerDaemon::refusal(const RemoteStage& stage, std::optional<Plugin>& plugin) {
  const std::string wanted = "plugin '" + stage.plugin.name + "'";
  try {
    plugin = engine_.load(lookup_name(stage.plugin_file));
  } catch (const std::exception& e) {
    return "has no " + wanted + " (" + e.what() + ")";
  }
  broker::PluginIdentity here{plugin->name(), plugin->version(), broker::file_hash(plugin->path())};
  if (here != stage.plugin)
    return wanted + " here is another build: " + here.describe() + " at " + plugin->path() + ", the run needs " +
           stage.plugin.describe();
  try {
    const TaskInfo& task = plugin->task(stage.task);
    if (task.signature() != stage.signature)
      return wanted + " task '" + stage.task + "' here is " + task.signature() + ", the run needs " + stage.signature;
  } catch (const std::exception&) {
    return wanted + " here has no task '" + stage.task + "'";
  }
  return "";
}

void WorkerDaemon::abandon(Served& served) {
  if (served.objects) served.objects->stop();
  for (auto& stage : served.stages) stage->terminate();
}

void WorkerDaemon::start_run(const std::string& run) {
  const broker::Reply text = client_->command({"GET", broker::keys::plan(run)});
  if (text.is_nil()) return;
  Served served;
  try {
    served.plan = pipeline::remote_plan_from_json(text.str);
  } catch (const std::exception& e) {
    say("skips run " + run + ": " + e.what());
    passed_.insert(run);
    return;
  }
  served.objects = std::make_shared<pipeline::RedisObjects>(
      url_, health_, run, pipeline::run_key_ttl(served.plan.heartbeat), consumer_);
  served.engine = std::make_unique<Engine>(EngineOptions{.plugin_path = options_.plugin_path,
                                                         .log = options_.task_log,
                                                         .log_level = options_.task_log_level,
                                                         .log_rate = options_.task_log_rate});
  for (const auto& stage : served.plan.stages) {
    std::optional<Plugin> plugin;
    std::string why = refusal(stage, plugin);
    if (why.empty()) {
      try {
        // Loaded again by the run's engine, whose manager serves the run's
        // objects from the broker to the workers it starts.
        Plugin own = served.engine->load(plugin->path());
        detail::PluginAccess::state(own).engine->route_objects(served.objects);
        served.stages.push_back(std::make_unique<pipeline::StageWorker>(url_, health_, served.plan, stage, own,
                                                                        workers_, consumer_, options_.observer));
        served.plugins.push_back(own);
        continue;
      } catch (const std::exception& e) {
        why = std::string("cannot start its workers: ") + e.what();
      }
    }
    const std::string line = "skips stage '" + stage.name + "' of run " + run + " (pipeline '" +
                             served.plan.pipeline + "'): " + why;
    say(line);
    client_->command({"HSET", broker::keys::refusals(run), options_.name, line});
  }
  if (served.stages.empty()) {
    passed_.insert(run);
    return;
  }
  say("serves run " + run + " (pipeline '" + served.plan.pipeline + "')");
  served_.emplace(run, std::move(served));
}

void WorkerDaemon::touch(pipeline::StageWorker& stage) {
  for (auto& [stream, ids] : stage.held_ids()) {
    std::vector<std::string> cmd{"EVAL", broker::scripts::touch, "1", stream, broker::keys::group, consumer_};
    cmd.insert(cmd.end(), ids.begin(), ids.end());
    client_->command(cmd);
  }
}

void WorkerDaemon::beat(Served& served) {
  for (auto& stage : served.stages) {
    if (stage->finished()) continue;
    touch(*stage);
    reclaim(served, stage->stage(), stage->stage().in_stream);
    reclaim(served, stage->stage(), stage->stage().suspect_stream);
  }
}

void WorkerDaemon::reclaim(Served& served, const RemoteStage& stage, const std::string& stream) {
  const auto min_idle = 3 * served.plan.heartbeat;
  broker::Reply r;
  try {
    r = client_->command({"XAUTOCLAIM", stream, broker::keys::group, consumer_, std::to_string(min_idle.count()),
                          "0-0", "COUNT", "16"});
  } catch (const broker::RedisError&) {
    return;  // NOGROUP: the run is ending
  }
  if (r.elements.size() < 2) return;
  const bool suspects = stream == stage.suspect_stream;
  for (const auto& entry : r.elements[1].elements) {
    if (!entry.is_array() || entry.elements.size() < 2) continue;
    const std::string& id = entry.elements[0].str;
    std::string payload;
    long long alone = 0;  // losses while running alone so far
    for (auto& [field, value] : broker::field_pairs(entry.elements[1])) {
      if (field == "d") payload = value;
      if (field == "n") alone = std::atoll(value.c_str());
    }
    // Lost in the stage's stream: any item of what that worker held may be
    // the culprit, so none is charged. Lost as a suspect: it ran alone.
    if (suspects) ++alone;
    const long long deliveries = 1 + alone;
    say("takes over entry " + id + " of stage '" + stage.name + "' from a lost worker (delivery " +
        std::to_string(deliveries) + ")");
    if (deliveries >= static_cast<long long>(served.plan.max_deliveries)) {
      fail_poisoned(served, stage, stream, id, payload, deliveries);
      continue;
    }
    broker::Entry e;
    try {
      e = broker::decode_entry(payload);
    } catch (const std::exception&) {
      client_->command({"XACK", stream, broker::keys::group, id});  // not ours to run
      continue;
    }
    std::vector<std::string> cmd{"EVAL",  broker::scripts::requeue, "3", stream, broker::keys::alive(served.plan.run),
                                 stage.suspect_stream, broker::keys::group, id, std::to_string(alone)};
    for (auto& item : e.items) {
      broker::Entry one;
      one.items.push_back(std::move(item));
      cmd.push_back(broker::encode_entry(one));
    }
    client_->command(cmd);
  }
}

void WorkerDaemon::fail_poisoned(const Served& served, const RemoteStage& stage, const std::string& stream,
                                 const std::string& id, const std::string& payload, long long deliveries) {
  broker::Entry in;
  try {
    in = broker::decode_entry(payload);
  } catch (const std::exception&) {
  }
  const pipeline::Failure failure{
      "WorkerLost", "delivered " + std::to_string(deliveries) +
                        " times, and every worker that took it was lost (killed, or its host died)"};
  broker::Entry out;
  for (auto& item : in.items) {
    if (item.flags) {  // passes through anyway
      out.items.push_back(std::move(item));
      continue;
    }
    broker::EntryItem r;
    r.origin = item.origin;
    r.path = item.path;
    switch (stage.settings.on_error) {
      case pipeline::OnError::skip:
        r.flags = broker::EntryItem::tombstone;
        break;
      case pipeline::OnError::collect:
        r.flags = broker::EntryItem::error_record;
        r.dead_letter = stage.dead_letter;
        r.made_at = static_cast<std::int32_t>(stage.index);
        r.bytes = pipeline::error_record(stage.name, stage.task_label, 0, failure, nullptr);
        break;
      case pipeline::OnError::fail:
        out.failure = "stage '" + stage.name + "': " + stage.task_label + " failed on an item: " + failure.type +
                      ": " + failure.message;
        break;
    }
    out.items.push_back(std::move(r));
  }
  if (!out.failure.empty()) {
    out.items.clear();
    client_->command({"EVAL", broker::scripts::report, "2", stage.report_stream, broker::keys::alive(served.plan.run),
                      broker::encode_entry(out)});
    return;
  }
  client_->command({"EVAL", broker::scripts::finish, "3", stream, stage.out_stream,
                    broker::keys::alive(served.plan.run), broker::keys::group, id, broker::encode_entry(out)});
}

void WorkerDaemon::publish_self() {
  nlohmann::json serving = nlohmann::json::array();
  std::set<std::string> plugins;
  for (const auto& [run, served] : served_)
    for (const auto& stage : served.stages) {
      if (stage->finished()) continue;
      serving.push_back({{"run", run},
                         {"pipeline", served.plan.pipeline},
                         {"stage", stage->stage().name},
                         {"held", stage->held()}});
      plugins.insert(stage->stage().plugin.describe());
    }
  const nlohmann::json me{{"name", options_.name},
                          {"host", host_name()},
                          {"pid", getpid()},
                          {"workers", workers_},
                          {"plugins", plugins},
                          {"serving", serving}};
  client_->pipeline({{"SET", broker::keys::worker(options_.name), me.dump(), "PX", "5000"},
                     {"SADD", broker::keys::workers, options_.name}});
}

}  // namespace ferry::detail
