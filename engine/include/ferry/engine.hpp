// ferry::Engine and ferry::Plugin: find plugins, learn their tasks, and own
// the services (worker launcher, log sink) that pools and processes share.
#pragma once

#include <chrono>
#include <optional>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/export.hpp>
#include <ferry/pipe.hpp>
#include <ferry/shared.hpp>
#include <ferry/shared_memory.hpp>
#include <ferry/task_info.hpp>
#include <ferry/value.hpp>

namespace ferry {

namespace detail {
struct EngineCore;
struct PluginState;
struct PluginAccess;  // how ferry's own Pool and Process reach a plugin's state
}  // namespace detail

// One log line written by a task through ferry::Context::log, or a report
// of lines the worker's rate limit dropped (EngineOptions::log_rate).
struct LogRecord {
  int level = 1;  // 0 debug, 1 info, 2 warning, 3 error
  std::string plugin;
  std::string task;
  std::string message;
  int pid = 0;  // the worker's
  // The pipeline stage whose worker wrote it; empty outside a pipeline.
  std::string stage{};
  // In a pipeline: the position in the stage's input of the item being run,
  // when the worker knew it (a task's batch entry does not tell).
  std::optional<std::uint64_t> item{};
  // Nonzero: this record reports that many lines dropped by the rate limit.
  std::uint64_t dropped = 0;
  // When the host received it.
  std::chrono::system_clock::time_point time{};
};

// A log record as the default sink prints it, without the newline:
// "[plugin.task pid 123] info: message".
FERRY_API std::string format_log(const LogRecord& record);

// How an engine starts worker processes, as Python's start methods.
//   spawn       each worker is a fresh ferry-worker process that loads the
//               plugin (Python's "spawn"): nothing is shared between them.
//   forkserver  the plugin's first worker start also starts a forkserver,
//               a ferry-worker that loads the plugin once; every worker is
//               then forked from it (Python's "forkserver"), which makes a
//               start several times quicker. Workers begin with the state
//               the plugin had after loading (its globals, a random seed
//               drawn then): seed per task, not at load. A plugin that
//               starts threads while loading cannot be forked safely; its
//               workers are spawned.
enum class StartMethod { spawn, forkserver };

// The start method Python calls name ("spawn", "forkserver"); nullopt for
// any other name. For options given as text (ferry run --start-method, the
// Python package's Engine).
FERRY_API std::optional<StartMethod> start_method_named(std::string_view name);

// How an Engine finds things and where task logs go. All fields optional.
struct EngineOptions {
  // Folders searched for plugins given by name, before FERRY_PLUGIN_PATH.
  std::vector<std::string> plugin_path{};
  // The ferry-worker executable; default: FERRY_WORKER, else the built-in one.
  std::string worker_executable{};
  // Receives task log lines, from pool threads; default: one line on stderr
  // (format_log).
  std::function<void(const LogRecord&)> log{};
  // Task log lines below this level (0 debug, 1 info, 2 warning, 3 error)
  // are dropped by the worker, never sent.
  int log_level = 1;
  // At most this many task log lines a second from each worker (a second's
  // worth may come at once); the worker counts the rest and sends a warning
  // record saying how many it dropped (LogRecord::dropped). 0: no limit.
  std::uint32_t log_rate = 100;
  // How workers of Pools and Processes start (see StartMethod).
  StartMethod start_method = StartMethod::spawn;
};

// A loaded plugin: its file, name, version and task table. A cheap, copyable
// handle; keeps the engine's services alive while any copy exists.
class FERRY_API Plugin {
 public:
  // The name and version the plugin declares.
  const std::string& name() const;
  const std::string& version() const;
  // The absolute path of the shared library.
  const std::string& path() const;
  // The task table. On a temporary handle (`engine.load("x").tasks()`) a
  // copy, so that `for (auto& t : engine.load("x").tasks())` is safe.
  const std::vector<TaskInfo>& tasks() const&;
  std::vector<TaskInfo> tasks() &&;
  // The task called name; throws ferry::SignatureError listing the plugin's
  // tasks when there is none. A copy on a temporary handle, as tasks().
  const TaskInfo& task(std::string_view name) const&;
  TaskInfo task(std::string_view name) &&;
  // Index of task name in tasks(); throws like task().
  std::size_t task_index(std::string_view name) const;
  // Checks dynamic arguments against task's parameters before anything
  // runs (the CLI's `ferry call` does, Process::from_values does not):
  // throws ferry::SignatureError naming the task and the first argument
  // that can never convert ("argument 2: expected i64, got string"), or the
  // count that differs. Arguments that may still fail in the worker (an
  // integer out of a narrower type's range) pass.
  void check_arguments(std::string_view task, const Value::List& args) const;
  // Checks the host's view of the structs a call passes or expects
  // (struct_schemas<Args..., R>() of <ferry/schema.hpp>) against the
  // plugin's: throws ferry::SignatureError naming the task and the first
  // field that differs ("struct Order: field 1 is price: f64 in the host,
  // qty: i64 in the plugin"). Pool and Process do it on every typed call; a
  // plugin built before schemas existed is checked by struct name only.
  void check_structs(std::string_view task, const std::vector<StructSchema>& host) const;

