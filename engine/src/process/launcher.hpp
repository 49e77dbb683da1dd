// Starts ferry-worker processes (Boost.Process: fork+exec, never a bare fork
// of the host).
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ferry::process {

struct SpawnSpec {
  std::string worker_exe;
  std::string plugin_path;
  std::uint64_t memory_limit = 0;  // bytes of address space; 0 = unlimited
  // The worker's end of its manager connection, to become its fd 4; -1 for
  // none. Whoever starts the worker closes it in the host after the spawn.
  int manager_fd = -1;
  // Kept while the worker lives, dropped once it is reaped (the manager then
  // gives back what the worker held).
  std::shared_ptr<void> manager_guard;
  // Fork it from the plugin's forkserver (started on first use) rather than
  // exec a ferry-worker; falls back to exec when the plugin refuses it.
  bool forkserver = false;
};

class ForkServer;

// A started worker: its pid, a pidfd for it, and the host's end of the
// socketpair whose other end is the worker's fd 3. The caller owns the fds.
struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;
  int socket = -1;
  // Set when a forkserver forked it: that is its parent, which reaps it.
  std::shared_ptr<ForkServer> forkserver;
};

// Performs every spawn on one thread that lives as long as the engine:
// PR_SET_PDEATHSIG fires when the *thread* that forked a child exits, so
// spawning from a short-lived user thread would kill workers early.
class Launcher {
 public:
  Launcher();
  ~Launcher();
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  // Starts a worker; throws ferry::Error when it cannot be started.
  Spawned spawn(const SpawnSpec& spec);

 private:
  void run();
  Spawned spawn_on_thread(const SpawnSpec& spec);
  // spec's plugin's forkserver, started if need be; null when its plugin
  // refuses one (it is not asked again). Launcher thread only.
  std::shared_ptr<ForkServer> forkserver_for(const SpawnSpec& spec);

  std::map<std::string, std::shared_ptr<ForkServer>> forkservers_;  // by worker and plugin path; launcher thread

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::thread thread_;
};

}  // namespace ferry::process
