// `ferry worker`: watches the broker's runs, serves the stages it can with
// a StageWorker each, refuses the others once with the reason, renews what
// it holds every heartbeat of the run and takes over the entries of workers
// presumed dead (idle for 3 heartbeats): their items go back one by one as
// suspects, each run alone, so that an item that kills whoever runs it
// costs no other item; one delivered max_deliveries times fails its stage's
// way (on_error).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <ferry/broker.hpp>
#include <ferry/engine.hpp>

#include "broker/redis_client.hpp"
#include "pipeline/broker/redis_objects.hpp"
#include "pipeline/broker/remote_plan.hpp"
#include "pipeline/broker/stage_worker.hpp"

namespace ferry::detail {

class WorkerDaemon {
 public:
  explicit WorkerDaemon(BrokerWorkerOptions options);
  ~WorkerDaemon();
  void run();
  void stop(StopMode mode);

 private:
  using Clock = std::chrono::steady_clock;
  struct Served {
    pipeline::RemotePlan plan;
    // The run's shared objects, on the broker, and an engine of the run's
    // own whose workers reach them (its manager routes to them).
    std::shared_ptr<pipeline::RedisObjects> objects;
    std::unique_ptr<Engine> engine;
    std::vector<Plugin> plugins;  // kept loaded while the run is served
    std::vector<std::unique_ptr<pipeline::StageWorker>> stages;
    Clock::time_point next_beat{};
  };

  void say(const std::string& line);
  void scan_runs();
  void start_run(const std::string& run);
  // Why this worker cannot serve stage, or "".
  std::string refusal(const pipeline::RemoteStage& stage, std::optional<Plugin>& plugin);
  // Renews the entries stage holds.
  void touch(pipeline::StageWorker& stage);
  void beat(Served& served);
  // Takes over stream's entries idle for 3 heartbeats: each item goes back
  // as a suspect, or fails its stage's way once delivered max_deliveries times.
  void reclaim(Served& served, const pipeline::RemoteStage& stage, const std::string& stream);
  void fail_poisoned(const Served& served, const pipeline::RemoteStage& stage, const std::string& stream,
                     const std::string& id, const std::string& payload, long long deliveries);
  void publish_self();
  // Stops serving a run: what waits on its objects returns, its stages stop now.
  static void abandon(Served& served);

  BrokerWorkerOptions options_;
  broker::RedisUrl url_;
  std::string consumer_;
  std::size_t workers_;
  Engine engine_;
  std::shared_ptr<broker::BrokerHealth> health_;
  std::unique_ptr<broker::RedisClient> client_;
  std::map<std::string, Served> served_;
  std::set<std::string> passed_;  // runs with nothing this worker can serve
  Clock::time_point next_scan_{}, next_publish_{};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;   // guarded by mu_
  bool now_ = false;        // guarded by mu_
};

}  // namespace ferry::detail
