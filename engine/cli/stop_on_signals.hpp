// SIGINT and SIGTERM for `ferry run`: the first stops intake and lets what
// is running finish (up to a grace period), a second one, or the end of the
// grace period, stops at once. Signals are taken by one thread through a
// signalfd, never by an async handler, so stopping can lock and log.
#pragma once

#include <chrono>
#include <mutex>
#include <thread>

#include <ferry/pipeline.hpp>

namespace ferry::cli {

class StopOnSignals {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread, and so in every thread
  // created after it: construct before the Engine. Workers unblock them.
  explicit StopOnSignals(std::chrono::milliseconds grace);
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  // The pipeline signals stop from now on (null: none). False when a signal
  // came first: the caller should not start it.
  bool attach(Pipeline* pipeline);
  // The first signal received, or 0.
  int signal_number() const;

 private:
  void loop();
  void on_signal(int signo, std::chrono::steady_clock::time_point& deadline, bool& draining);

  std::chrono::milliseconds grace_;
  int signal_fd_ = -1, wake_fd_ = -1;
  mutable std::mutex mu_;
  Pipeline* pipeline_ = nullptr;  // guarded by mu_
  int first_signal_ = 0;          // guarded by mu_
  std::thread thread_;
};

}  // namespace ferry::cli
