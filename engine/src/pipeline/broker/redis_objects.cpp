#include "pipeline/broker/redis_objects.hpp"

#include <algorithm>
#include <thread>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/shared.hpp>

#include "broker/keys.hpp"
#include "pipeline/broker/objects_scripts.hpp"

namespace ferry::pipeline {
namespace {

using manager::Op;
using manager::Reply;
using manager::Request;
using namespace objects_scripts;

constexpr auto kLockLease = std::chrono::seconds(60);

std::string u64(std::uint64_t n) { return codec::encode(n); }

std::vector<std::string> eval(const std::string& script, std::initializer_list<std::string> keys) {
  std::vector<std::string> cmd{"EVAL", script, std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  return cmd;
}

}  // namespace

class RedisObjects::Lease {
 public:
  Lease(RedisObjects& owner, std::unique_ptr<broker::RedisClient> c) : owner_(owner), c_(std::move(c)) {}
  Lease(Lease&& other) noexcept : owner_(other.owner_), c_(std::move(other.c_)) {}
  ~Lease() {
    if (!c_) return;
    std::lock_guard lock(owner_.mu_);
    owner_.busy_.erase(std::find(owner_.busy_.begin(), owner_.busy_.end(), c_.get()));
    owner_.idle_.push_back(std::move(c_));
  }
  broker::RedisClient& operator*() { return *c_; }

 private:
  RedisObjects& owner_;
  std::unique_ptr<broker::RedisClient> c_;
};

RedisObjects::RedisObjects(const broker::RedisUrl& url, std::shared_ptr<broker::BrokerHealth> health, std::string run,
                           std::chrono::milliseconds key_ttl, std::string who)
    : url_(url),
      health_(std::move(health)),
      run_(std::move(run)),
      prefix_(broker::keys::run_prefix(run_) + "shared:"),
      who_(std::move(who)),
      key_ttl_(key_ttl) {}

RedisObjects::~RedisObjects() = default;

std::string RedisObjects::keys_set(const std::string& run) { return broker::keys::run_prefix(run) + "shared:keys"; }

void RedisObjects::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto* c : busy_) c->stop();
}

RedisObjects::Lease RedisObjects::lease() {
  std::unique_ptr<broker::RedisClient> c;
  {
    std::lock_guard lock(mu_);
    if (stopped_) throw broker::BrokerStopped();
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!c) c = std::make_unique<broker::RedisClient>(url_, health_);
  std::lock_guard lock(mu_);
  busy_.push_back(c.get());
  return Lease(*this, std::move(c));
}

std::string RedisObjects::key(const char* kind, const std::string& name) const { return prefix_ + kind + ":" + name; }

std::string RedisObjects::check_type(broker::RedisClient& c, const Request& r, const std::vector<std::string>& keys) {
  {
    std::lock_guard lock(mu_);
    if (const auto it = types_.find(r.name); it != types_.end())
      return it->second == r.type ? "" : "shared object '" + r.name + "' is a " + it->second + ", not a " + r.type;
  }
  std::vector<std::string> cmd{"EVAL", kRegister, "2", prefix_ + "types", keys_set(run_), r.name, r.type,
                               std::to_string(key_ttl_.count())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  const std::string known = c.command(cmd).str;
  std::lock_guard lock(mu_);
  types_[r.name] = known;
  return known == r.type ? "" : "shared object '" + r.name + "' is a " + known + ", not a " + r.type;
}

void RedisObjects::keep(broker::RedisClient& c, std::initializer_list<std::string> keys) {
  std::vector<std::vector<std::string>> commands;
  {
    std::lock_guard lock(mu_);
    for (const auto& k : keys)
      if (expiring_.insert(k).second) commands.push_back({"PEXPIRE", k, std::to_string(key_ttl_.count())});
  }
  if (!commands.empty()) c.pipeline(commands);
}

template <class Attempt>
bool RedisObjects::poll(const Request& r, Attempt attempt) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, r.timeout_ms));
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (attempt()) return true;
    if (r.timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) return false;
    {
      std::lock_guard lock(mu_);
      if (stopped_) throw broker::BrokerStopped();
    }
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::milliseconds(50));
  }
}

Reply RedisObjects::handle(Request&& r, manager::ClientId client) {
  try {
    auto c = lease();
    const std::string kind = manager::kind_of(r.op);
    if (kind == "dict") return dict(*c, r);
    if (kind == "list") return list(*c, r);
    if (kind == "queue") return queue(*c, r);
    if (kind == "lock") return lock(*c, r, client);
    if (kind == "event") return event(*c, r);
    return manager::error("shared " + kind + " '" + r.name +
                          "': not available in a distributed run (semaphores, barriers and shared memory stay on "
                          "one machine)");
  } catch (const broker::BrokerStopped&) {
    return manager::error("shared object '" + r.name + "': the run is ending");
  } catch (const std::exception& e) {
    return manager::error("shared object '" + r.name + "': " + e.what());
  }
}

