#include "forkserver.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "serve.hpp"
#include "wire/forkserver_protocol.hpp"
#include "wire/messages.hpp"
#include "wire/worker_fds.hpp"

namespace ferry::worker {
namespace {

// Threads do not survive fork: a plugin that started any while loading
// (a thread pool, a logger) would leave its forked workers with locks no
// one can release. Such a plugin is refused, and its workers are spawned.
std::size_t thread_count() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

void tell(int control, wire::ForkServerEvent event, int fd = -1) {
  const int fds[1] = {fd};
  wire::send_packet(control, &event, sizeof event, fd >= 0 ? std::span<const int>(fds) : std::span<const int>());
}

// Reports every worker that has ended. Its process group (whatever its task
// started) is killed first, while the worker is not yet reaped and its pid,
// which names the group, cannot be reused.
void reap_workers(int control) {
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
    ::kill(-info.si_pid, SIGKILL);
    siginfo_t done{};
    while (::waitid(P_PID, static_cast<id_t>(info.si_pid), &done, WEXITED) != 0 && errno == EINTR) {
    }
    tell(control, {wire::ForkServerEvent::exited, info.si_pid, done.si_code == CLD_EXITED ? 0 : 1, done.si_status});
  }
}

// In the forked worker: a process group of its own, death with the
// forkserver (which dies with the host), and its sockets on fds 3 and 4.
void become_worker(Options& options, pid_t forkserver, const std::deque<int>& fds, const wire::ForkRequest& req) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != forkserver) ::_exit(3);
  wire::place_worker_fds(fds[0], req.has_manager ? fds[1] : -1);
  options.fd = wire::kWorkerFd;
  options.manager_fd = req.has_manager ? wire::kManagerFd : -1;
  options.memory_limit = req.memory_limit;
  options.forkserver = false;
}

}  // namespace

int run_forkserver(Options& options, std::unique_ptr<plugin::LoadedPlugin>& plugin) {
  const int control = options.fd;
  ::close_range(static_cast<unsigned>(control) + 1, ~0u, 0);  // what a multithreaded host leaked across exec
  // A forkserver of another release, or a plugin that will not load, is
  // left to a spawned worker to report, with its usual messages.
  if (!wire::protocol_mismatch(own_protocol(), options.protocol).empty()) return 2;
  try {
    plugin = plugin::load(options.plugin_path);
  } catch (const std::exception&) {
    return 2;
  }
  if (thread_count() != 1) {
    tell(control, {wire::ForkServerEvent::refused, 0, 0, 0});
    return 2;
  }
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &old);
  const int sfd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return 2;
  tell(control, {wire::ForkServerEvent::ready, 0, 0, 0});
  const pid_t self = ::getpid();
  for (;;) {
    pollfd watch[2] = {{control, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (::poll(watch, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 2;
    }
    if (watch[1].revents) {
      signalfd_siginfo drained[8];
      while (::read(sfd, drained, sizeof drained) > 0) {
      }
      reap_workers(control);
    }
    if (!watch[0].revents) continue;
    wire::ForkRequest req;
    std::deque<int> fds;
    const ssize_t r = wire::receive_packet(control, &req, sizeof req, fds);
    if (r <= 0) return 0;  // the host closed: its workers die with this process
    if (fds.size() != (req.has_manager ? 2u : 1u)) {
      for (int fd : fds) ::close(fd);
      tell(control, {wire::ForkServerEvent::fork_failed, 0, 0, EINVAL});
      continue;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(control);
      ::close(sfd);
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      become_worker(options, self, fds, req);
      return kForkedChild;
    }
    const int err = errno;
    for (int fd : fds) ::close(fd);
    if (pid < 0) {
      tell(control, {wire::ForkServerEvent::fork_failed, 0, 0, err});
      continue;
    }
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    tell(control, {wire::ForkServerEvent::forked, pid, 0, 0}, pidfd);
    if (pidfd >= 0) ::close(pidfd);
  }
}

}  // namespace ferry::worker
