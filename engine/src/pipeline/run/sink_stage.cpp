// The sink stage: takes items from the last queue and writes them through
// the sink's connector, batch by batch, keeping a journal's record in step.
#include <limits>
#include <set>
#include <stdexcept>

#include <ferry/codec.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/run/host_stages.hpp"
#include "pipeline/run/journal.hpp"
#include "pipeline/run/stream_check.hpp"

namespace ferry::pipeline {
namespace {

// Follows which origins the written items open and close. A point where no
// origin is half written is safe: a restart may cut the file back to it.
class CommitTracker {
 public:
  // Call after each item, with the output's length once it is written.
  void after(const Provenance& p, std::uint64_t length) {
    if (p.role == Provenance::Role::opens) open_.insert(p.origin);
    if (p.role == Provenance::Role::closes) close(p.origin);
    for (auto o : p.opens()) open_.insert(o);
    for (auto o : p.closes()) close(o);
    if (open_.empty()) safe_at(length);
  }
  // As after for each item of a plain run (n items closing the origins
  // from first on), with the output's length once the last is written.
  void after_run(std::uint64_t first, std::uint64_t n, std::uint64_t length) {
    for (std::uint64_t o = first; o < first + n; ++o) close(o);
    if (open_.empty()) safe_at(length);
  }
  // Hands what became safe to the journal.
  void commit(Journal& journal) {
    if (!committable_.empty()) journal.commit(safe_length_, committable_);
    committable_.clear();
  }

 private:
  void close(std::uint64_t origin) {
    if (!open_.empty()) open_.erase(origin);
    pending_.push_back(origin);
  }
  void safe_at(std::uint64_t length) {
    safe_length_ = length;
    committable_.insert(committable_.end(), pending_.begin(), pending_.end());
    pending_.clear();
  }
  std::set<std::uint64_t> open_;
  std::vector<std::uint64_t> pending_, committable_;
  std::uint64_t safe_length_ = 0;
};

}  // namespace

void run_sink(const StagePlan& plan, std::size_t index, ItemQueue& in, RunControl& control, const SinkIo& io,
              Journal* journal) {
  auto& counters = control.counters(index);
  const SinkConfig& sink = *plan.stage->sink;
  const std::string& name = plan.stage->name;
  const bool inline_records = sink.kind().takes_error_records;
  std::unique_ptr<SinkWriter> writer;
  try {
    SinkIo own = io;
    if (journal) own.resume_at = journal->resume_offset();
    writer = sink.open(own);
  } catch (const std::exception& e) {
    return control.fail("sink '" + name + "': " + e.what());
  }
  // An item goes to the sink; an error record to its errors: output, else
  // into the sink when it takes records, else to stderr as a JSON line.
  const auto write_one = [&](const Item& item) {
    if (item.error_record && item.dead_letter) return control.dead_letters().write(item);
    if (!item.error_record || inline_records) return writer->add_encoded(item.bytes);
    if (!write_all(io.err, to_json(codec::decode_value(item.bytes)) + '\n'))
      throw std::runtime_error("cannot write an error record to stderr: " + write_failure());
  };
  CommitTracker tracker;
  std::vector<Item> items;
  PlainRun run;
  std::vector<std::uint64_t> closed;  // origins whose last item is in this batch
  std::uint64_t position = 0;
  // Batches whole, as the stage before pushed them, however large.
  while (in.pop(run, items, 4096, std::numeric_limits<std::size_t>::max())) {
    const std::uint64_t done = run.empty() ? count_items(items) : run.size();
    if (counters.items_in.fetch_add(done) == 0) counters.started_ns = control.now_ns();
    try {
      for (std::size_t i = 0; i < run.size(); ++i, ++position) writer->add_encoded(run.items[i]);
      if (!run.empty()) {
        if (journal) tracker.after_run(run.first_origin, run.size(), writer->length());
        for (std::uint64_t o = run.first_origin; o < run.first_origin + run.size(); ++o) closed.push_back(o);
      }
      for (auto& item : items) {
        if (!item.tombstone) write_one(item);
        if (journal) tracker.after(item.from, writer->length());
        if (item.from.role == Provenance::Role::closes) closed.push_back(item.from.origin);
        closed.insert(closed.end(), item.from.closes().begin(), item.from.closes().end());
        ++position;
      }
    } catch (const std::exception& e) {
      return control.fail("sink '" + name + "': item " + std::to_string(position) + ": " + e.what());
    }
    // The output holds the bytes before the journal says so.
    try {
      writer->flush();
    } catch (const std::exception& e) {
      return control.fail("sink '" + name + "': " + e.what());
    }
    try {
      if (journal) tracker.commit(*journal);
      control.written(closed);  // the source acknowledges them, if it wants to
    } catch (const std::exception& e) {
      return control.fail(e.what());
    }
    closed.clear();
    counters.items_out += done;
    control.observer().items_done(name, done);
  }
  try {
    writer->close();
  } catch (const std::exception& e) {
    return control.fail("sink '" + name + "': " + e.what());
  }
  counters.finished_ns = control.now_ns();
}

}  // namespace ferry::pipeline
