#include "broker/redis_client.hpp"

#include <hiredis.h>

#include <algorithm>
#include <iostream>

#include <ferry/errors.hpp>

namespace ferry::broker {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

// The connection failed under a command: the outage path, not an error reply.
struct ConnectionLost : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ReplyDeleter {
  void operator()(void* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<void, ReplyDeleter>;

void append(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()) != REDIS_OK)
    throw ConnectionLost(c->errstr);
}

Reply next_reply(redisContext* c) {
  void* raw = nullptr;
  if (redisGetReply(c, &raw) != REDIS_OK || !raw) throw ConnectionLost(c->err ? c->errstr : "connection lost");
  ReplyPtr owned(raw);
  return convert(static_cast<redisReply*>(raw));
}

}  // namespace

BrokerHealth::BrokerHealth(std::string who, std::function<void(const std::string&)> say)
    : who_(std::move(who)), say_(std::move(say)) {
  if (!say_) say_ = [](const std::string& line) { std::cerr << line << std::endl; };
}

void BrokerHealth::down(const std::string& url, const std::string& why, std::optional<std::uint64_t> made_at) {
  std::lock_guard lock(mu_);
  if (down_) return;
  // A connection older than the last outage told broke in that outage: the
  // broker is back (someone reconnected since), this one only found out late.
  if (made_at && *made_at < epoch_.load()) return;
  down_ = true;
  epoch_.fetch_add(1);
  say_(who_ + ": broker " + url + " unreachable (" + why + "); retrying with backoff");
}

void BrokerHealth::up(const std::string& url, const std::string& run_id) {
  std::lock_guard lock(mu_);
  if (down_) {
    down_ = false;
    say_(who_ + ": broker " + url + " reachable again");
  }
  if (!run_id_.empty() && run_id != run_id_) restarts_.fetch_add(1);
  run_id_ = run_id;
}

RedisClient::RedisClient(RedisUrl url, std::shared_ptr<BrokerHealth> health)
    : url_(std::move(url)), health_(std::move(health)) {}

RedisClient::~RedisClient() { disconnect(); }

void RedisClient::disconnect() {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

void RedisClient::connect() {
  disconnect();
  context_ = redisConnectWithTimeout(url_.host.c_str(), url_.port, to_timeval(std::chrono::seconds(5)));
  if (!context_) throw std::runtime_error("cannot allocate a connection");
  if (context_->err) {
    std::string why = context_->errstr;
    disconnect();
    throw std::runtime_error(why);
  }
  redisSetTimeout(context_, to_timeval(timeout_));
  auto checked = [&](const std::vector<std::string>& args) {
    append(context_, args);
    Reply r = next_reply(context_);
    if (r.type == Reply::Type::error) throw ConfigError("broker " + url_.redacted() + ": " + args[0] + ": " + r.str);
    return r;
  };
  try {
    if (!url_.password.empty()) {
      if (url_.user.empty()) checked({"AUTH", url_.password});
      else checked({"AUTH", url_.user, url_.password});
    }
    if (url_.db != 0) checked({"SELECT", std::to_string(url_.db)});
    const Reply info = checked({"INFO", "server", "persistence"});
    // Still reading its append-only file after a restart: not back yet.
    if (info.str.find("loading:1") != std::string::npos) throw ConnectionLost("the broker is loading its data");
    std::string run_id;
    if (const auto at = info.str.find("run_id:"); at != std::string::npos) {
      const auto end = info.str.find_first_of("\r\n", at);
      run_id = info.str.substr(at + 7, end - at - 7);
    }
    health_->up(url_.redacted(), run_id);
    epoch_ = health_->epoch();
  } catch (const ConnectionLost& e) {
    disconnect();
    throw std::runtime_error(e.what());
  } catch (...) {
    disconnect();
    throw;
  }
}

void RedisClient::connect_or_throw() {
  try {
    connect();
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("cannot reach the broker " + url_.redacted() + ": " + e.what());
  }
}

void RedisClient::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopped_ = true;
  }
  stop_cv_.notify_all();
}

void RedisClient::wait_before_retry(std::chrono::milliseconds& backoff) {
  std::unique_lock lock(stop_mu_);
  if (stop_cv_.wait_for(lock, backoff, [this] { return stopped_.load(); })) throw BrokerStopped();
  backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(2));
}

template <class Body>
auto RedisClient::with_retries(Body body) {
  std::chrono::milliseconds backoff{100};
  for (;;) {
    if (stopped_) throw BrokerStopped();
    try {
      if (!context_) connect();
      return body();
    } catch (const ConfigError&) {
      throw;  // refused credentials or database: waiting does not help
    } catch (const ConnectionLost& e) {
      disconnect();
      health_->down(url_.redacted(), e.what(), epoch_);
      if (epoch_ < health_->epoch()) continue;  // a stale connection: reconnect at once
    } catch (const RedisError&) {
      throw;
    } catch (const std::runtime_error& e) {  // could not connect
      disconnect();
      health_->down(url_.redacted(), e.what(), std::nullopt);
    }
    wait_before_retry(backoff);
  }
}

Reply RedisClient::command(const std::vector<std::string>& args) {
  Reply r = with_retries([&] {
    append(context_, args);
    return next_reply(context_);
  });
  if (r.type == Reply::Type::error) {
    // A server still loading its append-only file after a restart answers
    // LOADING: an outage by another name.
    if (r.str.starts_with("LOADING")) {
      health_->down(url_.redacted(), r.str, std::nullopt);
      std::chrono::milliseconds backoff{100};
      wait_before_retry(backoff);
      return command(args);
    }
    throw RedisError(args.front() + ": " + r.str);
  }
  return r;
}

std::vector<Reply> RedisClient::pipeline(const std::vector<std::vector<std::string>>& commands) {
  return with_retries([&] {
    for (const auto& c : commands) append(context_, c);
    std::vector<Reply> replies;
    replies.reserve(commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) replies.push_back(next_reply(context_));
    return replies;
  });
}

std::vector<std::pair<std::string, std::string>> field_pairs(const Reply& reply) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
    out.emplace_back(reply.elements[i].str, reply.elements[i + 1].str);
  return out;
}

}  // namespace ferry::broker
