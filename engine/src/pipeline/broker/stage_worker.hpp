// One task stage of one distributed run, served by this `ferry worker`: a
// reader takes entries from the stage's stream (as a member of its consumer
// group), a TaskStage runs their items on a local pool exactly as a local
// run does (timeouts, retries, memory limits, crash isolation, on_error),
// and a collector gathers each entry's results and finishes the entry in
// one atomic step (scripts::finish), writing them to the next stream.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "broker/entry.hpp"
#include "broker/redis_client.hpp"
#include "pipeline/broker/remote_plan.hpp"
#include "pipeline/run/item_queue.hpp"
#include "pipeline/run/run_control.hpp"
#include "pipeline/run/task_stage.hpp"

namespace ferry::pipeline {

class StageWorker {
 public:
  StageWorker(const broker::RedisUrl& url, std::shared_ptr<broker::BrokerHealth> health, const RemotePlan& plan,
              const RemoteStage& stage, const Plugin& plugin, std::size_t workers, std::string consumer,
              PipelineObserver* observer = nullptr);
  ~StageWorker();  // stops now (terminate) if still running
  StageWorker(const StageWorker&) = delete;
  StageWorker& operator=(const StageWorker&) = delete;

  // Entries held now, by stream, to keep fresh.
  std::map<std::string, std::vector<std::string>> held_ids();
  // Stops reading; what is held is finished, then the stage ends.
  void drain();
  // Stops now: running tasks are killed and what is held is left to be
  // reclaimed by others.
  void terminate();
  // The stage has ended (drained, terminated, failed the run, or its run
  // is gone).
  bool finished() const { return finished_.load(); }
  const RemoteStage& stage() const { return stage_; }
  std::size_t held();

 private:
  struct Held {
    std::string stream;  // the stage's stream, or its suspects stream
    std::string id;
    std::size_t remaining = 0;
    std::vector<broker::EntryItem> results;
  };
  struct Local {  // one item of a held entry, as the TaskStage knows it
    std::uint64_t entry = 0;
    broker::EntryItem meta;  // origin, path, flags, made_at (no bytes)
    std::uint32_t produced = 0;
  };

  // Registers an entry read from stream and queues its items.
  void accept(const std::string& stream, const std::string& id, const std::string& payload);
  // Reads up to count entries of stream (waiting up to block ms, 0: not at
  // all) and accepts them; false when the run's keys are gone.
  bool read(const std::string& stream, int count, int block);
  void read_loop();
  void collect_loop();
  void wait_all();

  const RemoteStage stage_;
  const std::string alive_key_;
  const std::string consumer_;
  const std::size_t max_held_;
  Stage stage_holder_;
  StagePlan stage_plan_;
  RunControl control_;
  ItemQueue in_, out_;
  std::unique_ptr<broker::RedisClient> reader_client_, collector_client_;

  std::mutex mu_;
  std::condition_variable room_;
  std::map<std::uint64_t, Held> held_;              // guarded by mu_
  std::unordered_map<std::uint64_t, Local> locals_;  // guarded by mu_
  std::uint64_t next_entry_ = 0, next_local_ = 0;    // guarded by mu_
  bool suspect_held_ = false;  // a suspect is held: nothing else is taken; guarded by mu_
  std::atomic<bool> reading_{true};
  std::atomic<bool> terminating_{false};
  std::atomic<bool> finished_{false};
  std::unique_ptr<TaskStage> task_stage_;
  std::thread stage_thread_, reader_, collector_;
};

}  // namespace ferry::pipeline
