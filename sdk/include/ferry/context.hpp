// ferry::Context: what a running task can ask of the worker that runs it.
// A task receives one by declaring `ferry::Context&` as its first parameter.
#pragma once

#include <string>
#include <string_view>

#include <ferry/abi.h>

namespace ferry {

// Severity of a Context::log line.
enum class LogLevel : int { debug = 0, info = 1, warning = 2, error = 3 };

// Valid only for the duration of the call it was passed to; not thread-safe
// (use it from the task's own thread).
class Context {
 public:
  explicit Context(const ferry_call_v1* call) : call_(call) {}

  // The name of the task being run.
  std::string_view task_name() const { return call_->task_name ? call_->task_name : ""; }

  // Writes one log line, tagged with the task and worker, to the host's log.
  void log(std::string_view message, LogLevel level = LogLevel::info) const {
    const ferry_host_v1* host = call_->host;
    if (host && host->log)
      host->log(host->state, static_cast<int>(level), message.data(), message.size());
  }

 private:
  const ferry_call_v1* call_;
};

}  // namespace ferry
