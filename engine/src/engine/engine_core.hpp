// What an Engine shares with the pools and processes made from it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <ferry/engine.hpp>

#include "process/launcher.hpp"
#include "process/worker.hpp"
#include "wire/messages.hpp"

namespace ferry::detail {

struct EngineCore {
  EngineOptions options;
  std::string worker_exe;
  process::Launcher launcher;

  std::mutex mu;
  std::map<std::string, std::shared_ptr<const PluginState>> plugins;  // by path; guarded by mu

  explicit EngineCore(EngineOptions o);
  // The log sink for workers of plugin name.
  process::LogSink log_sink(const std::string& plugin_name) const;
};

struct PluginState {
  std::shared_ptr<EngineCore> engine;
  std::string path;
  wire::Hello hello;

  // A spec to start a worker for this plugin.
  process::SpawnSpec spawn_spec(std::uint64_t memory_limit = 0) const {
    return {engine->worker_exe, path, memory_limit};
  }
};

}  // namespace ferry::detail
