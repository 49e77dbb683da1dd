// The ferry CLI's commands. Each registers a CLI11 subcommand; parsing picks
// one, and main runs it and turns its errors into exit codes.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace ferry::cli {

// Exit statuses, as documented in `ferry --help`.
enum ExitCode : int {
  kOk = 0,
  kFailed = 1,  // the task or pipeline ran and failed: raised, crashed, timed out
  kUsage = 2,   // nothing ran: bad command line or pipeline file, unknown plugin or task
};

// A mistake in what the user typed, found after CLI11's own parsing (an
// argument that is not valid YAML, say). Exits with kUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A result that could not be written (stdout on a full disk, say). Exits
// with kFailed: the command ran, and its result is lost.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes text to stdout and flushes it; throws OutputError ("cannot write
// to stdout: No space left on device") when it does not all get there.
void print_result(std::string_view text);
// Flushes stdout; "" when everything written so far got there, else why not
// ("cannot write to stdout: ...").
std::string stdout_failure();

// What the chosen subcommand does once parsing has succeeded; returns the
// exit code, or throws.
using Action = std::function<int()>;

// CLI11 reads an argument written "[a,b]" as its own list syntax and splits
// it into a and b, which would turn the task argument '[[1,2],[3,4]]' into
// four. guard_brackets appends a space to every such argument, which CLI11
// leaves whole; unguard_brackets takes it off again. Returns argv as strings.
std::vector<std::string> guard_brackets(int argc, char** argv);
std::string unguard_brackets(std::string arg);

// `ferry inspect PLUGIN [--json]`; sets action when chosen.
void add_inspect(CLI::App& app, Action& action);
// `ferry call PLUGIN TASK [ARG...] [--timeout SECONDS]`; sets action when chosen.
void add_call(CLI::App& app, Action& action);
// `ferry run FILE [--set PATH=VALUE]... [--quiet] [--json-stats[=FILE]]`.
void add_run(CLI::App& app, Action& action);
// `ferry validate FILE [--set PATH=VALUE]...`.
void add_validate(CLI::App& app, Action& action);
// `ferry worker --broker URL [--workers N] [--plugin-path DIR] [--name NAME]`.
void add_worker(CLI::App& app, Action& action);
// `ferry workers --broker URL [--json]`.
void add_workers(CLI::App& app, Action& action);
// `ferry test PATH...`: the tests of pipeline files.
void add_test(CLI::App& app, Action& action);

// Overwrites the password of every redis:// URL in arg with '*', in place,
// so that process listings (/proc/PID/cmdline, ps) never show it.
void scrub_password(char* arg);

}  // namespace ferry::cli
