// The host's side of a distributed run on the broker: registers the run
// (its plan for workers, its streams and their consumer groups), keeps it
// alive while the host lives (every key of the run has an expiry the host
// keeps renewing, so the keys of a host killed with SIGKILL go away by
// themselves), puts it back after a broker restart, tells the user once
// about each worker that refuses a stage, and removes every key at the end.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>

#include "broker/redis_client.hpp"
#include "pipeline/broker/redis_objects.hpp"
#include "pipeline/broker/remote_plan.hpp"

namespace ferry::pipeline {

class BrokerSession {
 public:
  // Registers plan's task stages on the broker at url; throws ferry::Error
  // when the broker cannot be reached. messages: where refusals and outages
  // are told.
  BrokerSession(const broker::RedisUrl& url, const Plan& plan, std::chrono::milliseconds heartbeat,
                std::ostream& messages);
  ~BrokerSession();  // stops renewing and deletes the run's keys
  BrokerSession(const BrokerSession&) = delete;
  BrokerSession& operator=(const BrokerSession&) = delete;

  const RemotePlan& remote() const { return remote_; }
  const std::vector<Segment>& segments() const { return segments_; }
  // A connection of its own for a thread of this run.
  std::unique_ptr<broker::RedisClient> connect() const;
  std::shared_ptr<broker::BrokerHealth> health() const { return health_; }
  // The host's way to the run's shared objects, which live on the broker.
  std::shared_ptr<ferry::ManagerLink> objects_link() const { return objects_link_; }
  // Puts the run back on a broker that restarted and lost recent writes
  // (its plan, streams and groups); safe to call from any thread, any time.
  void register_run();
  // Stops commands waiting out an outage (the run is stopping).
  void stop();

 private:
  void keep_alive();
  void tell_refusals();
  // Says once, a while after the start, which stages no worker has taken.
  void tell_unserved();

  broker::RedisUrl url_;
  std::vector<Segment> segments_;
  RemotePlan remote_;
  std::string plan_json_;
  std::chrono::milliseconds heartbeat_;
  std::ostream& messages_;
  std::shared_ptr<broker::BrokerHealth> health_;
  std::shared_ptr<RedisObjects> objects_;
  std::shared_ptr<ferry::ManagerLink> objects_link_;
  std::mutex register_mu_;
  std::unique_ptr<broker::RedisClient> client_;  // guarded by register_mu_
  std::set<std::string> told_;                   // refusals told; keeper thread only
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool told_unserved_ = false;                   // keeper thread only
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  std::thread keeper_;
};

// The run's keys expire this long after the host last renewed them.
std::chrono::milliseconds run_key_ttl(std::chrono::milliseconds heartbeat);
std::chrono::milliseconds alive_ttl(std::chrono::milliseconds heartbeat);

}  // namespace ferry::pipeline
