#include "log_output.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress.hpp"

namespace ferry::cli {
namespace {

std::optional<Level> parse_level(std::string_view s) {
  if (s == "debug") return Level::debug;
  if (s == "info") return Level::info;
  if (s == "warn" || s == "warning") return Level::warning;
  if (s == "error") return Level::error;
  return std::nullopt;
}

const char* level_name(int level) {
  static const char* const names[] = {"debug", "info", "warning", "error"};
  return level >= 0 && level <= 3 ? names[level] : "info";
}

// 2026-12-04T13:20:01.123Z: UTC, milliseconds.
std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the format could print: no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

void add_log_options(CLI::App& cmd, LogSettings& s) {
  cmd.add_option("--log-level", s.level,
                 "write log records of this level and above: error, warn, info or debug (default: "
                 "FERRY_LOG_LEVEL, else info; error with --quiet)")
      ->type_name("LEVEL");
  cmd.add_option("--log-format", s.format, "text, or json: one object a line")->default_val("text")->type_name("FORMAT");
  cmd.add_option("--log-rate", s.rate,
                 "at most this many task log lines a second from each worker; the rest are counted and "
                 "reported as dropped (0: no limit)")
      ->default_val(100)
      ->type_name("N");
}

LogOutput::LogOutput(const LogSettings& s, bool quiet) : rate_(s.rate) {
  std::string level = s.level;
  std::string from = "--log-level";
  if (level.empty()) {
    const char* env = std::getenv("FERRY_LOG_LEVEL");
    if (env && *env) {
      level = env;
      from = "FERRY_LOG_LEVEL";
    }
  }
  if (level.empty()) level_ = quiet ? Level::error : Level::info;
  else if (auto l = parse_level(level)) level_ = *l;
  else throw UsageError(from + "=" + level + ": not a log level (error, warn, info or debug)");
  if (s.format != "text" && s.format != "json")
    throw UsageError("--log-format=" + s.format + ": not a log format (text or json)");
  json_ = s.format == "json";
  timestamps_ = !::isatty(STDERR_FILENO);
}

void LogOutput::configure(EngineOptions& options) {
  options.log = [this](const LogRecord& r) { task(r); };
  options.log_level = static_cast<int>(level_);
  options.log_rate = rate_;
}

void LogOutput::configure(BrokerWorkerOptions& options) {
  options.task_log = [this](const LogRecord& r) { task(r); };
  options.task_log_level = static_cast<int>(level_);
  options.task_log_rate = rate_;
  options.log = [this](const std::string& message) { line(Level::info, message); };
}

void LogOutput::ferry(Level level, std::string_view message) { own(level, "ferry: ", message); }

void LogOutput::own(Level level, std::string_view text_prefix, std::string_view message) {
  if (!enabled(level)) return;
  if (!json_) {
    write(std::string(text_prefix).append(message));
    return;
  }
  nlohmann::ordered_json j;
  j["time"] = iso_time(std::chrono::system_clock::now());
  j["level"] = level_name(static_cast<int>(level));
  j["source"] = "ferry";
  j["message"] = message;
  write(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void LogOutput::task(const LogRecord& r) {
  if (r.level < static_cast<int>(level_)) return;  // the worker filters too, unless a task tampers with it
  if (!json_) {
    write(timestamps_ ? iso_time(r.time) + " " + format_log(r) : format_log(r));
    return;
  }
  nlohmann::ordered_json j;
  j["time"] = iso_time(r.time);
  j["level"] = level_name(r.level);
  j["source"] = "task";
  if (!r.stage.empty()) j["stage"] = r.stage;
  j["plugin"] = r.plugin;
  j["task"] = r.task;
  j["pid"] = r.pid;
  if (r.item) j["item"] = *r.item;
  if (r.dropped) j["dropped"] = r.dropped;
  j["message"] = r.message;
  write(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void LogOutput::write(std::string line) {
  if (display_) {
    display_->print_above(line);
    return;
  }
  line += '\n';
  std::lock_guard lock(mu_);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace ferry::cli
