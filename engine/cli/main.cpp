// ferry: the command line face of the engine.
//
//   ferry inspect PLUGIN [--json]
//   ferry call PLUGIN TASK [ARG...] [--timeout SECONDS]
//   ferry run FILE [--set PATH=VALUE]... [--quiet] [--json-stats[=FILE]]
//   ferry validate FILE [--set PATH=VALUE]...
//   ferry worker --broker URL [--workers N] [--plugin-path DIR] [--name NAME]
//   ferry workers --broker URL [--json]
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <ferry/errors.hpp>
#include <ferry/version.hpp>

#include "commands.hpp"

namespace ferry::cli {

std::vector<std::string> guard_brackets(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (auto& a : args)
    if (a.size() >= 2 && a.front() == '[' && a.back() == ']') a += ' ';
  return args;
}

void scrub_password(char* arg) {
  for (char* url = std::strstr(arg, "redis://"); url; url = std::strstr(url + 1, "redis://")) {
    char* start = url + 8;
    char* end = start + std::strcspn(start, "/ \t");
    char* at = nullptr;
    for (char* p = start; p < end; ++p)
      if (*p == '@') at = p;
    if (!at) continue;
    char* colon = static_cast<char*>(std::memchr(start, ':', static_cast<std::size_t>(at - start)));
    for (char* p = colon ? colon + 1 : start; p < at; ++p) *p = '*';
  }
}

std::string unguard_brackets(std::string arg) {
  if (arg.size() >= 3 && arg.front() == '[' && arg.ends_with("] ")) arg.pop_back();
  return arg;
}

}  // namespace ferry::cli

namespace {

int report(const char* what, int code) {
  std::cerr << "ferry: " << what << '\n';
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ferry::cli;
  CLI::App app{"Run functions from plugin libraries in isolated worker processes.", "ferry"};
  app.set_version_flag("--version", "ferry " FERRY_VERSION_STRING "\nplugin ABI version " +
                                        std::to_string(ferry::kPluginAbiVersion));
  app.require_subcommand(1);
  const std::string exit_status =
      "Exit status: 0 success; 1 the task or pipeline failed (raised, crashed, timed out) or its\n"
      "result could not be written; 2 usage error, invalid pipeline file, unknown plugin or unknown\n"
      "task (nothing ran); 130 / 143 a pipeline stopped by SIGINT / SIGTERM.";
  app.footer(exit_status + "\nRun 'ferry COMMAND --help' for a command's options.");

  Action action;
  add_inspect(app, action);
  add_call(app, action);
  add_run(app, action);
  add_validate(app, action);
  add_worker(app, action);
  add_workers(app, action);
  // A command without a footer of its own would repeat the top level's,
  // pointer to the commands' help included.
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; }))
    if (command->get_footer() == app.get_footer()) command->footer(exit_status);

  std::vector<std::string> args = guard_brackets(argc, argv);
  for (int i = 1; i < argc; ++i) scrub_password(argv[i]);  // copied above; ps shows the scrubbed ones
  std::vector<char*> guarded;
  for (auto& a : args) guarded.push_back(a.data());
  try {
    app.parse(static_cast<int>(guarded.size()), guarded.data());
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive as "errors" with exit code 0; CLI11 prints them.
    if (e.get_exit_code() == 0) {
      const int code = app.exit(e);
      // Help asked for and lost (ferry --help > /dev/full) is a failure too.
      if (auto why = stdout_failure(); !why.empty()) return report(why.c_str(), kFailed);
      return code;
    }
    std::cerr << "ferry: " << e.what() << "\nRun 'ferry --help' for usage.\n";
    return kUsage;
  }

  // PluginError and SignatureError are raised before any task runs: the user
  // named something that does not exist, which is a usage error, not a failure.
  try {
    return action();
  } catch (const UsageError& e) {
    return report(e.what(), kUsage);
  } catch (const ferry::PluginError& e) {
    return report(e.what(), kUsage);
  } catch (const ferry::SignatureError& e) {
    return report(e.what(), kUsage);
  } catch (const std::exception& e) {  // ferry::TaskError, WorkerError, Timeout, ...
    return report(e.what(), kFailed);
  }
}
