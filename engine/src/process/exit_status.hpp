// How a worker process ended, and waiting for it through its pidfd (immune
// to pid reuse, and pollable alongside its socket).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

namespace ferry::process {

struct ExitStatus {
  bool signaled = false;
  int value = 0;  // the exit code, or the signal number when signaled

  // Python's Process.exitcode: the exit code, or minus the signal number.
  int exitcode() const { return signaled ? -value : value; }
  // "exited with code 3", "killed by signal SIGSEGV (Segmentation fault)".
  std::string describe() const;
};

// "SIGSEGV (Segmentation fault)"
std::string signal_name(int sig);

// Opens a pidfd for a child; -1 if the kernel lacks pidfd_open.
int open_pidfd(pid_t pid);

// Reaps the child if it has exited; nullopt while it runs. Blocks when
// block is true. Uses waitid(P_PIDFD) when pidfd >= 0.
std::optional<ExitStatus> reap(pid_t pid, int pidfd, bool block);

// Sends sig to the process through its pidfd when there is one (a pid may
// have been reused; a pidfd cannot be), else by pid.
void signal_process(pid_t pid, int pidfd, int sig);

// Waits until the child exits or the deadline passes, without reaping it.
bool wait_exited(int pidfd, std::chrono::steady_clock::time_point deadline);

}  // namespace ferry::process
