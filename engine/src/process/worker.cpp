#include "process/worker.hpp"

#include <signal.h>
#include <unistd.h>

#include <ferry/errors.hpp>

#include "process/forkserver.hpp"
#include <ferry/value.hpp>

namespace ferry::process {
namespace {
// Spawns, then closes the host's copy of the worker's manager end whatever
// happened: only the worker may hold it.
Spawned spawn_and_close(Launcher& launcher, const SpawnSpec& spec) {
  try {
    Spawned s = launcher.spawn(spec);
    if (spec.manager_fd >= 0) ::close(spec.manager_fd);
    return s;
  } catch (...) {
    if (spec.manager_fd >= 0) ::close(spec.manager_fd);
    throw;
  }
}
}  // namespace

Worker::Worker(Launcher& launcher, const SpawnSpec& spec) : Worker(launcher, spec, spawn_and_close(launcher, spec)) {}

Worker::Worker(Launcher&, const SpawnSpec& spec, Spawned s)
    : plugin_path_(spec.plugin_path), pid_(s.pid), pidfd_(s.pidfd), channel_(s.socket),
      manager_guard_(spec.manager_guard), forkserver_(std::move(s.forkserver)) {}

Worker::~Worker() {
  if (running()) kill();
  if (pidfd_ >= 0) ::close(pidfd_);
}

void Worker::reap_blocking() {
  if (!status_ && forkserver_) {
    // Its forkserver reaps it, killing its process group first.
    status_ = forkserver_->status(pid_, true);
  } else if (!status_) {
    // Whatever a task started goes with its worker: the worker leads a
    // process group of its own (see the launcher), which is killed whole
    // before the worker is reaped, while its pid cannot yet be reused.
    ::kill(-pid_, SIGKILL);
    status_ = reap(pid_, pidfd_, true);
  }
  manager_guard_.reset();  // the worker is gone: give back what it held
}

void Worker::signal(int sig) {
  if (running()) signal_process(pid_, pidfd_, sig);
}

void Worker::kill() {
  signal(SIGKILL);
  reap_blocking();
  channel_.close();
}

void Worker::stop(std::chrono::milliseconds grace) {
  if (running()) {
    signal_process(pid_, pidfd_, SIGTERM);
    if (!wait_exited(pidfd_, Clock::now() + grace)) signal_process(pid_, pidfd_, SIGKILL);
  }
  reap_blocking();
  channel_.close();
}

void Worker::shutdown(std::chrono::milliseconds grace, const LogSink* log) {
  if (running()) {
    channel_.send(wire::FrameKind::shutdown, {});
    if (log && *log) {
      // Its last log lines, until it exits (or grace runs out).
      const auto deadline = Clock::now() + grace;
      wire::Frame frame;
      while (channel_.receive(frame, deadline, -1, pidfd_) == wire::ReceiveStatus::frame) {
        if (frame.kind != wire::FrameKind::log) continue;
        wire::LogLine line;
        try {
          wire::decode(frame.payload, line);
        } catch (const std::exception&) {
          break;
        }
        (*log)(line, pid_);
      }
    }
    channel_.close();
    if (!wait_exited(pidfd_, Clock::now() + grace)) signal_process(pid_, pidfd_, SIGKILL);
  }
  reap_blocking();
}

bool Worker::wait_exit(Deadline deadline) {
  if (!running()) return true;
  if (!wait_exited(pidfd_, deadline.value_or(Clock::time_point::max()))) return false;
  reap_blocking();
  return true;
}

std::string Worker::death_cause() {
  // It has exited, or closed its socket and is about to: its own exit
  // status tells why, so it gets a moment to exit before SIGKILL.
  if (running() && !wait_exited(pidfd_, Clock::now() + kStopGrace)) signal_process(pid_, pidfd_, SIGKILL);
  reap_blocking();
  channel_.close();
  if (!status_->signaled && status_->value == wire::kExitLostHost)
    return "the worker lost its connection to the host: a task closed or broke fd 3 (exited with code " +
           std::to_string(wire::kExitLostHost) + ")";
  return status_->describe();
}

const wire::Hello& Worker::await_hello(Deadline deadline) {
  while (!hello_) {
    wire::Frame frame;
    const auto st = channel_.receive(frame, deadline, -1, pidfd_);
    if (st == wire::ReceiveStatus::frame && frame.kind == wire::FrameKind::hello) {
      if (auto why = wire::protocol_mismatch(wire::hello_protocol(frame.payload), wire::kProtocolVersion);
          !why.empty()) {
        kill();
        throw PluginError(plugin_path_, why);
      }
      wire::Hello h;
      try {
        wire::decode(frame.payload, h);
      } catch (const std::exception& e) {
        kill();
        throw PluginError(plugin_path_, std::string("ferry-worker sent a bad hello: ") + e.what());
      }
      hello_ = std::move(h);
      progress_.adopt(channel_.take_fd());
    } else if (st == wire::ReceiveStatus::frame && frame.kind == wire::FrameKind::load_failed) {
      wire::LoadFailed f;
      try {
        wire::decode(frame.payload, f);
      } catch (const std::exception& e) {
        f.reason = e.what();
      }
      kill();
      throw PluginError(plugin_path_, f.reason);
    } else if (st == wire::ReceiveStatus::timeout) {
      stop();
      throw PluginError(plugin_path_, "ferry-worker did not finish loading it in time");
    } else if (st == wire::ReceiveStatus::frame || st == wire::ReceiveStatus::error) {
      const std::string why = st == wire::ReceiveStatus::error ? channel_.error() : "unexpected frame before hello";
      kill();
      throw PluginError(plugin_path_, "protocol error while loading: " + why);
    } else {
      throw PluginError(plugin_path_, "ferry-worker " + death_cause() + " while loading it");
    }
  }
  return *hello_;
}

bool Worker::send(const wire::CallRequest& request, bool more) {
  const auto parts = wire::encode_parts(send_head_, request);
  bool sent;
  if (more || channel_.queued_bytes() > 0)  // joins the calls waiting in the outbox
    sent = channel_.queue_parts(wire::FrameKind::call, parts) && (more || channel_.flush());
  else  // alone: written straight from the request's items, no copy
    sent = channel_.send_parts(wire::FrameKind::call, parts);
  if (!sent) return false;
  pending_ids_.push_back(request.id);
  return true;
}

CallOutcome Worker::wait_reply(Deadline deadline, int wake_fd, const LogSink& log, OnTimeout on_timeout) {
  CallOutcome out;
  wire::Frame frame;
  frame.payload = std::move(spare_);  // the channel swaps it in for the next large frame
  for (;;) {
    const auto st = channel_.receive(frame, deadline, wake_fd, pidfd_);
    switch (st) {
      case wire::ReceiveStatus::frame:
        break;
      case wire::ReceiveStatus::eof:
      case wire::ReceiveStatus::peer_exited:
        out.kind = CallOutcome::died;
        out.cause = death_cause();
        return out;
      case wire::ReceiveStatus::timeout:
        if (on_timeout == OnTimeout::stop) stop();
        out.kind = CallOutcome::timed_out;
        return out;
      case wire::ReceiveStatus::woken:
        out.kind = CallOutcome::woken;
        return out;
      case wire::ReceiveStatus::error:
        out.kind = CallOutcome::protocol_error;
        out.cause = "protocol error: " + channel_.error();
        kill();
        return out;
    }
    try {
      if (frame.kind == wire::FrameKind::log) {
        wire::LogLine line;
        wire::decode(frame.payload, line);
        if (log) log(line, pid_);
        continue;
      }
      if (frame.kind == wire::FrameKind::hello && !hello_) {
        hello_.emplace();
        wire::decode(frame.payload, *hello_);
        progress_.adopt(channel_.take_fd());
        continue;
      }
      if (frame.kind == wire::FrameKind::retiring) {
        wire::Retiring r;
        wire::decode(frame.payload, r);
        shutdown();  // it is exiting by itself
        out.kind = CallOutcome::retired;
        out.cause = "a task broke its worker's channel to the manager (" + r.reason + ")";
        return out;
      }
      if (frame.kind == wire::FrameKind::load_failed) {
        wire::LoadFailed f;
        wire::decode(frame.payload, f);
        kill();
        out.kind = CallOutcome::died;
        out.cause = "could not load plugin: " + f.reason;
        return out;
      }
      if (frame.kind != wire::FrameKind::reply) throw ValueError("unexpected frame kind " + std::to_string(int(frame.kind)));
      wire::decode(std::move(frame.payload), out.reply);
      if (pending_ids_.empty() || out.reply.id != pending_ids_.front()) throw ValueError("reply to an unknown call");
      pending_ids_.pop_front();
      out.kind = CallOutcome::replied;
      return out;
    } catch (const std::exception& e) {
      out.kind = CallOutcome::protocol_error;
      out.cause = std::string("protocol error: ") + e.what();
      kill();
      return out;
    }
  }
}

}  // namespace ferry::process
