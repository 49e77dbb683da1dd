// What source: {redis_stream: ...} and sink: {redis_stream: ...} are given:
// a stream on a Redis server, and how to read or write its entries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pipeline/connectors/connector.hpp"

namespace ferry::pipeline {

struct RedisStreamSettings {
  std::string url;      // default: the file's broker:, else redis://127.0.0.1:6379
  std::string stream;
  std::string group;    // source: its consumer group (required)
  std::string consumer; // source: its name in the group; default HOSTNAME:PIPELINE
  std::string field = "value";  // the entry field holding an item, as JSON
  std::string start = "0";      // source: where a new group starts: 0 (all) or $ (new entries)
  std::uint64_t maxlen = 0;     // sink: trim the stream to about this many entries; 0: never
};

// Reads `NAME` (a sink only) or a mapping of the settings above; nullopt
// after adding the problems to p.cx.
std::optional<RedisStreamSettings> parse_redis_stream(const ConnectorParse& p, bool source);

}  // namespace ferry::pipeline
