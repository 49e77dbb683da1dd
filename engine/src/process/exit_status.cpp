#include "process/exit_status.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wire/frame.hpp"

namespace ferry::process {

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  const char* text = ::sigdescr_np(sig);
  std::string s = abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
  if (text) s += std::string(" (") + text + ")";
  return s;
}

std::string ExitStatus::describe() const {
  if (signaled) return "killed by signal " + signal_name(value);
  return "exited with code " + std::to_string(value);
}

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

std::optional<ExitStatus> reap(pid_t pid, int pidfd, bool block) {
  siginfo_t info{};
  const int options = WEXITED | (block ? 0 : WNOHANG);
  int r;
  do {
    r = pidfd >= 0 ? ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, options)
                   : ::waitid(P_PID, static_cast<id_t>(pid), &info, options);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ExitStatus{false, 255};  // already reaped elsewhere (SIGCHLD ignored): unknown
  if (info.si_pid == 0) return std::nullopt;
  if (info.si_code == CLD_EXITED) return ExitStatus{false, info.si_status};
  return ExitStatus{true, info.si_status};
}

void signal_process(pid_t pid, int pidfd, int sig) {
  if (pidfd >= 0) ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0);
  else if (pid > 0) ::kill(pid, sig);
}

bool wait_exited(int pidfd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd, POLLIN, 0};
    const int r = ::poll(&p, 1, wire::poll_timeout_ms(left));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace ferry::process
