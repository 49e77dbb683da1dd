// `ferry worker --broker URL` (serve the task stages of distributed runs)
// and `ferry workers --broker URL` (list the live ones). See
// docs/distributed.md.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <ferry/broker.hpp>

#include "commands.hpp"
#include "log_output.hpp"
#include "metrics_server.hpp"

namespace ferry::cli {
namespace {

struct WorkerOptions {
  std::string broker;
  std::size_t workers = 0;
  std::vector<std::string> plugin_path;
  std::string name;
  bool json = false;
  std::string metrics;  // --metrics [ADDR:]PORT
  LogSettings log;
};

// SIGINT/SIGTERM: the first drains (finish what is held, take nothing
// new), a second stops at once. Signals are read from a signalfd by one
// thread, never by an async handler.
void serve(const WorkerOptions& o) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread: they inherit it
  LogOutput log(o.log, false);
  std::unique_ptr<MetricsServer> metrics;
  if (!o.metrics.empty()) {
    metrics = std::make_unique<MetricsServer>(o.metrics);
    log.line(Level::info, "ferry worker: serving metrics at " + metrics->url() + "/metrics");
  }
  BrokerWorkerOptions options{.broker = o.broker, .workers = o.workers, .plugin_path = o.plugin_path, .name = o.name};
  options.observer = metrics.get();
  log.configure(options);
  BrokerWorker worker(std::move(options));
  const int signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
  int wake[2];
  if (signal_fd < 0 || ::pipe2(wake, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot watch signals: ") + std::strerror(errno));
  std::thread signals([&] {
    int seen = 0;
    for (;;) {
      pollfd fds[2] = {{signal_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno == EINTR) continue;
      if (fds[1].revents) break;
      signalfd_siginfo info{};
      if (::read(signal_fd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) continue;
      if (seen++ == 0) {
        log.line(Level::info, std::string("ferry worker: ") + (info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM") +
                                  ": finishing what it holds (again to stop at once)");
        worker.stop(StopMode::drain);
      } else {
        worker.stop(StopMode::now);
      }
    }
  });
  if (metrics) metrics->set_ready(true);
  worker.run();
  if (metrics) metrics->set_ready(false);
  ::close(wake[1]);
  signals.join();
  ::close(wake[0]);
  ::close(signal_fd);
}

int list_workers(const WorkerOptions& o) {
  const auto workers = broker_workers(o.broker);
  if (o.json) {
    std::string out = "[";
    for (std::size_t i = 0; i < workers.size(); ++i) out += (i ? "," : "") + workers[i];
    print_result(out + "]\n");
    return kOk;
  }
  std::string out;
  if (workers.empty()) out = "no live workers\n";
  for (const auto& text : workers) {
    const auto w = nlohmann::json::parse(text);
    out += w.at("name").get<std::string>() + "  pid " + std::to_string(w.at("pid").get<long>()) + "  " +
           std::to_string(w.at("workers").get<long>()) + " processes per stage\n";
    for (const auto& p : w.at("plugins")) out += "  plugin " + p.get<std::string>() + "\n";
    for (const auto& s : w.at("serving"))
      out += "  serving stage '" + s.at("stage").get<std::string>() + "' of run " + s.at("run").get<std::string>() +
             " (pipeline '" + s.at("pipeline").get<std::string>() + "'), " + std::to_string(s.at("held").get<long>()) +
             " chunks in hand\n";
    if (w.at("serving").empty()) out += "  idle\n";
  }
  print_result(out);
  return kOk;
}

void add_broker_option(CLI::App& cmd, WorkerOptions& o) {
  cmd.add_option("--broker", o.broker, "the Redis broker: redis://[user:password@]HOST:PORT[/DB]")
      ->required()
      ->type_name("URL");
}

}  // namespace

void add_worker(CLI::App& app, Action& action) {
  auto o = std::make_shared<WorkerOptions>();
  auto* cmd = app.add_subcommand(
      "worker", "Serve the task stages of pipelines run with --broker, until SIGINT or SIGTERM.");
  add_broker_option(*cmd, *o);
  cmd->add_option("--workers", o->workers, "worker processes per stage served (default: one per CPU)")
      ->type_name("N");
  cmd->add_option("--plugin-path", o->plugin_path, "a folder searched for plugins, before FERRY_PLUGIN_PATH (repeatable)")
      ->type_name("DIR");
  cmd->add_option("--name", o->name, "how `ferry workers` lists it (default: HOSTNAME:PID)");
  add_metrics_option(*cmd, o->metrics, "its metrics");
  add_log_options(*cmd, o->log);
  cmd->callback([&action, o] {
    action = [o] {
      serve(*o);
      return kOk;  // stopped as asked, nothing lost
    };
  });
}

void add_workers(CLI::App& app, Action& action) {
  auto o = std::make_shared<WorkerOptions>();
  auto* cmd = app.add_subcommand("workers", "List the live workers of a broker, their plugins and what each serves.");
  add_broker_option(*cmd, *o);
  cmd->add_flag("--json", o->json, "print a JSON array");
  cmd->callback([&action, o] { action = [o] { return list_workers(*o); }; });
}

}  // namespace ferry::cli
