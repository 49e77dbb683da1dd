// The host's side of a forkserver: a ferry-worker that loaded its plugin
// once and forks a worker per request, so starting one costs a fork, not an
// exec, a dynamic link and a plugin load (StartMethod::forkserver).
//
// Its workers are its children, not the host's: it reaps them and reports
// how each ended, which ForkServer keeps until the Worker asks (status()).
// Signals go through pidfds, which cannot reach a reused pid.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "process/exit_status.hpp"

namespace ferry::process {

struct SpawnSpec;
struct Spawned;

class ForkServer {
 public:
  // Takes over a started `ferry-worker --forkserver 1` (its pid, pidfd and
  // control socket) and waits for it to be ready. Null when it refuses (its
  // plugin started threads while loading), fails or dies first: the caller
  // then spawns workers the usual way.
  static std::shared_ptr<ForkServer> adopt(pid_t pid, int pidfd, int control);
  ~ForkServer();  // ends the forkserver (and any worker still running) and reaps it
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;

  // Forks a worker for spec with socket as its protocol socket (the caller
  // keeps its copy); the result has no socket set. Throws ferry::Error when
  // the forkserver is gone or cannot fork.
  Spawned fork(const SpawnSpec& spec, int socket);

  // How forked worker pid ended: nullopt while it runs (block: waits for
  // it). Told once. A worker of a forkserver that died is reported killed.
  std::optional<ExitStatus> status(pid_t pid, bool block);

  bool alive();

 private:
  ForkServer(pid_t pid, int pidfd, int control);
  void read_events();  // the reader thread

  pid_t pid_;
  int pidfd_;
  int control_;
  std::mutex fork_mu_;  // one fork request at a time: replies come in order
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<pid_t, ExitStatus> ended_;                  // guarded by mu_
  std::deque<std::promise<std::pair<pid_t, int>>> forks_;  // waiting for forked (pid, pidfd) or (-errno, -1); mu_
  std::optional<std::promise<bool>> ready_;            // until the first event; mu_
  bool gone_ = false;                                  // guarded by mu_
  std::thread reader_;
};

}  // namespace ferry::process
