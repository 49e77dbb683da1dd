// The pipeline file as data: what the YAML loader produces, the planner
// and the type checker turn into a Plan, and the runner executes. Every element keeps where it came from, so
// any problem found later can still name file:line:column.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ferry/value.hpp>

namespace ferry::pipeline {

class SourceConfig;  // connectors/connector.hpp
class SinkConfig;

// A place in a pipeline file (1-based line and column), or a command-line
// override when origin is not empty (e.g. "--set stages.check.workers=-1").
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string origin;
};

// "file:line:column" (or the override's text).
std::string to_string(const Location& where);

// One problem found in a pipeline file.
struct Problem {
  Location where;
  std::string message;
};

// "plugin.task" as written in a stage.
struct TaskRef {
  std::string plugin;  // the alias under plugins:
  std::string task;
  Location where;  // of the "plugin.task" scalar
};

struct PluginDecl {
  std::string alias;
  std::string name_or_path;  // a relative path is already resolved against the file's folder
  Location where;            // of the value
};

// A manager object created before the run: `name: dict<str,i64>`.
struct SharedDecl {
  enum class Kind { dict, list, queue } kind = Kind::dict;
  std::string name;
  std::string type;       // as written: "dict<str,i64>", "list<str>", "queue<i64>"
  std::string key_type;   // dict only: "str"
  std::string item_type;  // dict value, list or queue element: "i64"
  Location where;
};

enum class OnError { fail, skip, collect };

// Settings of a stage that runs tasks. Unset fields take the pipeline's
// `defaults:`, then the built-in defaults (see docs/pipelines.md).
struct StageSettings {
  std::optional<std::size_t> workers;
  std::optional<std::size_t> chunksize;
  std::optional<bool> ordered;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::size_t> retries;
  std::optional<OnError> on_error;
  std::optional<std::size_t> max_tasks_per_child;
  std::optional<std::size_t> queue_size;
  std::optional<std::uint64_t> memory_limit;
};

struct Stage {
  enum class Kind { source, map, starmap, flat_map, apply, batch, sink } kind = Kind::map;
  std::string name;
  Location name_where;  // of the name value
  Location where;       // of the stage's mapping
  Location kind_where;  // of the value of its kind key (source:, map:, sink:, ...)
  std::shared_ptr<const SourceConfig> source;  // kind == source: its connector's settings
  TaskRef task;                                // map, starmap, flat_map, apply
  std::size_t batch = 0;                       // kind == batch
  std::shared_ptr<const SinkConfig> sink;      // kind == sink: its connector's settings
  // errors: where this stage's error records go (on_error: collect), or null
  // for the pipeline's errors: (or, without one, the sink).
  std::shared_ptr<const SinkConfig> errors;
  StageSettings settings;
  // Where each setting was written, for errors found after loading.
  Location workers_where;
  // Its own entry loaded without a problem (kind, name, settings, place in
  // the list): only such stages have their types checked, so one pass
  // reports a file's shape problems and the type problems of the rest.
  bool well_formed = true;

  // True for a stage whose items come from a plugin task: the task stages
  // and a task source.
  bool runs_tasks() const;
  // The task a stage that runs tasks names.
  const TaskRef& task_ref() const;
};

const char* kind_name(Stage::Kind kind);

struct Pipeline {
  std::string name;
  std::string file;  // as given
  std::string dir;   // the file's folder, absolute
  std::vector<PluginDecl> plugins;
  std::vector<SharedDecl> shared;
  StageSettings defaults;
  std::vector<Stage> stages;
  std::optional<std::string> output_dict;
  Location output_where;
  // broker: the Redis URL whose workers run the task stages, or none.
  std::optional<std::string> broker;
  // errors: where error records of stages without their own errors: go, or
  // null (the sink writes them).
  std::shared_ptr<const SinkConfig> errors;
};

// Reads and checks the shape of a pipeline file: YAML syntax, known keys,
// value types and ranges, stage order, names. overrides are "path=value"
// strings applied before anything is checked. Every problem found is
// appended to problems (nothing is thrown for a bad file); the result is
// meaningful only when no problem was added.
Pipeline load_file(const std::string& file, const std::vector<std::string>& overrides, std::vector<Problem>& problems);
// The same from YAML text; file names it in messages, dir resolves paths.
Pipeline load_text(const std::string& text, const std::string& file, const std::string& dir,
                   const std::vector<std::string>& overrides, std::vector<Problem>& problems);

}  // namespace ferry::pipeline
