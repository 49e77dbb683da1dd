#include <ferry/process.hpp>

#include <signal.h>

#include <ferry/abi.h>
#include <ferry/errors.hpp>

#include "engine/engine_core.hpp"
#include "process/outcome.hpp"
#include "process/worker.hpp"

namespace ferry {
namespace detail {

class ProcessCore {
 public:
  Plugin plugin;
  wire::CallRequest request;
  std::unique_ptr<process::Worker> worker;
  struct Reply {
    std::int32_t status;
    std::string bytes;
  };
  std::optional<Reply> reply;
  std::string failure;  // why no reply came, when none did
  bool finished = false;

  ProcessCore(Plugin p, wire::CallRequest r) : plugin(std::move(p)), request(std::move(r)) {}

  // Reads the reply and reaps the worker, up to the deadline.
  bool advance(process::Deadline deadline) {
    if (finished) return true;
    if (!worker) return false;
    if (!reply && failure.empty()) {
      const auto& engine = *detail::PluginAccess::state(plugin).engine;
      auto out = worker->wait_reply(deadline, -1, engine.log_sink(plugin.name()), process::OnTimeout::keep);
      switch (out.kind) {
        case process::CallOutcome::replied:
          if (out.reply.items.size() == 1) reply = Reply{out.reply.status_of(0), std::string(out.reply.items[0])};
          else failure = "protocol error: reply has the wrong item count";
          break;
        case process::CallOutcome::timed_out:  // not a task timeout: join's deadline
          return false;
        default:
          failure = out.cause;
          break;
      }
    }
    if (!worker->wait_exit(deadline)) return false;
    if (!reply && failure.empty()) failure = worker->status()->describe();
    finished = true;
    return true;
  }
};

}  // namespace detail

Process::Process(const Plugin& plugin, std::string_view task, const std::string& params,
                 const std::vector<StructSchema>& structs, std::string args, bool values) {
  const auto index = plugin.task_index(task);
  const TaskInfo& info = plugin.tasks()[index];
  if (!values && info.params != params)
    throw SignatureError("task '" + info.name + "' of plugin '" + plugin.name() + "' takes " + info.params +
                         ", but was given " + params);
  plugin.check_structs(info.name, structs);
  wire::CallRequest req;
  req.id = 1;
  req.task = static_cast<std::uint32_t>(index);
  req.flags = wire::kExitAfterCall | (values ? FERRY_CALL_VALUE : 0u);
  req.items.push_back(args);
  detail::PluginAccess::state(plugin).engine->set_log_options(req);
  core_ = std::make_unique<detail::ProcessCore>(plugin, std::move(req));
}

Process Process::from_values(const Plugin& plugin, std::string_view task, const Value::List& args) {
  return Process(plugin, task, std::string(), {}, codec::encode_value(Value(args)), true);
}

Process::~Process() = default;  // ~Worker kills and reaps a worker still running
Process::Process(Process&&) noexcept = default;
Process& Process::operator=(Process&&) noexcept = default;

void Process::start() {
  if (core_->worker) throw StateError("a process can be started only once");
  const auto& state = detail::PluginAccess::state(core_->plugin);
  core_->worker = state.take_spare(0);
  if (!core_->worker) core_->worker = std::make_unique<process::Worker>(state.engine->launcher, state.spawn_spec());
  // The call waits in the socket while the worker loads the plugin.
  core_->worker->send(core_->request);
}

void Process::join() {
  if (!core_->worker) throw StateError("join() before start()");
  core_->advance(std::nullopt);
}

bool Process::join_until(std::chrono::steady_clock::time_point deadline) {
  if (!core_->worker) throw StateError("join() before start()");
  return core_->advance(deadline);
}

bool Process::is_alive() {
  if (!core_->worker || core_->finished) return false;
  return !core_->advance(process::Clock::now());
}

std::optional<int> Process::exitcode() {
  if (!core_->worker) return std::nullopt;
  if (!core_->finished && !core_->advance(process::Clock::now())) return std::nullopt;
  return core_->worker->status()->exitcode();
}

void Process::terminate() {
  if (core_->worker) core_->worker->signal(SIGTERM);
}

void Process::kill() {
  if (core_->worker) core_->worker->signal(SIGKILL);
}

int Process::pid() const { return core_->worker ? core_->worker->pid() : 0; }

detail::Outcome Process::outcome() {
  join();
  const std::string& task = core_->plugin.tasks()[core_->request.task].name;
  detail::Outcome o;
  if (!core_->reply) {
    o.error = std::make_exception_ptr(WorkerError(task, core_->failure));
    return o;
  }
  return process::outcome_from(core_->reply->status, core_->reply->bytes, task);
}

void Process::check_result(const std::string& result, const std::vector<StructSchema>& structs) const {
  const TaskInfo& info = core_->plugin.tasks()[core_->request.task];
  if (info.result != result)
    throw SignatureError("task '" + info.name + "' of plugin '" + core_->plugin.name() + "' returns " + info.result +
                         ", but the caller expects " + result);
  core_->plugin.check_structs(info.name, structs);
}

Value Process::value_result() {
  auto o = outcome();
  if (o.error) std::rethrow_exception(o.error);
  return codec::decode_value(o.bytes);
}

}  // namespace ferry
