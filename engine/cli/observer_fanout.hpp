// One PipelineObserver that passes every event on to several (the trace
// file, the metrics endpoint): a run takes a single observer.
#pragma once

#include <string>
#include <vector>

#include <ferry/pipeline_observer.hpp>

namespace ferry::cli {

class ObserverFanout : public PipelineObserver {
 public:
  void add(PipelineObserver* o) {
    if (o) observers_.push_back(o);
  }
  bool empty() const { return observers_.empty(); }

  void run_started(const std::string& p, const std::vector<std::string>& s) override {
    for (auto* o : observers_) o->run_started(p, s);
  }
  void stage_started(const std::string& s) override {
    for (auto* o : observers_) o->stage_started(s);
  }
  void items_done(const std::string& s, std::uint64_t n) override {
    for (auto* o : observers_) o->items_done(s, n);
  }
  void item_failed(const std::string& s, std::optional<std::uint64_t> i, const std::string& e, ItemAction a) override {
    for (auto* o : observers_) o->item_failed(s, i, e, a);
  }
  void worker_started(const std::string& s, pid_t pid) override {
    for (auto* o : observers_) o->worker_started(s, pid);
  }
  void chunk_finished(const std::string& s, const ChunkRun& r) override {
    for (auto* o : observers_) o->chunk_finished(s, r);
  }
  void worker_replaced(const std::string& s, pid_t pid, WorkerLoss c, const std::string& d) override {
    for (auto* o : observers_) o->worker_replaced(s, pid, c, d);
  }
  void stage_finished(const std::string& s, const StageStats& st) override {
    for (auto* o : observers_) o->stage_finished(s, st);
  }
  void run_finished(const PipelineStats& st) override {
    for (auto* o : observers_) o->run_finished(st);
  }

 private:
  std::vector<PipelineObserver*> observers_;
};

}  // namespace ferry::cli
