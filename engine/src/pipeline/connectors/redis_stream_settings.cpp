#include "pipeline/connectors/redis_stream_settings.hpp"

#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include "broker/redis_url.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {

std::optional<RedisStreamSettings> parse_redis_stream(const ConnectorParse& p, bool source) {
  RedisStreamSettings s;
  s.url = p.pipeline.broker.value_or("redis://127.0.0.1:6379");
  const std::string what = source ? "source redis_stream" : "sink redis_stream";
  if (!source) {
    if (const auto text = detail::text_of(p.value); text && !p.value.IsMap()) {
      if (text->empty()) {
        p.cx.problem(p.value, what + " needs a stream name");
        return std::nullopt;
      }
      s.stream = *text;
      return s;
    }
  }
  if (!p.value.IsMap()) {
    p.cx.problem(p.value, what + " must be " +
                              (source ? "{stream: NAME, group: GROUP}" : "a stream name or {stream: NAME}") +
                              ", got " + detail::describe(p.value));
    return std::nullopt;
  }
  const auto items = detail::entries(p.cx, p.value);
  const std::vector<std::string> allowed =
      source ? std::vector<std::string>{"stream", "group", "url", "consumer", "field", "start"}
             : std::vector<std::string>{"stream", "url", "field", "maxlen"};
  detail::check_keys(p.cx, items, allowed, "in " + what + ":");
  bool ok = true;
  for (const auto& e : items) {
    const auto text = detail::text_of(e.value);
    if (!text || text->empty()) {
      p.cx.problem(e.value, what + " " + e.key + " must be text, got " + detail::describe(e.value));
      ok = false;
      continue;
    }
    if (e.key == "stream") s.stream = *text;
    else if (e.key == "group") s.group = *text;
    else if (e.key == "consumer") s.consumer = *text;
    else if (e.key == "field") s.field = *text;
    else if (e.key == "url") {
      try {
        broker::RedisUrl::parse(*text);
        s.url = *text;
      } catch (const std::exception& bad) {
        p.cx.problem(e.value, bad.what());
        ok = false;
      }
    } else if (e.key == "start") {
      if (*text != "0" && *text != "$") {
        p.cx.problem(e.value, what + " start must be 0 (every entry the stream holds) or $ (entries added from now)");
        ok = false;
      }
      s.start = *text;
    } else if (e.key == "maxlen") {
      const auto n = detail::int_of(e.value);
      if (!n || *n < 1) {
        p.cx.problem(e.value, what + " maxlen must be a whole number of entries, 1 or more");
        ok = false;
      } else {
        s.maxlen = static_cast<std::uint64_t>(*n);
      }
    }
  }
  if (s.stream.empty()) {
    p.cx.problem(p.value, what + " needs stream: NAME");
    ok = false;
  }
  if (source && s.group.empty()) {
    p.cx.problem(p.value, what + " needs group: GROUP (its consumer group, created when missing)");
    ok = false;
  }
  if (source && s.consumer.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    // Stable across restarts: a run started again reads what the last one
    // left unacknowledged first.
    s.consumer = std::string(host) + ":" + p.pipeline.name;
  }
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace ferry::pipeline
