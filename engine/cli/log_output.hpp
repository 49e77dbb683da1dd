// Where `ferry run` writes log records, its tasks' and its own: a level
// below which nothing is written (--log-level, FERRY_LOG_LEVEL), text or one
// JSON object a line (--log-format), above the progress table when there is
// one. Task log lines are also filtered and rate-limited in the workers
// (EngineOptions::log_level, log_rate), so dropped lines cost nothing.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include <ferry/broker.hpp>
#include <ferry/engine.hpp>

namespace ferry::cli {

class ProgressDisplay;

// Log levels, as LogRecord::level counts them.
enum class Level : int { debug = 0, info = 1, warning = 2, error = 3 };

// The log options of a command, as typed.
struct LogSettings {
  std::string level;            // "" : FERRY_LOG_LEVEL, else the command's default
  std::string format = "text";  // text | json
  std::uint32_t rate = 100;     // task log lines a second per worker; 0 no limit
};

// Adds --log-level, --log-format and --log-rate to cmd.
void add_log_options(CLI::App& cmd, LogSettings& settings);

class LogOutput {
 public:
  // Throws UsageError for a level or format it does not know. quiet makes
  // `error` the default level.
  LogOutput(const LogSettings& settings, bool quiet);

  // Log records go above this table from now on (null: straight to stderr).
  void attach(ProgressDisplay* display) { display_ = display; }
  // Makes an engine send its task log records here, filtered and limited
  // in its workers.
  void configure(EngineOptions& options);
  // The same for the tasks a `ferry worker` runs, and its own messages
  // (info records, written as they come: they name the worker already).
  void configure(BrokerWorkerOptions& options);

  bool enabled(Level level) const { return static_cast<int>(level) >= static_cast<int>(level_); }
  // One of ferry's own messages: "ferry: MESSAGE" in text.
  void ferry(Level level, std::string_view message);
  // One of ferry's own messages, written as given in text.
  void line(Level level, std::string_view message) { own(level, "", message); }
  // A task's log record.
  void task(const LogRecord& record);

 private:
  void own(Level level, std::string_view text_prefix, std::string_view message);
  void write(std::string line);

  Level level_ = Level::info;
  bool json_ = false;
  bool timestamps_ = false;  // text to a file or pipe: each task line starts with its time
  std::uint32_t rate_ = 100;
  ProgressDisplay* display_ = nullptr;
  std::mutex mu_;  // one line at a time on stderr
};

}  // namespace ferry::cli