Reply RedisObjects::dict(broker::RedisClient& c, const Request& r) {
  const std::string hash = key("dict", r.name), order = key("dict-order", r.name), seq = key("dict-seq", r.name);
  if (auto why = check_type(c, r, {hash, order, seq}); !why.empty()) return manager::error(why);
  auto with_args = [&](const std::string& script, std::size_t n) {
    auto cmd = eval(script, {hash, order, seq});
    for (std::size_t i = 0; i < n; ++i) cmd.push_back(r.args.at(i));
    return cmd;
  };
  switch (r.op) {
    case Op::dict_get: {
      auto v = c.command({"HGET", hash, r.args.at(0)});
      return v.is_nil() ? manager::missing() : manager::ok_with(std::move(v.str));
    }
    case Op::dict_set:
      c.command(with_args(kDictSet, 2));
      keep(c, {hash, order, seq});
      return manager::ok();
    case Op::dict_setdefault: {
      auto v = c.command(with_args(kDictSetDefault, 2));
      keep(c, {hash, order, seq});
      return manager::ok_with(std::move(v.str));
    }
    case Op::dict_pop: {
      auto v = c.command({"EVAL", kDictPop, "2", hash, order, r.args.at(0)});
      return v.is_nil() ? manager::missing() : manager::ok_with(std::move(v.str));
    }
    case Op::dict_contains:
      return c.command({"HEXISTS", hash, r.args.at(0)}).integer ? manager::ok() : manager::missing();
    case Op::dict_size: return manager::ok_with(u64(static_cast<std::uint64_t>(c.command({"HLEN", hash}).integer)));
    case Op::dict_keys:
    case Op::dict_items: {
      auto reply = c.command({"EVAL", kDictItems, "2", hash, order, r.op == Op::dict_items ? "1" : "0"});
      std::vector<std::string> values;
      for (auto& e : reply.elements) values.push_back(std::move(e.str));
      return manager::ok(std::move(values));
    }
    case Op::dict_update: {
      if (r.args.empty()) return manager::ok();
      c.command(with_args(kDictUpdate, r.args.size()));
      keep(c, {hash, order, seq});
      return manager::ok();
    }
    case Op::dict_add: {
      const std::string type = manager::dict_value_type(r.type);
      for (;;) {  // compare and set: another worker may add between the read and the write
        const auto current = c.command({"HGET", hash, r.args.at(0)});
        const std::string sum =
            manager::add_numbers(type, current.is_nil() ? nullptr : &current.str, r.args.at(1));
        if (c.command({"EVAL", kDictSwap, "3", hash, order, seq, r.args.at(0), current.str, sum,
                       current.is_nil() ? "0" : "1"})
                .integer == 1) {
          keep(c, {hash, order, seq});
          return manager::ok_with(sum);
        }
      }
    }
    case Op::dict_clear: c.command({"DEL", hash, order, seq}); return manager::ok();
    default: return manager::error("not a dict operation");
  }
}

Reply RedisObjects::list(broker::RedisClient& c, const Request& r) {
  const std::string items = key("list", r.name);
  if (auto why = check_type(c, r, {items}); !why.empty()) return manager::error(why);
  switch (r.op) {
    case Op::list_append:
    case Op::list_extend: {
      if (r.args.empty()) return manager::ok();
      std::vector<std::string> cmd{"RPUSH", items};
      cmd.insert(cmd.end(), r.args.begin(), r.args.end());
      c.command(cmd);
      keep(c, {items});
      return manager::ok();
    }
    case Op::list_get: {
      auto v = c.command({"LINDEX", items, std::to_string(manager::index_arg(r))});
      return v.is_nil() ? manager::missing() : manager::ok_with(std::move(v.str));
    }
    case Op::list_set: {
      const auto i = manager::index_arg(r);
      if (i >= static_cast<std::size_t>(c.command({"LLEN", items}).integer)) return manager::missing();
      c.command({"LSET", items, std::to_string(i), r.args.at(1)});
      return manager::ok();
    }
    case Op::list_size: return manager::ok_with(u64(static_cast<std::uint64_t>(c.command({"LLEN", items}).integer)));
    case Op::list_items: {
      auto reply = c.command({"LRANGE", items, "0", "-1"});
      std::vector<std::string> values;
      for (auto& e : reply.elements) values.push_back(std::move(e.str));
      return manager::ok(std::move(values));
    }
    default: return manager::error("not a list operation");
  }
}

