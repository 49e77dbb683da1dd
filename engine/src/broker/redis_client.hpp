// A thin C++ face on hiredis: one connection, commands as argument vectors
// (binary-safe), replies as a plain tree, and outages ridden out. When the
// broker cannot be reached, a command waits and reconnects with backoff
// (100 ms doubling to 2 s) until it gets through or the client is stopped;
// the outage is told once per process (BrokerHealth), not once per retry.
// Not thread-safe: give each thread its own client.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/redis_url.hpp"

struct redisContext;

namespace ferry::broker {

// One reply, as hiredis gives it.
struct Reply {
  enum class Type { nil, string, status, error, integer, array } type = Type::nil;
  std::string str;                // string, status, error
  long long integer = 0;          // integer
  std::vector<Reply> elements;    // array

  bool is_nil() const { return type == Type::nil; }
  bool is_array() const { return type == Type::array; }
};

// A command's error reply (NOGROUP, WRONGTYPE, a script's error...).
class RedisError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a command waiting out an outage when its client is stopped.
class BrokerStopped : public std::runtime_error {
 public:
  BrokerStopped() : std::runtime_error("stopped while the broker was unreachable") {}
};

// What every client of one process knows about the broker: whether it is
// down (told once when it goes, once when it is back) and the server's
// run_id, whose change means the server restarted and may have lost up to a
// second of writes (appendfsync everysec).
class BrokerHealth {
 public:
  explicit BrokerHealth(std::string who, std::function<void(const std::string&)> say = {});
  // A connection made at epoch() broke (or none could be made: made_at
  // empty). Told unless the outage is known: one already told, or one that
  // began after that connection was made and has been told and ended.
  void down(const std::string& url, const std::string& why, std::optional<std::uint64_t> made_at);
  void up(const std::string& url, const std::string& run_id);
  // Counts outages told; a connection remembers it when made.
  std::uint64_t epoch() const { return epoch_.load(); }
  // Bumped each time the server is found with another run_id than before.
  std::uint64_t restarts() const { return restarts_.load(); }

 private:
  std::string who_;
  std::function<void(const std::string&)> say_;
  std::mutex mu_;
  bool down_ = false;    // guarded by mu_
  std::string run_id_;   // guarded by mu_
  std::atomic<std::uint64_t> restarts_{0};
  std::atomic<std::uint64_t> epoch_{0};
};

class RedisClient {
 public:
  RedisClient(RedisUrl url, std::shared_ptr<BrokerHealth> health);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends one command and returns its reply, reconnecting through outages.
  // An error reply throws RedisError. A command may run twice when the
  // connection broke after it was sent: callers send only commands that are
  // safe to repeat (every write of ours is fenced or deduplicated).
  Reply command(const std::vector<std::string>& args);
  // Sends commands in one round trip; replies in order (error replies are
  // returned, not thrown). Retried whole after an outage, as command().
  std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& commands);

  // Connects now, once: throws ferry::Error with the reason when the broker
  // cannot be reached (for a first check that fails fast).
  void connect_or_throw();

  // Makes a command waiting out an outage throw BrokerStopped, now and from
  // now on. Thread-safe.
  void stop();
  bool stopped() const { return stopped_.load(); }

  // The socket timeout: above any BLOCK a command asks for.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  const RedisUrl& url() const { return url_; }
  BrokerHealth& health() { return *health_; }

 private:
  void connect();        // throws std::runtime_error with hiredis' reason
  void disconnect();
  void wait_before_retry(std::chrono::milliseconds& backoff);
  template <class Body>
  auto with_retries(Body body);

  RedisUrl url_;
  std::shared_ptr<BrokerHealth> health_;
  redisContext* context_ = nullptr;
  std::uint64_t epoch_ = 0;  // health_->epoch() when context_ was made
  std::chrono::milliseconds timeout_{10000};
  std::atomic<bool> stopped_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
};

// Splits a flat [field, value, field, value...] reply into pairs.
std::vector<std::pair<std::string, std::string>> field_pairs(const Reply& reply);

}  // namespace ferry::broker
