// The public face of distributed runs' workers (<ferry/broker.hpp>):
// BrokerWorker over the daemon, and the list of live workers.
#include <algorithm>

#include <ferry/broker.hpp>

#include "broker/keys.hpp"
#include "broker/redis_client.hpp"
#include "pipeline/broker/worker_daemon.hpp"

namespace ferry {

BrokerWorker::BrokerWorker(BrokerWorkerOptions options)
    : daemon_(std::make_unique<detail::WorkerDaemon>(std::move(options))) {}
BrokerWorker::~BrokerWorker() = default;
void BrokerWorker::run() { daemon_->run(); }
void BrokerWorker::stop(StopMode mode) { daemon_->stop(mode); }

std::vector<std::string> broker_workers(const std::string& url) {
  broker::RedisClient client(broker::RedisUrl::parse(url), std::make_shared<broker::BrokerHealth>("ferry"));
  client.connect_or_throw();
  const broker::Reply names = client.command({"SMEMBERS", broker::keys::workers});
  std::vector<std::string> out;
  for (const auto& n : names.elements) {
    const broker::Reply info = client.command({"GET", broker::keys::worker(n.str)});
    if (info.is_nil()) {
      client.command({"SREM", broker::keys::workers, n.str});  // gone without saying so
      continue;
    }
    out.push_back(info.str);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ferry