Reply RedisObjects::queue(broker::RedisClient& c, const Request& r) {
  const std::string items = key("queue", r.name), unfinished = key("queue-unfinished", r.name);
  if (auto why = check_type(c, r, {items, unfinished}); !why.empty()) return manager::error(why);
  switch (r.op) {
    case Op::queue_put: {
      const auto put = [&] {
        return c.command({"EVAL", kQueuePut, "2", items, unfinished, std::to_string(r.capacity), r.args.at(0)})
                   .integer == 1;
      };
      if (!poll(r, put)) return manager::timed_out();
      keep(c, {items, unfinished});
      return manager::ok();
    }
    case Op::queue_get: {
      if (r.timeout_ms == 0) {
        auto v = c.command({"LPOP", items});
        return v.is_nil() ? manager::timed_out() : manager::ok_with(std::move(v.str));
      }
      // Blocks in slices of a second: a stop or an outage is noticed between them.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(r.timeout_ms);
      for (;;) {
        auto slice = std::chrono::milliseconds(1000);
        if (r.timeout_ms > 0) {
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
          if (left.count() <= 0) return manager::timed_out();
          slice = std::min(slice, left);
        }
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.3f", std::max<double>(0.001, slice.count() / 1000.0));
        auto v = c.command({"BLPOP", items, seconds});
        if (!v.is_nil() && v.elements.size() == 2) return manager::ok_with(std::move(v.elements[1].str));
        std::lock_guard lock(mu_);
        if (stopped_) return manager::error("shared queue '" + r.name + "': the run is ending");
      }
    }
    case Op::queue_size: return manager::ok_with(u64(static_cast<std::uint64_t>(c.command({"LLEN", items}).integer)));
    case Op::queue_task_done:
      return c.command({"EVAL", kTaskDone, "1", unfinished}).integer == 1
                 ? manager::ok()
                 : manager::error("task_done() called more times than there were items");
    case Op::queue_join: {
      const auto done = [&] {
        const auto v = c.command({"GET", unfinished});
        return v.is_nil() || std::atoll(v.str.c_str()) <= 0;
      };
      return poll(r, done) ? manager::ok() : manager::timed_out();
    }
    default: return manager::error("not a queue operation");
  }
}

Reply RedisObjects::lock(broker::RedisClient& c, const Request& r, manager::ClientId client) {
  const std::string held = key("lock", r.name);
  if (auto why = check_type(c, r, {}); !why.empty()) return manager::error(why);
  const std::string token = who_ + ":" + std::to_string(client);
  switch (r.op) {
    case Op::lock_acquire: {
      const auto take = [&] {
        return !c.command({"SET", held, token, "NX", "PX", std::to_string(std::chrono::milliseconds(kLockLease).count())})
                    .is_nil();
      };
      if (!poll(r, take)) return manager::timed_out();
      std::lock_guard lock(mu_);
      locks_held_[client].insert(held);
      return manager::ok();
    }
    case Op::lock_release: {
      if (c.command({"EVAL", kUnlock, "1", held, token}).integer != 1)
        return manager::error("release of lock '" + r.name + "', which this caller does not hold");
      std::lock_guard lock(mu_);
      locks_held_[client].erase(held);
      return manager::ok();
    }
    default: return manager::error("not a lock operation");
  }
}

Reply RedisObjects::event(broker::RedisClient& c, const Request& r) {
  const std::string flag = key("event", r.name);
  if (auto why = check_type(c, r, {flag}); !why.empty()) return manager::error(why);
  switch (r.op) {
    case Op::event_set: c.command({"SET", flag, "1", "PX", std::to_string(key_ttl_.count())}); return manager::ok();
    case Op::event_clear: c.command({"DEL", flag}); return manager::ok();
    case Op::event_is_set: return c.command({"EXISTS", flag}).integer ? manager::ok() : manager::missing();
    case Op::event_wait: {
      const auto set = [&] { return c.command({"EXISTS", flag}).integer == 1; };
      return poll(r, set) ? manager::ok() : manager::timed_out();
    }
    default: return manager::error("not an event operation");
  }
}

void RedisObjects::release_client(manager::ClientId client) {
  std::set<std::string> held;
  {
    std::lock_guard lock(mu_);
    const auto it = locks_held_.find(client);
    if (it == locks_held_.end()) return;
    held = std::move(it->second);
    locks_held_.erase(it);
  }
  try {
    auto c = lease();
    const std::string token = who_ + ":" + std::to_string(client);
    for (const auto& k : held) (*c).command({"EVAL", kUnlock, "1", k, token});
  } catch (const std::exception&) {
    // The broker is down or the run ending: the lease runs out by itself.
  }
}

namespace {

class ObjectsLink : public ManagerLink {
 public:
  explicit ObjectsLink(std::shared_ptr<RedisObjects> objects) : objects_(std::move(objects)) {}
  manager::Reply call(const manager::Request& request) override {
    manager::Request copy = request;
    return objects_->handle(std::move(copy), 0);
  }
  int open_descriptor(std::uint64_t) override {
    throw ManagerError("shared memory is not available in a distributed run");
  }

 private:
  std::shared_ptr<RedisObjects> objects_;
};

}  // namespace

std::shared_ptr<ManagerLink> link_to(std::shared_ptr<RedisObjects> objects) {
  return std::make_shared<ObjectsLink>(std::move(objects));
}

}  // namespace ferry::pipeline
