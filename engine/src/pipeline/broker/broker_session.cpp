#include "pipeline/broker/broker_session.hpp"

#include <random>

#include "broker/keys.hpp"

namespace ferry::pipeline {
namespace {

std::string new_run_id() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 16; ++i) id += hex[gen() & 15];
  return id;
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()); }

std::vector<std::string> streams_of(const RemotePlan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.stages) {
    out.push_back(s.in_stream);
    out.push_back(s.suspect_stream);
    if (s.out_stream == s.report_stream) out.push_back(s.out_stream);  // a segment's last stage
  }
  return out;
}

}  // namespace

std::chrono::milliseconds run_key_ttl(std::chrono::milliseconds heartbeat) {
  return std::max<std::chrono::milliseconds>(heartbeat * 15, std::chrono::seconds(2));
}
std::chrono::milliseconds alive_ttl(std::chrono::milliseconds heartbeat) {
  return std::max<std::chrono::milliseconds>(heartbeat * 5, std::chrono::milliseconds(500));
}

BrokerSession::BrokerSession(const broker::RedisUrl& url, const Plan& plan, std::chrono::milliseconds heartbeat,
                             std::ostream& messages)
    : url_(url),
      segments_(remote_segments(plan)),
      remote_(describe_remote(plan, segments_, new_run_id(), heartbeat)),
      plan_json_(to_json(remote_)),
      heartbeat_(heartbeat),
      messages_(messages),
      health_(std::make_shared<broker::BrokerHealth>("ferry", [&messages](const std::string& line) {
        messages << line << std::endl;
      })),
      objects_(std::make_shared<RedisObjects>(url, health_, remote_.run, run_key_ttl(heartbeat), "host")),
      objects_link_(link_to(objects_)) {
  client_ = connect();
  client_->connect_or_throw();
  register_run();
  keeper_ = std::thread([this] { keep_alive(); });
}

BrokerSession::~BrokerSession() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (keeper_.joinable()) keeper_.join();
  objects_->stop();
  // Best effort and bounded: a broker that is down now keeps nothing of ours
  // for longer than the keys' expiry.
  try {
    broker::RedisClient last(url_, health_);
    last.connect_or_throw();
    const std::string& run = remote_.run;
    std::vector<std::string> del{"DEL", broker::keys::plan(run), broker::keys::alive(run), broker::keys::refusals(run),
                                 broker::keys::counters(run)};
    for (auto& s : streams_of(remote_)) del.push_back(s);
    const std::string shared = RedisObjects::keys_set(run);
    for (auto& k : last.command({"SMEMBERS", shared}).elements) del.push_back(k.str);
    del.push_back(shared);
    last.pipeline({del, {"ZREM", broker::keys::runs, run}});
  } catch (const std::exception&) {
  }
}

std::unique_ptr<broker::RedisClient> BrokerSession::connect() const {
  return std::make_unique<broker::RedisClient>(url_, health_);
}

void BrokerSession::stop() {
  std::lock_guard lock(register_mu_);
  client_->stop();
}

void BrokerSession::register_run() {
  std::lock_guard lock(register_mu_);
  const std::string& run = remote_.run;
  const std::string ttl = ms(run_key_ttl(heartbeat_));
  std::vector<std::vector<std::string>> commands;
  for (const auto& s : streams_of(remote_)) {
    commands.push_back({"XGROUP", "CREATE", s, broker::keys::group, "0", "MKSTREAM"});
    commands.push_back({"PEXPIRE", s, ttl});
  }
  commands.push_back({"SET", broker::keys::alive(run), "1", "PX", ms(alive_ttl(heartbeat_))});
  commands.push_back({"SET", broker::keys::plan(run), plan_json_, "PX", ttl});
  commands.push_back({"ZADD", broker::keys::runs,
                      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count()),
                      run});
  // BUSYGROUP replies (the group is there already) are expected here.
  client_->pipeline(commands);
}

void BrokerSession::keep_alive() {
  const std::string& run = remote_.run;
  std::uint64_t restarts = health_->restarts();
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, heartbeat_, [this] { return done_; })) {
    lock.unlock();
    try {
      if (const auto now = health_->restarts(); now != restarts) {
        restarts = now;
        register_run();
      }
      std::lock_guard reg(register_mu_);
      const std::string ttl = ms(run_key_ttl(heartbeat_));
      std::vector<std::vector<std::string>> commands{
          {"SET", broker::keys::alive(run), "1", "PX", ms(alive_ttl(heartbeat_))},
          {"PEXPIRE", broker::keys::plan(run), ttl},
          {"PEXPIRE", broker::keys::refusals(run), ttl},
          {"PEXPIRE", broker::keys::counters(run), ttl}};
      for (const auto& s : streams_of(remote_)) commands.push_back({"PEXPIRE", s, ttl});
      // The shared objects' keys, which tasks may have made.
      const std::string shared = RedisObjects::keys_set(run);
      commands.push_back({"PEXPIRE", shared, ttl});
      for (auto& k : client_->command({"SMEMBERS", shared}).elements) commands.push_back({"PEXPIRE", k.str, ttl});
      client_->pipeline(commands);
    } catch (const std::exception&) {
      // Stopped, or an outage the client has told of already.
    }
    tell_refusals();
    tell_unserved();
    lock.lock();
  }
}

void BrokerSession::tell_unserved() {
  if (told_unserved_ || std::chrono::steady_clock::now() - started_ < std::chrono::seconds(5)) return;
  told_unserved_ = true;
  try {
    std::vector<std::string> idle;
    std::set<std::string> plugins;
    for (const auto& stage : remote_.stages) {
      broker::Reply groups;
      {
        std::lock_guard reg(register_mu_);
        groups = client_->command({"XINFO", "GROUPS", stage.in_stream});
      }
      long long consumers = 0;  // XINFO GROUPS: [name, N, consumers, N, ...] per group
      for (const auto& g : groups.elements)
        for (std::size_t i = 0; i + 1 < g.elements.size(); i += 2)
          if (g.elements[i].str == "consumers") consumers += g.elements[i + 1].integer;
      if (consumers == 0) {
        idle.push_back("'" + stage.name + "'");
        plugins.insert(stage.plugin.describe());
      }
    }
    if (idle.empty()) return;
    std::string needs;
    for (const auto& p : plugins) needs += (needs.empty() ? "" : ", ") + p;
    messages_ << "ferry: no worker has taken stage" << (idle.size() > 1 ? "s " : " ");
    for (std::size_t i = 0; i < idle.size(); ++i) messages_ << (i ? ", " : "") << idle[i];
    messages_ << " of this run yet; start one with `ferry worker --broker " << url_.redacted()
              << "` where the plugins are (" << needs << ")" << std::endl;
  } catch (const std::exception&) {
  }
}

void BrokerSession::tell_refusals() {
  try {
    broker::Reply r;
    {
      std::lock_guard reg(register_mu_);
      r = client_->command({"HGETALL", broker::keys::refusals(remote_.run)});
    }
    for (auto& [worker, why] : broker::field_pairs(r))
      if (told_.insert(worker + '\n' + why).second) messages_ << "ferry: worker " << worker << ": " << why << std::endl;
  } catch (const std::exception&) {
  }
}

}  // namespace ferry::pipeline
