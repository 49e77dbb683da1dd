// What an Engine shares with the pools and processes made from it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <ferry/engine.hpp>

#include "manager/server.hpp"
#include "process/launcher.hpp"
#include "process/worker.hpp"
#include "wire/messages.hpp"

namespace ferry::detail {

struct EngineCore {
  EngineOptions options;
  std::string worker_exe;
  process::Launcher launcher;
  manager::Server manager;

  std::mutex mu;
  // Loaded plugins by path. Weak: a PluginState owns its engine, so a strong
  // reference back would keep both alive forever.
  std::map<std::string, std::weak_ptr<const PluginState>> plugins;  // guarded by mu

  explicit EngineCore(EngineOptions o);
  // Sends the named-object requests of workers started from now on to
  // objects (manager::Server::route_objects), and stops the plugins'
  // loading workers that wait unused: they were connected before.
  void route_objects(std::shared_ptr<manager::ObjectBackend> objects);
  // The log sink for workers of plugin name, outside any pipeline stage.
  process::LogSink log_sink(const std::string& plugin_name) const;
  // Hands a worker's log line to options.log, saying which plugin, stage
  // and item (a position in the stage's input) it comes from.
  void deliver_log(const wire::LogLine& line, pid_t pid, const std::string& plugin, const std::string& stage,
                   std::optional<std::uint64_t> item) const;
  // Stamps the engine's log settings on a call.
  void set_log_options(wire::CallRequest& request) const {
    request.log_level = options.log_level;
    request.log_rate = options.log_rate;
  }
};

struct PluginState {
  std::shared_ptr<EngineCore> engine;
  std::string path;
  wire::Hello hello;

  // The worker that read the plugin's task table for Engine::load, kept for
  // the first pool or process made from the plugin: a job's first worker
  // is then ready when the job starts, not one worker start later. Started
  // like any worker without a memory limit, so only such a worker may take
  // it. Killed and reaped with the plugin's state if nothing takes it.
  mutable std::mutex spare_mu;
  mutable std::unique_ptr<process::Worker> spare;  // guarded by spare_mu

  // The spare, if it is still there and memory_limit asks for none; else null.
  std::unique_ptr<process::Worker> take_spare(std::uint64_t memory_limit) const {
    if (memory_limit) return nullptr;
    std::unique_ptr<process::Worker> w;
    {
      std::lock_guard lock(spare_mu);
      w = std::move(spare);
    }
    // One that died while it waited (killed from outside) would cost the
    // first call given to it: a new worker is started instead.
    if (w && w->wait_exit(process::Clock::now())) return nullptr;
    return w;
  }

  // A spec to start a worker for this plugin, connected to the manager.
  process::SpawnSpec spawn_spec(std::uint64_t memory_limit = 0) const {
    process::SpawnSpec spec;
    spec.worker_exe = engine->worker_exe;
    spec.plugin_path = path;
    spec.memory_limit = memory_limit;
    spec.forkserver = engine->options.start_method == StartMethod::forkserver;
    auto connection = engine->manager.connect();
    spec.manager_fd = connection.worker_fd;
    spec.manager_guard = std::move(connection.guard);
    return spec;
  }
};

// The state behind a Plugin handle, for the pool and process layers (the
// public class does not expose it).
struct PluginAccess {
  static const PluginState& state(const Plugin& plugin) { return *plugin.state_; }
};

}  // namespace ferry::detail
