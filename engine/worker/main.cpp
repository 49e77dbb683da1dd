// ferry-worker: loads one plugin and serves calls from its host over an
// inherited socket, one call at a time, until told to stop or the host goes.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <memory>

#include "programs/keep_heap.hpp"
#include "forkserver.hpp"
#include "serve.hpp"
#include "worker_options.hpp"

namespace {

// The worker must never outlive its host: the kernel kills it when the host
// dies, and a host that died before prctl took effect is caught by the
// parent check right after it.
void tie_lifetime_to(long parent_pid) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (parent_pid != 0 && ::getppid() != parent_pid) ::_exit(3);
}

// The host: the parent, or a forkserver worker's grandparent.
pid_t host_pid = 0;

// SIGTERM from the host (a timeout, Process::terminate) ends the worker as
// it ends any program. From anyone else it is meant for the run: systemd's
// KillMode=control-group signals every process of the service at once, and
// the host decides what happens to running tasks (`ferry run` lets them
// finish first), so it is ignored here. SIGKILL still ends a worker.
void on_sigterm(int, siginfo_t* info, void*) {
  if (info->si_code == SI_USER && info->si_pid != host_pid) return;
  ::signal(SIGTERM, SIG_DFL);
  ::raise(SIGTERM);
}

// A host thread may have had signals blocked when it spawned us. SIGINT is
// ignored: Ctrl-C reaches the terminal's whole process group (a worker has
// a group of its own, but a shell may signal the host's), and the host
// decides.
void reset_signals() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a vanished host shows up as EPIPE, handled
  ::signal(SIGINT, SIG_IGN);
  struct sigaction term{};
  term.sa_sigaction = &on_sigterm;
  term.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&term.sa_mask);
  ::sigaction(SIGTERM, &term, nullptr);
}

// Children a task forks from the worker's thread die with the worker, even
// when the host is SIGKILLed and nobody is left to kill the worker's
// process group: they would otherwise keep its sockets and the host's
// stdout open (`ferry run ... | cat` would wait for them). Children forked
// from a task's own threads are left alone: their death signal would fire
// when that thread ends. posix_spawn does not run fork handlers; the host
// kills the worker's whole process group when the worker goes.
bool forking_from_main_thread = false;
void before_fork() { forking_from_main_thread = ::gettid() == ::getpid(); }
void in_forked_child() {
  if (forking_from_main_thread) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
}

// The protocol and manager sockets are the worker's, never a program's that
// a task starts: close them on exec.
void keep_from_exec(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

}  // namespace

#ifdef FERRY_SANITIZED
// A worker whose plugin crashes must die of that signal, as it does in a
// normal build, so the host reports the same cause; ASan would otherwise
// catch SIGSEGV and exit with code 1. The sanitizer runtime (a shared
// library) finds these by dynamic lookup, so they must stay visible in a
// build whose default visibility is hidden.
extern "C" [[gnu::visibility("default")]] const char* __asan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0";
}
extern "C" [[gnu::visibility("default")]] const char* __tsan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0";
}
#endif

int main(int argc, char** argv) {
  ferry::worker::Options options;
  if (!ferry::worker::parse_options(argc, argv, options)) return 2;
  tie_lifetime_to(options.parent_pid);
  host_pid = ::getppid();
  reset_signals();
  ::pthread_atfork(&before_fork, nullptr, &in_forked_child);
  std::unique_ptr<ferry::plugin::LoadedPlugin> plugin;  // loaded once by a forkserver
  if (options.forkserver) {
    const int code = ferry::worker::run_forkserver(options, plugin);
    if (code != ferry::worker::kForkedChild) ::_exit(code);
  }
  keep_from_exec(options.fd);
  keep_from_exec(options.manager_fd);
  // Only stdio and the protocol socket are ours; anything else a
  // multithreaded host leaked across exec is closed.
  ::close_range(static_cast<unsigned>(std::max(options.fd, options.manager_fd)) + 1, ~0u, 0);
  if (options.memory_limit) {
    const rlimit limit{options.memory_limit, options.memory_limit};
    ::setrlimit(RLIMIT_AS, &limit);
  }
  ferry::keep_heap();
  const int code = plugin ? ferry::worker::serve_loaded(options, *plugin) : ferry::worker::serve(options);
  std::cout.flush();
  std::fflush(nullptr);
  // _exit: skip static destructors of plugin code that may misbehave at exit.
  ::_exit(code);
}
