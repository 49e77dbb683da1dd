// Where a Redis broker is: redis://[user:password@]host:port[/db], with the
// password kept out of everything printed (redacted()).
#pragma once

#include <string>
#include <string_view>

namespace ferry::broker {

struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string user;      // Redis 6 ACL user; empty: the default user
  std::string password;  // empty: no AUTH

  // Parses text; throws ferry::ConfigError naming what is wrong (never
  // echoing the password).
  static RedisUrl parse(std::string_view text);
  // The URL with the password replaced by "***": what messages show.
  std::string redacted() const;
};

}  // namespace ferry::broker
