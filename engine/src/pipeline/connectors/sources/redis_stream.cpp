// source: {redis_stream: {stream: NAME, group: GROUP, ...}}: the entries of
// a Redis stream, read as a member of a consumer group (created when
// missing), each entry's `field` one item (its JSON, or the text itself
// when it is not JSON; an entry without it: its fields as a map), until the run is stopped (SIGINT, SIGTERM): a
// pipeline as a service. An entry is acknowledged (XACK) only once the
// results of its item have all reached the sink, so a run killed before
// that leaves it pending, and the next run with the same consumer name
// reads it again first.
#include <map>
#include <memory>
#include <mutex>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

#include "broker/redis_client.hpp"
#include "pipeline/connectors/redis_stream_settings.hpp"

namespace ferry::pipeline {
namespace {

constexpr int kBlockMs = 200;

// Entries read and not yet acknowledged, by item position; shared with the
// sink's thread, which may call after read() has returned.
class Acks {
 public:
  Acks(const RedisStreamSettings& s, std::shared_ptr<broker::BrokerHealth> health)
      : s_(s), client_(broker::RedisUrl::parse(s.url), std::move(health)) {}
  void read(std::uint64_t position, std::string id) {
    std::lock_guard lock(mu_);
    ids_.emplace(position, std::move(id));
  }
  void written(const std::vector<std::uint64_t>& positions) {
    std::lock_guard lock(mu_);
    std::vector<std::string> cmd{"XACK", s_.stream, s_.group};
    for (auto p : positions) {
      const auto it = ids_.find(p);
      if (it == ids_.end()) continue;
      cmd.push_back(std::move(it->second));
      ids_.erase(it);
    }
    if (cmd.size() > 3) client_.command(cmd);
  }

 private:
  const RedisStreamSettings s_;
  std::mutex mu_;
  broker::RedisClient client_;                     // guarded by mu_
  std::map<std::uint64_t, std::string> ids_;       // guarded by mu_
};

class RedisStreamSource final : public SourceConfig {
 public:
  RedisStreamSource(const SourceKind& kind, RedisStreamSettings s) : SourceConfig(kind), s_(std::move(s)) {}
  SourceItems items() const override { return {}; }  // JSON: known only as read
  std::string not_resumable() const override {
    return "a Redis stream is read again by its consumer group, not by a journal (its entries are acknowledged "
           "once written)";
  }

  void read(ItemEmitter& out, const SourceIo&) const override {
    auto health = std::make_shared<broker::BrokerHealth>("ferry");
    broker::RedisClient client(broker::RedisUrl::parse(s_.url), health);
    client.set_timeout(std::chrono::milliseconds(kBlockMs) + std::chrono::seconds(10));
    client.connect_or_throw();
    try {
      client.command({"XGROUP", "CREATE", s_.stream, s_.group, s_.start, "MKSTREAM"});
    } catch (const broker::RedisError& e) {
      if (std::string(e.what()).find("BUSYGROUP") == std::string::npos)
        throw Error("source redis_stream " + s_.stream + ": " + e.what());
    }
    auto acks = std::make_shared<Acks>(s_, health);
    out.when_written([acks](const std::vector<std::uint64_t>& positions) { acks->written(positions); });
    std::uint64_t position = 0;
    // First what this consumer was given before and never acknowledged (a
    // run that was killed), then new entries.
    bool own_pending = true;
    while (!out.stopping()) {
      broker::Reply r;
      try {
        std::vector<std::string> cmd{"XREADGROUP", "GROUP", s_.group, s_.consumer, "COUNT", "256"};
        if (!own_pending) cmd.insert(cmd.end(), {"BLOCK", std::to_string(kBlockMs)});
        cmd.insert(cmd.end(), {"STREAMS", s_.stream, own_pending ? "0" : ">"});
        r = client.command(cmd);
      } catch (const broker::RedisError& e) {
        throw Error("source redis_stream " + s_.stream + ": " + e.what());
      }
      const auto* entries = r.is_nil() || r.elements.empty() ? nullptr : &r.elements[0].elements.at(1).elements;
      if (!entries || entries->empty()) {
        if (own_pending) own_pending = false;
        else out.idle();
        continue;
      }
      for (const auto& entry : *entries) {
        const std::string& id = entry.elements.at(0).str;
        std::string text;
        bool found = false;
        Value::Map fields;  // the item when the entry has no `field`
        for (auto& [field, value] : broker::field_pairs(entry.elements.at(1))) {
          if (field == s_.field) {
            text = value;
            found = true;
          }
          fields.emplace_back(field, Value(value));
        }
        Value v;
        if (!found) {
          v = Value(std::move(fields));
        } else {
          try {
            v = value_from_json(text);
          } catch (const std::exception&) {
            v = Value(text);
          }
        }
        acks->read(position++, id);
        if (!out.emit(codec::encode_value(v))) return;
      }
    }
  }

 private:
  RedisStreamSettings s_;
};

std::unique_ptr<SourceConfig> parse_redis_stream_source(const SourceKind& kind, const ConnectorParse& p) {
  auto s = parse_redis_stream(p, true);
  if (!s) return nullptr;
  return std::make_unique<RedisStreamSource>(kind, std::move(*s));
}

}  // namespace

SourceKind redis_stream_source() {
  return {"redis_stream", "{redis_stream: {stream: NAME, group: GROUP}}", {}, parse_redis_stream_source};
}

}  // namespace ferry::pipeline
