// The ferry error hierarchy, shared by hosts and plugins (header-only, in the
// SDK so shared-object handles can raise it on both sides). Every error a
// host sees derives from ferry::Error and carries what a user needs to act: the task, the plugin
// path, the cause.
#pragma once

#include <stdexcept>
#include <string>

// Default visibility even in a library built with hidden visibility
// (libferry): the host catches what libferry throws by these types.
#pragma GCC visibility push(default)
namespace ferry {

// Base of every error ferry throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A task raised an exception in its worker. what() reads
// "task 'power' raised std::overflow_error: ...".
class TaskError : public Error {
 public:
  TaskError(std::string task, std::string type, std::string message)
      : Error("task '" + task + "' raised " + type + ": " + message),
        task_(std::move(task)), type_(std::move(type)), message_(std::move(message)) {}
  const std::string& task() const { return task_; }
  // The C++ type of the exception as the worker saw it, e.g. "std::runtime_error".
  const std::string& type() const { return type_; }
  // The exception's what().
  const std::string& message() const { return message_; }

 private:
  std::string task_, type_, message_;
};

// The worker running a task died or broke the protocol: killed by a signal,
// exited, or sent garbage. cause() reads "killed by signal SIGSEGV
// (Segmentation fault)" or "exited with code 3".
class WorkerError : public Error {
 public:
  WorkerError(std::string task, std::string cause)
      : Error("worker running task '" + task + "' failed: " + cause), task_(std::move(task)), cause_(std::move(cause)) {}
  const std::string& task() const { return task_; }
  const std::string& cause() const { return cause_; }

 private:
  std::string task_, cause_;
};

// A wait ran out (AsyncResult::get with a timeout), or a task ran past its
// pool's per-task timeout and its worker was stopped.
class Timeout : public Error {
 public:
  using Error::Error;
};

// A plugin could not be found or loaded. what() names the path and reason.
class PluginError : public Error {
 public:
  PluginError(std::string path, std::string reason)
      : Error("plugin " + path + ": " + reason), path_(std::move(path)), reason_(std::move(reason)) {}
  const std::string& path() const { return path_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string path_, reason_;
};

// A call named a task the plugin lacks, or its argument or result types do
// not match the task's signature. Raised before anything is sent.
class SignatureError : public Error {
 public:
  using Error::Error;
};

// The pool or process was used in a state that forbids it (map after close,
// start twice, ...).
class StateError : public Error {
 public:
  using Error::Error;
};

// A shared object (dict, list, queue, lock, event, semaphore, barrier,
// shared memory, pipe end) could not be used: the
// manager is unreachable (the engine is gone), the object exists with other
// types, or an operation is invalid (release of an unlocked lock).
class ManagerError : public Error {
 public:
  using Error::Error;
};

// A configuration file is invalid; what() starts with "file:line:column: ".
class ConfigError : public Error {
 public:
  using Error::Error;
};

}  // namespace ferry
#pragma GCC visibility pop
