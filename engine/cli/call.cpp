// `ferry call PLUGIN TASK [ARG...]`: run one task in a fresh worker and print
// its result as JSON.
#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <ferry/engine.hpp>
#include <ferry/errors.hpp>
#include <ferry/process.hpp>
#include <ferry/value_text.hpp>

#include "commands.hpp"

namespace ferry::cli {
namespace {

struct CallOptions {
  std::string plugin;
  std::string task;
  std::vector<std::string> args;
  std::optional<double> timeout;  // seconds
};

// Each argument is a YAML value, so `2`, `hello`, `[1, 2]` and `{x: 1}` need
// no further quoting than the shell's.
Value::List parse_args(const std::vector<std::string>& args) {
  Value::List out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string arg = unguard_brackets(args[i]);
    if (arg.empty()) {  // '' is an empty string, not YAML's null
      out.emplace_back(std::string());
      continue;
    }
    try {
      out.push_back(value_from_yaml(arg));
    } catch (const ConfigError& e) {
      throw UsageError("argument " + std::to_string(i + 1) + " '" + arg + "': " + e.what());
    }
  }
  return out;
}

// Stops a worker that ran past --timeout: SIGTERM first so the task may clean
// up, SIGKILL if it ignores that.
void stop(Process& proc) {
  proc.terminate();
  if (!proc.join(std::chrono::seconds(2))) {
    proc.kill();
    proc.join();
  }
}

int run(const CallOptions& opts) {
  Engine engine;
  const Plugin plugin = engine.load(opts.plugin);
  plugin.task(opts.task);  // an unknown task is a usage error, reported before argument errors
  const Value::List args = parse_args(opts.args);
  plugin.check_arguments(opts.task, args);  // a usage error too, before a worker starts
  Process proc = Process::from_values(plugin, opts.task, args);
  proc.start();
  if (opts.timeout) {
    // Capped at ~31 years: a huge double would overflow the clock's
    // nanosecond count in join, which is undefined behaviour.
    if (!proc.join(std::chrono::duration<double>(std::min(*opts.timeout, 1e9)))) {
      stop(proc);
      std::ostringstream seconds;  // 0.5, not std::to_string's 0.500000
      seconds << *opts.timeout;
      throw Timeout("task '" + opts.task + "' did not finish within " + seconds.str() + " s; its worker was stopped");
    }
  } else {
    proc.join();
  }
  // Printed only on success: a failed task leaves stdout empty for scripts.
  print_result(to_json(proc.value_result()) + '\n');
  return kOk;
}

}  // namespace

void add_call(CLI::App& app, Action& action) {
  auto opts = std::make_shared<CallOptions>();
  auto* cmd = app.add_subcommand("call", "Run one task in a fresh worker process and print its result as JSON.");
  cmd->add_option("PLUGIN", opts->plugin, "Plugin name or path to a .so")->required();
  cmd->add_option("TASK", opts->task, "Task name, as listed by `ferry inspect`")->required();
  cmd->add_option("ARG", opts->args,
                  "Task arguments, one YAML value each: 2, -1.5, hello, true, null, '[1, 2]', '{x: 1}'. "
                  "Quote strings that would read as another type, or that start with '-': '\"2\"', '\"-x\"'");
  cmd->add_option("--timeout", opts->timeout, "Stop the task after SECONDS and fail (exit 1)")
      ->type_name("SECONDS")
      ->check(CLI::Validator(
          [](std::string& s) {
            // CLI11's PositiveNumber prints its range as 0 to 1.8e308 in full.
            double d = 0;
            return CLI::detail::lexical_cast(s, d) && d > 0 ? "" : "must be a positive number of seconds";
          },
          ""));
  cmd->footer(
      "Prints the result as one line of JSON on stdout (floats keep a fraction, NaN/inf print as null,\n"
      "bytes as base64). Task errors go to stderr.\n"
      "Examples:\n"
      "  ferry call math power 2 10\n"
      "  ferry call math multiply_matrices '[[1,2],[3,4]]' '[[5,6],[7,8]]'\n"
      "  ferry call math midpoint '{x: 0, y: 0}' '{x: 2, y: 4}'");
  cmd->callback([opts, &action] {
    action = [opts] { return run(*opts); };
  });
}

}  // namespace ferry::cli
