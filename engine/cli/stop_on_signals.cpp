#include "stop_on_signals.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace ferry::cli {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

StopOnSignals::StopOnSignals(std::chrono::milliseconds grace) : grace_(grace) {
  const sigset_t set = stop_signals();
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) throw std::runtime_error("cannot block SIGINT and SIGTERM");
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ < 0 || wake_fd_ < 0)
    throw std::runtime_error(std::string("cannot watch for signals: ") + std::strerror(errno));
  thread_ = std::thread([this] { loop(); });
}

StopOnSignals::~StopOnSignals() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(signal_fd_);
  ::close(wake_fd_);
}

bool StopOnSignals::attach(Pipeline* pipeline) {
  std::lock_guard lock(mu_);
  pipeline_ = pipeline;
  return first_signal_ == 0;
}

int StopOnSignals::signal_number() const {
  std::lock_guard lock(mu_);
  return first_signal_;
}

void StopOnSignals::on_signal(int signo, std::chrono::steady_clock::time_point& deadline, bool& draining) {
  std::lock_guard lock(mu_);
  const char* name = signo == SIGINT ? "SIGINT" : "SIGTERM";
  if (first_signal_ == 0) {
    first_signal_ = signo;
    if (pipeline_ && pipeline_->stop(StopMode::drain)) {
      draining = true;
      deadline = std::chrono::steady_clock::now() + grace_;
      std::cerr << "ferry: " << name << ": reading stopped; finishing the items in progress (up to "
                << grace_.count() / 1000.0 << " s; a second signal stops at once)\n";
    }
    return;
  }
  if (pipeline_) pipeline_->stop(StopMode::now);
  draining = false;
  std::cerr << "ferry: " << name << " again: stopping at once\n";
}

void StopOnSignals::loop() {
  bool draining = false;
  std::chrono::steady_clock::time_point deadline{};
  for (;;) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int timeout = -1;
    if (draining) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      timeout = static_cast<int>(std::clamp<long>(left.count(), 0, std::numeric_limits<int>::max()));
    }
    const int n = ::poll(fds, 2, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (fds[1].revents) return;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
        on_signal(static_cast<int>(info.ssi_signo), deadline, draining);
      continue;
    }
    if (draining && std::chrono::steady_clock::now() >= deadline) {
      std::lock_guard lock(mu_);
      if (pipeline_) pipeline_->stop(StopMode::now);
      draining = false;
      std::cerr << "ferry: grace period over: stopping at once\n";
    }
  }
}

}  // namespace ferry::cli
