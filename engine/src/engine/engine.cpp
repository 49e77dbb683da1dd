#include <algorithm>
#include <ferry/engine.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <ferry/errors.hpp>

#include "engine/engine_core.hpp"
#include "plugin/search_path.hpp"
#include "text/closest.hpp"
#include "values/type_expr.hpp"

namespace ferry {

std::optional<StartMethod> start_method_named(std::string_view name) {
  if (name == "spawn") return StartMethod::spawn;
  if (name == "forkserver") return StartMethod::forkserver;
  return std::nullopt;
}

namespace detail {

constexpr std::chrono::seconds kLoadTimeout{30};

namespace {

void log_to_stderr(const LogRecord& r) {
  const std::string line = format_log(r) + "\n";
  std::fputs(line.c_str(), stderr);
}
}  // namespace

EngineCore::EngineCore(EngineOptions o)
    : options(std::move(o)), worker_exe(plugin::worker_executable(options.worker_executable)) {
  if (!options.log) options.log = log_to_stderr;
}

void EngineCore::route_objects(std::shared_ptr<manager::ObjectBackend> objects) {
  manager.route_objects(std::move(objects));
  std::vector<std::shared_ptr<const PluginState>> loaded;
  {
    std::lock_guard lock(mu);
    for (const auto& [path, weak] : plugins)
      if (auto state = weak.lock()) loaded.push_back(std::move(state));
  }
  for (const auto& state : loaded) state->take_spare(0);  // dropped: killed and reaped
}

process::LogSink EngineCore::log_sink(const std::string& plugin_name) const {
  return [this, plugin_name](const wire::LogLine& line, pid_t pid) { deliver_log(line, pid, plugin_name, "", {}); };
}

void EngineCore::deliver_log(const wire::LogLine& line, pid_t pid, const std::string& plugin, const std::string& stage,
                             std::optional<std::uint64_t> item) const {
  LogRecord r;
  r.level = std::clamp(line.level, 0, 3);  // what a worker says is not trusted
  r.plugin = plugin;
  r.task = line.task;
  r.message = line.message;
  r.pid = static_cast<int>(pid);
  r.stage = stage;
  r.item = item;
  r.dropped = line.dropped;
  r.time = std::chrono::system_clock::now();
  options.log(r);
}

}  // namespace detail

std::string format_log(const LogRecord& r) {
  static const char* const levels[] = {"debug", "info", "warning", "error"};
  const char* level = r.level >= 0 && r.level <= 3 ? levels[r.level] : "info";
  return "[" + r.plugin + "." + r.task + " pid " + std::to_string(r.pid) + "] " + level + ": " + r.message;
}

const std::string& Plugin::name() const { return state_->hello.plugin_name; }
const std::string& Plugin::version() const { return state_->hello.plugin_version; }
const std::string& Plugin::path() const { return state_->path; }
const std::vector<TaskInfo>& Plugin::tasks() const& { return state_->hello.tasks; }
std::vector<TaskInfo> Plugin::tasks() && { return state_->hello.tasks; }

std::size_t Plugin::task_index(std::string_view name) const {
  const auto& tasks = state_->hello.tasks;
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (tasks[i].name == name) return i;
  std::vector<std::string> names;
  for (const auto& t : tasks) names.push_back(t.name);
  const std::string head = "plugin '" + this->name() + "' (" + path() + ") has no task '" + std::string(name) + "'";
  if (auto best = text::closest(name, names)) throw SignatureError(head + "; did you mean '" + *best + "'?");
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw SignatureError(head + "; its tasks are: " + known);
}

void Plugin::check_arguments(std::string_view name, const Value::List& args) const {
  const TaskInfo& t = task(name);
  const auto params = types::parse_params(t.params);
  if (!params) return;  // a signature this host cannot read: the worker decides
  const std::string head = "task '" + t.name + "' " + t.params;
  if (params->size() != args.size())
    throw SignatureError(head + " takes " + std::to_string(params->size()) +
                         (params->size() == 1 ? " argument" : " arguments") + ", got " + std::to_string(args.size()));
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string why;
    if (types::value_fits(args[i], (*params)[i], &why, &t.structs) == types::Fit::no)
      throw SignatureError(head + ": " + t.argument_label(i) + ": " + why);
  }
}

