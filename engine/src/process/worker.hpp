// One running ferry-worker as the host sees it: spawn, handshake, calls with
// deadlines, and a guaranteed reap. The building block of Pool and Process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "process/exit_status.hpp"
#include "process/launcher.hpp"
#include "wire/call_progress.hpp"
#include "wire/frame.hpp"
#include "wire/messages.hpp"
#include "wire/spin_policy.hpp"

namespace ferry::process {

using Clock = std::chrono::steady_clock;
using Deadline = std::optional<Clock::time_point>;
// Receives log lines a task sends while it runs.
using LogSink = std::function<void(const wire::LogLine&, pid_t)>;

// What waiting for a reply ended with.
// retired: the worker said it takes no more calls (a task broke its
// manager channel) and exits: the call waited for never ran.
struct CallOutcome {
  enum Kind { replied, died, timed_out, protocol_error, woken, retired } kind = died;
  wire::CallReply reply;  // when replied
  std::string cause;      // otherwise: why, for the error message
};

// What wait_reply does when its deadline passes: stop the worker (a task
// timeout) or leave it running (a caller's bounded wait).
enum class OnTimeout { stop, keep };

// Grace between SIGTERM and SIGKILL when a worker must be stopped.
inline constexpr std::chrono::milliseconds kStopGrace{1000};

// Owns one worker process. The destructor kills and reaps it if it is still
// running, so no zombie or orphan outlives the handle. Not thread-safe.
class Worker {
 public:
  Worker(Launcher& launcher, const SpawnSpec& spec);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& plugin_path() const { return plugin_path_; }

  // Waits for the worker's hello. Throws ferry::PluginError when the worker
  // reports that the plugin cannot be loaded or dies while loading it.
  const wire::Hello& await_hello(Deadline deadline);

  // Sends one call; false when the worker is already gone. Several calls may
  // be sent before their replies are read: the worker runs them in order.
  // With more set, the call waits in the channel's outbox for the next
  // send without more: calls sent together cost the worker one wake-up.
  bool send(const wire::CallRequest& request, bool more = false);
  // Calls sent and not yet replied to.
  std::size_t in_flight() const { return pending_ids_.size(); }

  // A buffer (its capacity) for the next large frame received, which would
  // otherwise be allocated afresh.
  void offer_buffer(std::string buffer) { spare_ = std::move(buffer); }

  // Waits for the reply to the oldest call in flight. On timeout with
  // OnTimeout::stop the worker is stopped (SIGTERM, then SIGKILL after
  // kStopGrace); on death or protocol error it is reaped; in those cases it
  // must not be used again.
  CallOutcome wait_reply(Deadline deadline, int wake_fd, const LogSink& log, OnTimeout on_timeout);
  // Before wait_reply for a call that may be answered at once: spins on the
  // channel if policy says it pays, so a prompt reply is read without a
  // wake-up. Returns after policy's budget at most; wait_reply still waits.
  void spin_for_reply(wire::SpinPolicy& policy) {
    if (!channel_.has_complete_frame()) policy.before_wait(channel_);
  }

  // Waits for the worker to exit by itself; true once reaped.
  bool wait_exit(Deadline deadline);

  // Sends a signal if the worker still runs.
  void signal(int sig);
  // Asks the worker to exit, waits up to grace, then kills it; always reaps.
  // With log, the log lines it sends before exiting go there (its last
  // report of lines dropped by the rate limit, say).
  void shutdown(std::chrono::milliseconds grace = kStopGrace, const LogSink* log = nullptr);
  // SIGTERM, grace, SIGKILL; reaps.
  void stop(std::chrono::milliseconds grace = kStopGrace);
  // SIGKILL and reap.
  void kill();

  // Which item of which call the worker is running, as its progress page
  // says (see wire/call_progress.hpp); nullopt without a page. Untrusted.
  std::optional<wire::ItemProgress> progress() const { return progress_.read(); }

  bool running() const { return !status_; }
  const std::optional<ExitStatus>& status() const { return status_; }
  const std::optional<wire::Hello>& hello() const { return hello_; }

 private:
  Worker(Launcher& launcher, const SpawnSpec& spec, Spawned spawned);
  void reap_blocking();
  std::string death_cause();

  std::string plugin_path_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  wire::Channel channel_;
  std::optional<wire::Hello> hello_;
  wire::ProgressReader progress_;  // mapped when the hello brings the page
  std::optional<ExitStatus> status_;
  std::deque<std::uint64_t> pending_ids_;  // calls sent, oldest first
  std::string send_head_;                  // a call's fixed fields, reused by send()
  std::shared_ptr<void> manager_guard_;
  std::shared_ptr<ForkServer> forkserver_;  // its parent, when it forked it
  std::string spare_;                       // see offer_buffer
};

}  // namespace ferry::process
