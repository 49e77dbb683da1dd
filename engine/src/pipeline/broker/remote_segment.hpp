// A segment of task stages run by the broker's workers, in the place of the
// TaskStages a local run has: it numbers the items it reads (origins) and
// sends them in chunks to the segment's first stream, keeping at most a
// window of items in flight; a reader thread takes what the last stage
// writes, drops duplicates, waits for every origin to be complete and
// passes results on in the local run's order, with the provenance and
// error-record positions a local run gives them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pipeline/broker/broker_session.hpp"
#include "pipeline/broker/segment_assembler.hpp"
#include "pipeline/run/item_queue.hpp"
#include "pipeline/run/run_control.hpp"

namespace ferry::pipeline {

class RemoteSegment {
 public:
  // out may be null: the segment ends the pipeline without a sink.
  RemoteSegment(const Plan& plan, Segment segment, BrokerSession& session, ItemQueue& in, ItemQueue* out,
                RunControl& control);
  ~RemoteSegment();  // after run() returned, or without it having run
  RemoteSegment(const RemoteSegment&) = delete;
  RemoteSegment& operator=(const RemoteSegment&) = delete;

  // Sends until the input is drained, then waits until every result has
  // been passed on (or the run stopped). Call from one thread.
  void run();

 private:
  struct Sent {
    std::string payload;
    std::size_t open = 0;  // origins not yet complete
  };

  void send(std::vector<Item>& items);
  void read_loop();
  // Reads what arrived on the out stream into the assembler; false once the
  // run must stop (a stage failed it).
  bool read_some(broker::RedisClient& client);
  void resend_all(broker::RedisClient& client);
  // Passes complete origins on, in order; false when the next queue is gone.
  bool emit();
  std::vector<Item> items_of(SegmentAssembler::Done& done);
  void fix_record(broker::EntryItem& leaf, const std::vector<broker::EntryItem>& leaves);

  const Plan& plan_;
  const Segment segment_;
  BrokerSession& session_;
  ItemQueue& in_;
  ItemQueue* out_;
  RunControl& control_;
  const std::string in_stream_, out_stream_;
  const std::size_t window_;
  const std::size_t chunksize_;  // the first stage's; 0: adapt to the queue
  std::unique_ptr<broker::RedisClient> sender_, reader_client_;

  std::mutex mu_;
  std::condition_variable changed_;
  SegmentAssembler assembler_;                         // guarded by mu_
  std::map<std::uint64_t, Sent> sent_;                 // by chunk number; guarded by mu_
  std::unordered_map<std::uint64_t, std::uint64_t> chunk_of_;  // origin -> chunk; guarded by mu_
  std::unordered_map<std::uint64_t, Provenance> from_;  // origin -> its input's provenance; guarded by mu_
  std::uint64_t next_origin_ = 0;                      // sender only
  std::uint64_t next_chunk_ = 0;                       // sender only
  bool input_done_ = false;                            // guarded by mu_
  std::mutex emit_mu_;  // keeps emitted batches in the order taken
  std::string last_id_ = "0-0";  // of the out stream; reader only
  std::vector<std::uint64_t> entering_base_;  // per stage of the segment: items that entered before; emit_mu_
  std::thread reader_;
};

}  // namespace ferry::pipeline
