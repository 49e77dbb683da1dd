// sink: {redis_stream: NAME} or {redis_stream: {stream: NAME, field: F,
// maxlen: N, url: URL}}: each item appended to a Redis stream (XADD) as
// the JSON of one field, a batch per round trip; error records too, like
// the stdout sink. With maxlen the stream is trimmed to about N entries.
#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

#include "broker/redis_client.hpp"
#include "pipeline/connectors/redis_stream_settings.hpp"

namespace ferry::pipeline {
namespace {

class RedisStreamWriter final : public SinkWriter {
 public:
  explicit RedisStreamWriter(const RedisStreamSettings& s)
      : s_(s), client_(broker::RedisUrl::parse(s.url), std::make_shared<broker::BrokerHealth>("ferry")) {
    client_.connect_or_throw();
  }
  void add(const Value& item) override {
    std::vector<std::string> cmd{"XADD", s_.stream};
    if (s_.maxlen) cmd.insert(cmd.end(), {"MAXLEN", "~", std::to_string(s_.maxlen)});
    cmd.insert(cmd.end(), {"*", s_.field, to_json(item)});
    pending_.push_back(std::move(cmd));
  }
  void flush() override {
    if (pending_.empty()) return;
    for (const auto& reply : client_.pipeline(pending_))
      if (reply.type == broker::Reply::Type::error) throw Error("XADD to " + s_.stream + ": " + reply.str);
    pending_.clear();
  }

 private:
  const RedisStreamSettings s_;
  broker::RedisClient client_;
  std::vector<std::vector<std::string>> pending_;
};

class RedisStreamSink final : public SinkConfig {
 public:
  RedisStreamSink(const SinkKind& kind, RedisStreamSettings s) : SinkConfig(kind), s_(std::move(s)) {}
  std::unique_ptr<SinkWriter> open(const SinkIo&) const override { return std::make_unique<RedisStreamWriter>(s_); }
  std::string target() const override { return "redis stream " + s_.stream; }

 private:
  RedisStreamSettings s_;
};

std::unique_ptr<SinkConfig> parse_redis_stream_sink(const SinkKind& kind, const ConnectorParse& p) {
  auto s = parse_redis_stream(p, false);
  if (!s) return nullptr;
  return std::make_unique<RedisStreamSink>(kind, std::move(*s));
}

}  // namespace

SinkKind redis_stream_sink() {
  return {"redis_stream", "{redis_stream: NAME}", false, true, false, parse_redis_stream_sink};
}

}  // namespace ferry::pipeline
