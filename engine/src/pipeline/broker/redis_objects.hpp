// A distributed run's shared objects, on the broker: what tasks reach
// through ctx.dict / list / queue / lock / event, and what the host's
// `shared:`, dict sink and `output:` use, with the same replies as the
// engine's own store (manager/replies.hpp). Values are kept as the bytes
// tasks send (cereal), so a task's code does not change between a local
// and a distributed run.
//   dict  -> a HASH, plus a sorted set that keeps insertion order
//   list  -> a LIST;  queue -> a LIST and a count of unfinished items
//   lock  -> a key holding its holder's token (SET NX), released by token
//   event -> a key that exists while the event is set
// Semaphores, barriers and shared memory stay on one machine: refused.
// Blocking operations poll with backoff (up to 50 ms) or block in slices of
// a second, so a broker outage or a stop never leaves one waiting forever.
#pragma once

#include <chrono>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "broker/redis_client.hpp"
#include "manager/replies.hpp"

namespace ferry {
class ManagerLink;
}

namespace ferry::pipeline {

class RedisObjects : public manager::ObjectBackend {
 public:
  // who: tells this holder's lock tokens from others' (a worker's name).
  RedisObjects(const broker::RedisUrl& url, std::shared_ptr<broker::BrokerHealth> health, std::string run,
               std::chrono::milliseconds key_ttl, std::string who);
  ~RedisObjects() override;

  manager::Reply handle(manager::Request&& request, manager::ClientId client) override;
  void release_client(manager::ClientId client) override;

  // Every key the run's objects use (to renew and to delete).
  static std::string keys_set(const std::string& run);
  // Stops operations waiting (the run is ending).
  void stop();

 private:
  class Lease;  // a client from the pool, given back when it goes
  Lease lease();
  std::string key(const char* kind, const std::string& name) const;
  // Checks (and records, the first time) the object's type; "" or why not.
  std::string check_type(broker::RedisClient& c, const manager::Request& r, const std::vector<std::string>& keys);
  manager::Reply dict(broker::RedisClient& c, const manager::Request& r);
  manager::Reply list(broker::RedisClient& c, const manager::Request& r);
  manager::Reply queue(broker::RedisClient& c, const manager::Request& r);
  manager::Reply lock(broker::RedisClient& c, const manager::Request& r, manager::ClientId client);
  manager::Reply event(broker::RedisClient& c, const manager::Request& r);
  // Gives keys this process writes the run's expiry, the first time it
  // writes them (the host renews it from then on).
  void keep(broker::RedisClient& c, std::initializer_list<std::string> keys);
  // Calls attempt until it returns true or the request's timeout passes.
  template <class Attempt>
  bool poll(const manager::Request& r, Attempt attempt);

  const broker::RedisUrl url_;
  const std::shared_ptr<broker::BrokerHealth> health_;
  const std::string run_, prefix_, who_;
  const std::chrono::milliseconds key_ttl_;
  std::mutex mu_;
  std::vector<std::unique_ptr<broker::RedisClient>> idle_;       // guarded by mu_
  std::vector<broker::RedisClient*> busy_;                        // guarded by mu_
  std::map<std::string, std::string> types_;                      // name -> type known; guarded by mu_
  std::set<std::string> expiring_;                                // keys given an expiry; guarded by mu_
  std::map<manager::ClientId, std::set<std::string>> locks_held_;  // guarded by mu_
  bool stopped_ = false;                                          // guarded by mu_
};

// The host's link to its run's objects on the broker (client 0).
std::shared_ptr<ferry::ManagerLink> link_to(std::shared_ptr<RedisObjects> objects);

}  // namespace ferry::pipeline
