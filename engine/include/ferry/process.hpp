// ferry::Process: one task in its own worker process, as Python's
// multiprocessing.Process runs one target.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <ferry/async_result.hpp>
#include <ferry/codec.hpp>
#include <ferry/engine.hpp>
#include <ferry/export.hpp>
#include <ferry/schema.hpp>
#include <ferry/signature.hpp>
#include <ferry/value.hpp>

namespace ferry {

namespace detail {
class ProcessCore;
}

// Created with a task and its arguments; nothing runs until start(). The
// destructor kills and reaps a process still running, so none is left behind.
// Not thread-safe; movable.
class FERRY_API Process {
 public:
  // Binds task(args...) of plugin; checks the task and its parameter types
  // now, throwing ferry::SignatureError on a mismatch.
  template <class... Args>
  Process(const Plugin& plugin, std::string_view task, const Args&... args)
      : Process(plugin, task, params_signature<Args...>(), cached_struct_schemas<Args...>(), codec::encode(args...),
                false) {}

  // Binds task to dynamic arguments, converted on the plugin side (the CLI's
  // way in). Type errors surface as a failed task.
  static Process from_values(const Plugin& plugin, std::string_view task, const Value::List& args);

  ~Process();
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;

  // Starts the worker and hands it the call; returns without waiting.
  // Throws ferry::StateError when called twice.
  void start();

  // Waits until the process exits.
  void join();
  // Waits at most timeout; true if the process has exited.
  template <class Rep, class Period>
  bool join(std::chrono::duration<Rep, Period> timeout) {
    return join_until(std::chrono::steady_clock::now() +
                      std::chrono::ceil<std::chrono::steady_clock::duration>(timeout));
  }

  // True between start() and the process's exit.
  bool is_alive();
  // Python's exitcode: nullopt before start and while running; then 0 on
  // success, 1 when the task raised, the code given to std::exit, or minus
  // the signal number when killed by a signal.
  std::optional<int> exitcode();
  // Sends SIGTERM (Python's terminate); join() to wait for it.
  void terminate();
  // Sends SIGKILL.
  void kill();
  // The worker's pid; 0 before start().
  int pid() const;

  // The task's result, once it has exited (joins first). Re-raises the
  // task's error as ferry::TaskError, or ferry::WorkerError when the process
  // died without one (signal, std::exit, terminate). Throws
  // ferry::SignatureError when R is not the task's result type.
  template <class R>
  R result() {
    check_result(type_name<R>(), cached_struct_schemas<R>());
    auto o = outcome();
    return detail::take_result<R>(o);
  }
  // The result of a process made with from_values, as a Value.
  Value value_result();

 private:
  Process(const Plugin& plugin, std::string_view task, const std::string& params,
          const std::vector<StructSchema>& structs, std::string args, bool values);
  bool join_until(std::chrono::steady_clock::time_point deadline);
  // Throws ferry::SignatureError unless the task returns result, laid out
  // as structs says.
  void check_result(const std::string& result, const std::vector<StructSchema>& structs) const;
  detail::Outcome outcome();

  std::unique_ptr<detail::ProcessCore> core_;
};

}  // namespace ferry