void Plugin::check_structs(std::string_view name, const std::vector<StructSchema>& host) const {
  if (host.empty()) return;
  const TaskInfo& t = task(name);
  if (auto why = struct_conflict(host, t.structs, "in the host", "in the plugin"); !why.empty())
    throw SignatureError("task '" + t.name + "' of plugin '" + this->name() + "' (" + path() + "): " + why);
}

const TaskInfo& Plugin::task(std::string_view name) const& { return state_->hello.tasks[task_index(name)]; }
TaskInfo Plugin::task(std::string_view name) && { return state_->hello.tasks[task_index(name)]; }

Engine::Engine() : Engine(EngineOptions{}) {}
Engine::Engine(EngineOptions options) : core_(std::make_shared<detail::EngineCore>(std::move(options))) {}
Engine::~Engine() = default;

namespace {
// The host's own way to the manager: a direct call into its store, as
// client 0. Holds the store weakly, so a handle that outlives its engine
// reports that instead of keeping the engine's state alive.
class LocalLink : public ManagerLink {
 public:
  explicit LocalLink(std::weak_ptr<manager::Store> store) : store_(std::move(store)) {}
  manager::Reply call(const manager::Request& request) override {
    auto store = store_.lock();
    if (!store) throw ManagerError("the engine that held shared object '" + request.name + "' is gone");
    return store->handle(request, 0);
  }
  int open_descriptor(std::uint64_t id) override {
    auto store = store_.lock();
    const int fd = store ? store->descriptor_fd(id) : -1;
    if (fd < 0) throw ManagerError("shared descriptor " + std::to_string(id) + " is gone with its engine");
    return ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  }

 private:
  std::weak_ptr<manager::Store> store_;
};
}  // namespace

std::shared_ptr<ManagerLink> Engine::manager_link() const {
  return std::make_shared<LocalLink>(core_->manager.store_ptr());
}

std::pair<std::uint64_t, std::shared_ptr<detail::Segment>> Engine::new_segment(std::uint64_t count,
                                                                              std::uint64_t elem_size,
                                                                              const std::string& type) const {
  auto [fd, segment] = detail::create_segment(count, elem_size, type);
  auto store = core_->manager.store_ptr().lock();
  return {store->add_descriptor(fd), std::move(segment)};
}

std::pair<std::uint64_t, std::uint64_t> Engine::new_socket_pair() const {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw ManagerError(std::string("cannot create a pipe: ") + std::strerror(errno));
  auto store = core_->manager.store_ptr().lock();
  return {store->add_descriptor(fds[0]), store->add_descriptor(fds[1])};
}

std::vector<std::string> Engine::plugin_search_path() const { return plugin::search_path(core_->options.plugin_path); }

Plugin Engine::load(std::string_view name_or_path) {
  const std::string path = plugin::resolve(std::string(name_or_path), core_->options.plugin_path);
  {
    std::lock_guard lock(core_->mu);
    if (auto it = core_->plugins.find(path); it != core_->plugins.end())
      if (auto state = it->second.lock()) return Plugin(std::move(state));
  }
  auto state = std::make_shared<detail::PluginState>();
  state->engine = core_;
  state->path = path;
  // The worker that reads the task table stays as the first worker of
  // whatever is made from the plugin next (see PluginState::spare).
  auto probe = std::make_unique<process::Worker>(core_->launcher, state->spawn_spec());
  state->hello = probe->await_hello(process::Clock::now() + detail::kLoadTimeout);
  state->spare = std::move(probe);
  std::lock_guard lock(core_->mu);
  core_->plugins[path] = state;
  return Plugin(std::move(state));
}

}  // namespace ferry
