#include "process/launcher.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

// Boost.Process v1 is expensive to compile: this is the only file that
// includes it. Its vfork launcher is only compiled in on request.
#define BOOST_POSIX_HAS_VFORK 1
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/posix.hpp>

#include <ferry/errors.hpp>

#include "process/exit_status.hpp"
#include "process/forkserver.hpp"
#include "wire/messages.hpp"
#include "wire/worker_fds.hpp"

namespace bp = boost::process;

#if defined(__SANITIZE_THREAD__)
#define FERRY_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FERRY_UNDER_TSAN 1
#endif
#endif

namespace ferry::process {
namespace {



// In the child, between fork and exec: gives the worker a process group of
// its own, so signals sent to the host's group (`kill -- -PGID`, `timeout`,
// a terminal's Ctrl-C) reach only the host, which decides what happens to
// running tasks, and so the host can end the worker together with every
// process a task started (Worker's reap). Then puts the protocol socket on
// fd 3 and the manager socket on fd 4.
void prepare_child(int socket, int manager) {
  ::setpgid(0, 0);
  wire::place_worker_fds(socket, manager);
}

// Execs a ferry-worker; as a forkserver (its socket of packets, not a
// stream) when forkserver is set.
Spawned spawn_now(const SpawnSpec& spec, bool forkserver = false) {
  int fds[2];
  // CLOEXEC on both ends: only the end we dup2 onto fd 3 reaches the worker,
  // and no other worker ever inherits it (Boost's own pipes lack CLOEXEC).
  if (::socketpair(AF_UNIX, (forkserver ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0, fds) != 0)
    throw Error(std::string("cannot create a socket for ferry-worker: ") + std::strerror(errno));
  const int child_end = fds[1];
  std::vector<std::string> args = {"--plugin", spec.plugin_path, "--fd", std::to_string(wire::kWorkerFd), "--parent",
                                   std::to_string(::getpid()), "--protocol", std::to_string(wire::kProtocolVersion)};
  if (spec.manager_fd >= 0) {
    args.push_back("--manager-fd");
    args.push_back(std::to_string(wire::kManagerFd));
  }
  if (spec.memory_limit) {
    args.push_back("--memory-limit");
    args.push_back(std::to_string(spec.memory_limit));
  }
  if (forkserver) {
    args.push_back("--forkserver");
    args.push_back("1");
  }
  // vfork, not fork: fork copies the host's page tables, which for a host
  // with 1 GiB resident costs ~40 ms per worker; vfork costs the same for
  // any host. The child only moves descriptors (place_fds) before exec.
  // Under ThreadSanitizer vfork becomes fork, and Boost's vfork launcher
  // then cannot see a failed exec: its fork launcher is used there.
  // Const matters: Boost looks for `const use_vfork_&` among the launch
  // properties, and silently forks when handed a mutable copy (the
  // launcher_uses_vfork test checks the library really imports vfork).
#ifdef FERRY_UNDER_TSAN
  auto launch_mode = bp::extend::on_setup = [](auto&) {};
#else
  const auto& launch_mode = bp::posix::use_vfork;
#endif
  std::error_code ec;
  bp::child child(bp::exe = spec.worker_exe, bp::args = args, bp::std_in < bp::null, launch_mode,
                  bp::extend::on_exec_setup =
                      [child_end, manager_fd = spec.manager_fd](auto&) { prepare_child(child_end, manager_fd); },
                  ec);
  ::close(child_end);
  if (ec) {
    ::close(fds[0]);
    throw Error("cannot start ferry-worker at " + spec.worker_exe + ": " + ec.message());
  }
  Spawned s;
  s.pid = child.id();
  child.detach();  // we reap it ourselves, through its pidfd
  s.pidfd = open_pidfd(s.pid);
  s.socket = fds[0];
  return s;
}

}  // namespace

Launcher::Launcher() : thread_([this] { run(); }) {}

Launcher::~Launcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Launcher::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

std::shared_ptr<ForkServer> Launcher::forkserver_for(const SpawnSpec& spec) {
  const std::string key = spec.worker_exe + '\n' + spec.plugin_path;
  if (auto it = forkservers_.find(key); it != forkservers_.end()) {
    if (!it->second || it->second->alive()) return it->second;
    forkservers_.erase(it);  // it died: start another
  }
  SpawnSpec zygote;  // no manager, no memory limit: each worker gets its own
  zygote.worker_exe = spec.worker_exe;
  zygote.plugin_path = spec.plugin_path;
  std::shared_ptr<ForkServer> fs;
  try {
    const Spawned z = spawn_now(zygote, true);
    fs = ForkServer::adopt(z.pid, z.pidfd, z.socket);
  } catch (const Error&) {  // no forkserver to be had: workers are spawned
  }
  forkservers_[key] = fs;
  return fs;
}

Spawned Launcher::spawn_on_thread(const SpawnSpec& spec) {
  if (spec.forkserver) {
    if (auto fs = forkserver_for(spec)) {
      int fds[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        throw Error(std::string("cannot create a socket for ferry-worker: ") + std::strerror(errno));
      try {
        Spawned s = fs->fork(spec, fds[1]);
        ::close(fds[1]);
        s.socket = fds[0];
        s.forkserver = std::move(fs);
        return s;
      } catch (const Error&) {  // it died or cannot fork: this worker is spawned, the next asks a new one
        ::close(fds[0]);
        ::close(fds[1]);
      }
    }
  }
  return spawn_now(spec);
}

Spawned Launcher::spawn(const SpawnSpec& spec) {
  std::packaged_task<Spawned()> task([this, &spec] { return spawn_on_thread(spec); });
  auto result = task.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw Error("the engine is shutting down");
    jobs_.emplace_back([&task] { task(); });
  }
  cv_.notify_one();
  return result.get();
}

}  // namespace ferry::process
