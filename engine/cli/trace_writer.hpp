// `ferry run --trace FILE`: the run as Chrome trace events (the JSON Array
// Format of the Trace Event Format, which Perfetto and chrome://tracing
// open). One track per worker process with each call it ran as a slice
// (stage, task, item range), its start and loss as instant events, and one
// counter track per stage for its queue depth. Events are written while the
// run goes on (slices at each progress sample, four times a second), so a
// run killed half way still leaves a file the viewers read, short of its
// last quarter second (the format lets the closing bracket be missing).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <ferry/pipeline.hpp>
#include <ferry/pipeline_observer.hpp>

namespace ferry::cli {

class TraceWriter : public PipelineObserver {
 public:
  // Writes to path, made (truncated) when the run starts.
  explicit TraceWriter(std::string path);
  ~TraceWriter() override;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void run_started(const std::string& pipeline, const std::vector<std::string>& stages) override;
  void worker_started(const std::string& stage, pid_t pid) override;
  void chunk_finished(const std::string& stage, const ChunkRun& run) override;
  void worker_replaced(const std::string& stage, pid_t pid, WorkerLoss cause, const std::string& detail) override;
  void run_finished(const PipelineStats& stats) override;
  // Queue depths, from a progress snapshot (any thread).
  void sample(const PipelineStats& stats);

  // Ends the file; false (with why) when it could not all be written.
  bool close(std::string& why);  // true too when the run never started

 private:
  // Microseconds from the run's start to t.
  double micros(std::chrono::steady_clock::time_point t) const;
  void event(const std::string& json);  // file_mu_ held
  void write_slices();                   // the slices kept since the last call; file_mu_ held
  // text as a JSON string, quotes and escapes included; made once per
  // text (stage and task names repeat in every slice). file_mu_ held.
  const std::string& quoted(const std::string& text);
  const std::string& decimal(pid_t pid);  // a worker's pid as text, made once; file_mu_ held

  // A call's slice, kept as it came: the hook runs on the stage's pool
  // thread, between two of its calls (holding the run's observer lock), so
  // it only stores it; the progress sample (or the end) writes it, under
  // another lock.
  struct Slice {
    std::string stage;
    ChunkRun run;
  };
  std::mutex slices_mu_;
  std::vector<Slice> slices_;  // guarded by slices_mu_

  std::FILE* file_ = nullptr;  // open from run_started to close
  std::string path_;
  std::mutex file_mu_;  // the file and what is written to it
  bool first_ = true;
  bool failed_ = false;
  const pid_t host_pid_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::set<pid_t> named_;  // worker tracks given a name
  std::map<std::string, std::string> quoted_;  // see quoted(); guarded by file_mu_
  std::map<pid_t, std::string> decimals_;      // see decimal(); guarded by file_mu_
};

}  // namespace ferry::cli
