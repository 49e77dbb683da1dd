// Settings of a task stage and of defaults:: counts, flags, durations, sizes.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline::detail {

const std::vector<std::string>& setting_keys() {
  static const std::vector<std::string> keys = {"workers",  "chunksize",           "ordered",
                                                "timeout",  "retries",             "on_error",
                                                "max_tasks_per_child", "queue_size", "memory_limit"};
  return keys;
}

bool is_setting(const std::string& key) {
  const auto& keys = setting_keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

namespace {

// text split into a number and a trailing unit of letters ("250ms" ->
// 250, "ms"); nullopt when the number part is not a plain decimal number.
std::optional<std::pair<double, std::string>> number_and_unit(const std::string& text, bool fraction) {
  std::size_t unit_at = text.size();
  while (unit_at > 0 && std::isalpha(static_cast<unsigned char>(text[unit_at - 1]))) --unit_at;
  std::string number = text.substr(0, unit_at);
  while (!number.empty() && number.back() == ' ') number.pop_back();  // "512 MiB"
  // from_chars would also take "inf", "nan" and hex; only digits are meant.
  const std::size_t first = !number.empty() && number[0] == '-' ? 1 : 0;
  if (number.size() <= first || !(std::isdigit(static_cast<unsigned char>(number[first])) || number[first] == '.'))
    return std::nullopt;
  if (!fraction && number.find_first_not_of("-0123456789") != std::string::npos) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return std::make_pair(value, text.substr(unit_at));
}

// Worker processes one stage may start. Each is a process with its pipes
// and a thread in the host: a thousand is past the cores of any machine
// ferry runs on, and far past it the host runs out of processes and file
// descriptors instead of going faster. A typo (100000) or an int64 that
// the pool would try to reserve room for must be an error, not a fork storm.
constexpr std::int64_t kMaxWorkers = 1024;
// Extra attempts per item. Attempts are counted in 32 bits, so a huge value
// meant retrying forever; an item that failed a thousand times will fail again.
constexpr std::int64_t kMaxRetries = 1000;

// An integer setting from min to max (no upper bound when max is nullopt);
// a problem naming the key and the range otherwise.
std::optional<std::size_t> count(Context& cx, const Entry& e, std::int64_t min,
                                 std::optional<std::int64_t> max = std::nullopt) {
  const auto i = int_of(e.value);
  if (!i || *i < min || (max && *i > *max)) {
    const std::string range =
        max ? "from " + std::to_string(min) + " to " + std::to_string(*max) : ">= " + std::to_string(min);
    cx.problem(e.value, e.key + " must be an integer " + range + ", got " + describe(e.value));
    return std::nullopt;
  }
  return static_cast<std::size_t>(*i);
}

// timeout: a duration > 0, kept in whole milliseconds (rounded up, so a
// tiny positive timeout does not become "none").
std::optional<std::chrono::milliseconds> timeout(Context& cx, const Entry& e) {
  const auto ms = e.value.IsScalar() ? duration_ms(e.value.Scalar()) : std::nullopt;
  if (!ms) {
    cx.problem(e.value,
               "timeout must be a duration like 250ms, 5s, 2m or a number of seconds, got " + describe(e.value));
    return std::nullopt;
  }
  if (!(*ms > 0)) {
    cx.problem(e.value, "timeout must be greater than 0, got " + describe(e.value));
    return std::nullopt;
  }
  // Far below int64 milliseconds, and still over 30,000 years.
  if (*ms > 1e15) {
    cx.problem(e.value, "timeout is too large, got " + describe(e.value));
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(*ms)));
}

// memory_limit: a size in bytes > 0.
std::optional<std::uint64_t> memory_limit(Context& cx, const Entry& e) {
  const auto bytes = e.value.IsScalar() ? size_bytes(e.value.Scalar()) : std::nullopt;
  if (!bytes) {
    cx.problem(e.value,
               "memory_limit must be a size like 512MiB, 2GiB, 1GB or a number of bytes, got " + describe(e.value));
    return std::nullopt;
  }
  if (!(*bytes >= 1)) {
    cx.problem(e.value, "memory_limit must be at least 1 byte, got " + describe(e.value));
    return std::nullopt;
  }
  if (*bytes >= 18446744073709551616.0) {  // 2^64
    cx.problem(e.value, "memory_limit is too large, got " + describe(e.value));
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(*bytes);
}

}  // namespace

std::optional<double> duration_ms(const std::string& text) {
  const auto parsed = number_and_unit(text, true);
  if (!parsed) return std::nullopt;
  const auto& [n, unit] = *parsed;
  if (unit == "ms") return n;
  if (unit.empty() || unit == "s") return n * 1e3;
  if (unit == "m") return n * 60e3;
  if (unit == "h") return n * 3600e3;
  return std::nullopt;
}

std::optional<double> size_bytes(const std::string& text) {
  // Plain bytes must be whole; with a unit a fraction reads naturally (1.5GiB).
  const bool has_unit = !text.empty() && std::isalpha(static_cast<unsigned char>(text.back()));
  const auto parsed = number_and_unit(text, has_unit);
  if (!parsed) return std::nullopt;
  const auto& [n, unit] = *parsed;
  static const std::vector<std::pair<std::string, double>> units = {
      {"", 1.0},           {"K", 1024.0},       {"M", 1048576.0},    {"G", 1073741824.0}, {"KiB", 1024.0},
      {"MiB", 1048576.0},  {"GiB", 1073741824.0}, {"KB", 1e3},       {"MB", 1e6},         {"GB", 1e9}};
  for (const auto& [name, factor] : units)
    if (unit == name) return std::floor(n * factor);
  return std::nullopt;
}

void parse_setting(Context& cx, const Entry& e, StageSettings& s) {
  const std::string& k = e.key;
  // chunksize, max_tasks_per_child and queue_size need no upper bound: a
  // chunk never holds more than the queue in front of it, a queue allocates
  // only what it holds, and a huge max_tasks_per_child is "never".
  if (k == "workers") {
    s.workers = count(cx, e, 1, kMaxWorkers);
  } else if (k == "chunksize") {
    s.chunksize = count(cx, e, 1);
  } else if (k == "retries") {
    s.retries = count(cx, e, 0, kMaxRetries);
  } else if (k == "max_tasks_per_child") {
    s.max_tasks_per_child = count(cx, e, 0);
  } else if (k == "queue_size") {
    s.queue_size = count(cx, e, 1);
  } else if (k == "ordered") {
    s.ordered = bool_of(e.value);
    if (!s.ordered) cx.problem(e.value, "ordered must be true or false, got " + describe(e.value));
  } else if (k == "on_error") {
    const auto text = text_of(e.value);
    if (text == "fail") {
      s.on_error = OnError::fail;
    } else if (text == "skip") {
      s.on_error = OnError::skip;
    } else if (text == "collect") {
      s.on_error = OnError::collect;
    } else {
      cx.problem(e.value, "on_error must be fail, skip or collect, got " + describe(e.value));
    }
  } else if (k == "timeout") {
    s.timeout = timeout(cx, e);
  } else if (k == "memory_limit") {
    s.memory_limit = memory_limit(cx, e);
  }
}

}  // namespace ferry::pipeline::detail
