#include "process/forkserver.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>

#include <ferry/errors.hpp>

#include "process/launcher.hpp"
#include "wire/forkserver_protocol.hpp"

namespace ferry::process {
namespace {
// A forkserver loads its plugin before it is ready, as a worker does
// before its hello; a fork takes milliseconds unless the machine is stuck.
constexpr auto kReadyWait = std::chrono::seconds(60);
constexpr auto kForkWait = std::chrono::seconds(10);
}  // namespace

ForkServer::ForkServer(pid_t pid, int pidfd, int control) : pid_(pid), pidfd_(pidfd), control_(control) {}

std::shared_ptr<ForkServer> ForkServer::adopt(pid_t pid, int pidfd, int control) {
  std::shared_ptr<ForkServer> fs(new ForkServer(pid, pidfd, control));
  fs->ready_.emplace();
  auto ready = fs->ready_->get_future();
  fs->reader_ = std::thread([raw = fs.get()] { raw->read_events(); });
  if (ready.wait_for(kReadyWait) != std::future_status::ready || !ready.get()) return nullptr;  // ~ForkServer cleans up
  return fs;
}

ForkServer::~ForkServer() {
  // End of stream: the forkserver exits, and with it (PR_SET_PDEATHSIG) any
  // worker of its still running; the reader sees the end too.
  ::shutdown(control_, SHUT_RDWR);
  if (!wait_exited(pidfd_, std::chrono::steady_clock::now() + std::chrono::seconds(1)))
    signal_process(pid_, pidfd_, SIGKILL);
  reap(pid_, pidfd_, true);
  if (reader_.joinable()) reader_.join();
  ::close(control_);
  if (pidfd_ >= 0) ::close(pidfd_);
}

void ForkServer::read_events() {
  for (;;) {
    wire::ForkServerEvent ev;
    std::deque<int> fds;
    if (wire::receive_packet(control_, &ev, sizeof ev, fds) <= 0) break;
    std::lock_guard lock(mu_);
    switch (ev.kind) {
      case wire::ForkServerEvent::ready:
      case wire::ForkServerEvent::refused:
        if (ready_) ready_->set_value(ev.kind == wire::ForkServerEvent::ready);
        ready_.reset();
        break;
      case wire::ForkServerEvent::forked:
      case wire::ForkServerEvent::fork_failed:
        if (forks_.empty()) break;
        if (ev.kind == wire::ForkServerEvent::forked && !fds.empty()) {
          forks_.front().set_value({ev.pid, fds.front()});
          fds.erase(fds.begin());
        } else {
          forks_.front().set_value({-(ev.kind == wire::ForkServerEvent::forked ? ENOSYS : ev.value), -1});
          if (ev.kind == wire::ForkServerEvent::forked) signal_process(ev.pid, -1, SIGKILL);  // no pidfd: unusable
        }
        forks_.pop_front();
        break;
      case wire::ForkServerEvent::exited:
        ended_[ev.pid] = ExitStatus{ev.signaled != 0, ev.value};
        changed_.notify_all();
        break;
      default: break;
    }
    for (int fd : fds) ::close(fd);
  }
  std::lock_guard lock(mu_);
  gone_ = true;
  if (ready_) ready_->set_value(false);
  ready_.reset();
  for (auto& f : forks_) f.set_value({-EPIPE, -1});
  forks_.clear();
  changed_.notify_all();
}

Spawned ForkServer::fork(const SpawnSpec& spec, int socket) {
  std::lock_guard serial(fork_mu_);
  std::future<std::pair<pid_t, int>> forked;
  {
    std::lock_guard lock(mu_);
    if (gone_) throw Error("the forkserver of " + spec.plugin_path + " is gone");
    forks_.emplace_back();
    forked = forks_.back().get_future();
  }
  const wire::ForkRequest req{spec.memory_limit, spec.manager_fd >= 0 ? 1u : 0u, 0};
  const int fds[2] = {socket, spec.manager_fd};
  if (!wire::send_packet(control_, &req, sizeof req, std::span<const int>(fds, req.has_manager ? 2 : 1)))
    ::shutdown(control_, SHUT_RDWR);  // it is gone or broken: the reader fails the request
  if (forked.wait_for(kForkWait) != std::future_status::ready) {
    signal_process(pid_, pidfd_, SIGKILL);  // stuck: its end fails the request
  }
  const auto [pid, pidfd] = forked.get();
  if (pid <= 0) throw Error("the forkserver of " + spec.plugin_path + " could not fork a worker: " + std::strerror(-pid));
  Spawned s;
  s.pid = pid;
  s.pidfd = pidfd;
  return s;
}

std::optional<ExitStatus> ForkServer::status(pid_t pid, bool block) {
  std::unique_lock lock(mu_);
  if (block) changed_.wait(lock, [&] { return gone_ || ended_.count(pid) > 0; });
  if (auto it = ended_.find(pid); it != ended_.end()) {
    const ExitStatus s = it->second;
    ended_.erase(it);
    return s;
  }
  if (gone_) return ExitStatus{true, SIGKILL};  // its forkserver died, and it with it
  return std::nullopt;
}

bool ForkServer::alive() {
  std::lock_guard lock(mu_);
  return !gone_;
}

}  // namespace ferry::process