  // Made by Engine::load.
  explicit Plugin(std::shared_ptr<const detail::PluginState> state) : state_(std::move(state)) {}

 private:
  friend struct detail::PluginAccess;
  std::shared_ptr<const detail::PluginState> state_;
};

// The entry point of the embedding API. Thread-safe. Pools, processes and
// plugins made from an engine stay valid after the Engine object is gone.
class FERRY_API Engine {
 public:
  // An engine with EngineOptions' defaults.
  Engine();
  // An engine with these options (plugin path, worker, log sink).
  explicit Engine(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads a plugin by name (searched on the plugin path) or by path. The
  // plugin is loaded in a ferry-worker, never in this process, so a plugin
  // that crashes while loading cannot take the host down; that worker then
  // waits to be the first worker of the next Pool (without a memory limit)
  // or Process made from the plugin. Throws ferry::PluginError with the
  // path and reason. Results are cached by path.
  Plugin load(std::string_view name_or_path);

  // The folders searched for plugins by name, in order.
  std::vector<std::string> plugin_search_path() const;

  // Named shared objects, held by this engine's manager and reachable from
  // every worker it starts (through ferry::Context, or passed as task
  // arguments). Created empty on first use by anyone; the same name always
  // means the same object, and using it with other types is an error. A
  // handle used after its engine is gone throws ferry::ManagerError.
  // The Manager dict called name (Python's Manager().dict()).
  template <class K, class V>
  Dict<K, V> dict(std::string name) const { return Dict<K, V>(manager_link(), std::move(name)); }
  // The Manager list called name.
  template <class T>
  List<T> list(std::string name) const { return List<T>(manager_link(), std::move(name)); }
  // The queue called name; options apply when this call creates it.
  template <class T>
  Queue<T> queue(std::string name, QueueOptions options = {}) const {
    return Queue<T>(manager_link(), std::move(name), options);
  }
  // The lock called name.
  Lock lock(std::string name) const { return Lock(manager_link(), std::move(name)); }
  // The event called name.
  Event event(std::string name) const { return Event(manager_link(), std::move(name)); }
  // The semaphore called name; initial applies when this call creates it.
  Semaphore semaphore(std::string name, std::int64_t initial = 1) const {
    return Semaphore(manager_link(), std::move(name), initial);
  }
  // The barrier called name, for parties waiters.
  Barrier barrier(std::string name, std::uint64_t parties) const {
    return Barrier(manager_link(), std::move(name), parties);
  }

  // A T in shared memory, mapped in every process that receives the handle
  // (pass it as a task argument), as Python's multiprocessing.Value.
  template <class T>
  SharedValue<T> shared_value(const T& initial) const {
    auto [id, segment] = new_segment(1, sizeof(T), type_name<T>());
    *static_cast<T*>(segment->data()) = initial;
    return SharedValue<T>(id, std::move(segment));
  }
  // An array of Ts in shared memory, as Python's multiprocessing.Array.
  template <class T>
  SharedArray<T> shared_array(const std::vector<T>& initial) const {
    auto [id, segment] = new_segment(initial.size(), sizeof(T), type_name<T>());
    std::copy(initial.begin(), initial.end(), static_cast<T*>(segment->data()));
    return SharedArray<T>(id, std::move(segment));
  }
  // count copies of fill in shared memory (Python's Array('i', 4) is
  // shared_array<std::int32_t>(4, 0)).
  template <class T>
  SharedArray<T> shared_array(std::size_t count, const T& fill) const {
    return shared_array(std::vector<T>(count, fill));
  }

  // The two ends of a new pipe, as Python's multiprocessing.Pipe(duplex):
  // duplex ends both send and receive; otherwise the first only receives and
  // the second only sends. Pass an end to a task as an argument. Both ends
  // stay open in the engine until it is destroyed, so a peer's death shows
  // as silence (use poll with a timeout), not as end of stream.
  template <class T>
  std::pair<Connection<T>, Connection<T>> pipe(bool duplex = true) const {
    auto [a, b] = new_socket_pair();
    return {Connection<T>(manager_link(), a, true, duplex), Connection<T>(manager_link(), b, duplex, true)};
  }

  // The host's connection to the manager, for handles made by hand.
  std::shared_ptr<ManagerLink> manager_link() const;

 private:
  // A new segment registered with the manager: its id and this process's mapping.
  std::pair<std::uint64_t, std::shared_ptr<detail::Segment>> new_segment(std::uint64_t count, std::uint64_t elem_size,
                                                                         const std::string& type) const;

  // A socketpair whose ends the manager shares by id.
  std::pair<std::uint64_t, std::uint64_t> new_socket_pair() const;

  std::shared_ptr<detail::EngineCore> core_;
};

}  // namespace ferry
