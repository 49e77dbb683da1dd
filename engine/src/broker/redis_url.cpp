#include "broker/redis_url.hpp"

#include <charconv>

#include <ferry/errors.hpp>

namespace ferry::broker {
namespace {

int number(std::string_view text, const char* what, int low, int high) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    throw ConfigError(std::string("broker URL: the ") + what + " must be a number from " + std::to_string(low) +
                      " to " + std::to_string(high) + ", not '" + std::string(text) + "'");
  return value;
}

}  // namespace

RedisUrl RedisUrl::parse(std::string_view text) {
  constexpr std::string_view scheme = "redis://";
  if (!text.starts_with(scheme))
    throw ConfigError("broker URL must look like redis://[user:password@]host:port[/db] (rediss:// and other "
                      "schemes are not supported; see docs/distributed.md for a TLS tunnel)");
  std::string_view rest = text.substr(scheme.size());
  RedisUrl url;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (const auto colon = credentials.find(':'); colon != std::string_view::npos) {
      url.user = credentials.substr(0, colon);
      url.password = credentials.substr(colon + 1);
    } else {
      url.password = credentials;  // redis://secret@host: a password alone, as redis-cli -u reads it
    }
  }
  std::string_view hostport = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) url.db = number(db, "database", 0, 1 << 20);
  }
  if (hostport.empty()) throw ConfigError("broker URL has no host: redis://HOST:PORT");
  std::string_view host = hostport;
  if (hostport.front() == '[') {  // [::1]:6379
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) throw ConfigError("broker URL: unclosed '[' in the host");
    host = hostport.substr(1, close - 1);
    const auto after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw ConfigError("broker URL: expected ':PORT' after the host");
      url.port = number(after.substr(1), "port", 1, 65535);
    }
  } else if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    url.port = number(hostport.substr(colon + 1), "port", 1, 65535);
  }
  if (host.empty()) throw ConfigError("broker URL has no host: redis://HOST:PORT");
  url.host = host;
  return url;
}

std::string RedisUrl::redacted() const {
  std::string out = "redis://";
  if (!user.empty() || !password.empty()) out += user + (password.empty() ? "" : ":***") + "@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  // Appended piece by piece: `":" + std::to_string(...)` trips GCC 12's
  // -Wrestrict false positive at -O3.
  out += ':';
  out += std::to_string(port);
  if (db != 0) {
    out += '/';
    out += std::to_string(db);
  }
  return out;
}

}  // namespace ferry::broker
