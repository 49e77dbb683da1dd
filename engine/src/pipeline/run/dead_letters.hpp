// The errors: outputs of a run: where error records (on_error: collect) of
// stages that have one go instead of the sink. One writer per output,
// opened when the run starts. The sink's thread writes (or the last
// stage's, when no sink follows); a mutex keeps any thread safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/run/item_queue.hpp"

namespace ferry::pipeline {

class DeadLetters {
 public:
  // Opens outputs (Plan::dead_letters, in order); throws ferry::Error naming
  // the output that cannot be opened. fail stops the run when a write fails.
  void open(const std::vector<std::shared_ptr<const SinkConfig>>& outputs, const SinkIo& io,
            std::function<void(const std::string&)> fail);
  // Writes record (an error record with dead_letter != 0). Throws
  // ferry::Error when the output cannot be written.
  void write(const Item& record);
  // Writes every error record of items that has an output; false (and the
  // run stopped) when one could not be written.
  bool take(const std::vector<Item>& items);
  // Ends every output; false (and the run stopped) when one fails.
  bool close();

 private:
  struct Output {
    std::shared_ptr<const SinkConfig> config;
    std::unique_ptr<SinkWriter> writer;
  };
  std::mutex mu_;
  std::vector<Output> outputs_;  // guarded by mu_
  std::function<void(const std::string&)> fail_;
};

}  // namespace ferry::pipeline
