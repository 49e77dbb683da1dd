// ferry: the command line face of the engine.
//
//   ferry help [COMMAND]
//   ferry inspect [PLUGIN] [--json]
//   ferry call PLUGIN TASK [ARG...] [--timeout SECONDS]
//   ferry run FILE [--set PATH=VALUE]... [--quiet] [--json-stats[=FILE]]
//   ferry validate FILE [--set PATH=VALUE]...
//   ferry test PATH...
//   ferry worker --broker URL [--workers N] [--plugin-path DIR] [--name NAME]
//   ferry workers --broker URL [--json]
#include <algorithm>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <ferry/errors.hpp>
#include <ferry/version.hpp>

#include "commands.hpp"
#include "programs/keep_heap.hpp"
#include "text/closest.hpp"

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

std::vector<std::string> command_names(CLI::App& app) {
  std::vector<std::string> names;
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(command->get_name());
  names.push_back("help");
  return names;
}

// `ferry WORD` where WORD is no command: exit 2 with the closest one, or
// the list. CLI11 would say only that a subcommand is required.
int unknown_command(CLI::App& app, const std::string& word) {
  const auto names = command_names(app);
  std::string message = "ferry: unknown command '" + word + "'";
  if (auto best = ferry::text::closest(word, names)) {
    message += "; did you mean '" + *best + "'?";
  } else {
    message += "; the commands are:";
    for (const auto& n : names) message += " " + n;
  }
  std::cerr << message << "\nRun 'ferry --help' for usage.\n";
  return ferry::cli::kUsage;
}

// `ferry help [COMMAND]`: the same as `ferry [COMMAND] --help`.
int help(CLI::App& app, const std::vector<std::string>& args) {
  if (args.size() > 3) {
    std::cerr << "ferry: help takes at most one command\nRun 'ferry --help' for usage.\n";
    return ferry::cli::kUsage;
  }
  CLI::App* about = &app;
  if (args.size() == 3) {
    try {
      about = app.get_subcommand(args[2]);
    } catch (const CLI::OptionNotFound&) {
      return unknown_command(app, args[2]);
    }
  }
  ferry::cli::print_result(about->help());
  return ferry::cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ferry::cli;
  ferry::keep_heap();  // our own program: libferry leaves an embedding host's malloc alone
  CLI::App app{"Run functions from plugin libraries in isolated worker processes.", "ferry"};
  app.set_version_flag("-V,--version", "ferry " FERRY_VERSION_STRING "\nplugin ABI version " +
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
  add_test(app, action);
  add_worker(app, action);
  add_workers(app, action);
  // A command without a footer of its own would repeat the top level's,
  // pointer to the commands' help included.
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; }))
    if (command->get_footer() == app.get_footer()) command->footer(exit_status);

  std::vector<std::string> args = guard_brackets(argc, argv);
  if (args.size() == 1) {
    std::string names;
    for (const auto& n : command_names(app)) names += (names.empty() ? "" : ", ") + n;
    std::cerr << "ferry: a command is required: " << names << "\nRun 'ferry --help' for usage.\n";
    return kUsage;
  }
  if (!args[1].starts_with('-')) {
    const auto names = command_names(app);
    if (args[1] == "help") {
      try {
        return help(app, args);
      } catch (const std::exception& e) {  // help lost (ferry help > /dev/full)
        return report(e.what(), kFailed);
      }
    }
    if (std::find(names.begin(), names.end(), args[1]) == names.end()) return unknown_command(app, args[1]);
  }
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
