// The sinks: JSON lines to stdout or a file, or entries of a shared dict.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <set>
#include <stdexcept>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/manager_protocol.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/run/host_stages.hpp"
#include "pipeline/run/journal.hpp"
#include "pipeline/run/stream_check.hpp"
#include "values/type_expr.hpp"
#include "values/typed_value.hpp"

namespace ferry::pipeline {
namespace {

// Writes [key, value] pairs (or maps, merged) into a shared dict, one
// manager call per batch of items.
class DictWriter {
 public:
  DictWriter(const StagePlan& plan, std::shared_ptr<ManagerLink> link) : link_(std::move(link)) {
    request_.op = manager::Op::dict_update;
    request_.name = plan.stage->sink.dict;
    request_.type = "dict<" + plan.key_type + "," + plan.value_type + ">";
    key_ = *types::parse_type(plan.key_type);
    value_ = *types::parse_type(plan.value_type);
  }
  // Throws ferry::ValueError when v is not a pair or a map, or does not fit.
  void add(const Value& v) {
    if (v.is_map()) {
      for (const auto& [k, e] : v.as_map()) put(Value(k), e);
    } else if (v.is_list() && v.as_list().size() == 2) {
      put(v.as_list()[0], v.as_list()[1]);
    } else {
      throw ValueError("a dict sink takes [key, value] pairs or maps, got " + to_json(v));
    }
  }
  void flush() {
    if (request_.args.empty()) return;
    const auto reply = link_->call(request_);
    request_.args.clear();
    if (reply.status != manager::Status::ok) throw ManagerError("dict '" + request_.name + "': " + reply.error);
  }

 private:
  void put(const Value& k, const Value& v) {
    request_.args.push_back(types::encode_typed(key_, k));
    request_.args.push_back(types::encode_typed(value_, v));
  }
  std::shared_ptr<ManagerLink> link_;
  manager::Request request_;
  types::TypeExpr key_, value_;
};

}  // namespace

namespace {

// Follows which origins the written items open and close. A point where no
// origin is half written is safe: a restart may cut the file back to it.
class CommitTracker {
 public:
  // Call after each item, with the file length once it is written.
  void after(const Provenance& p, std::uint64_t length) {
    if (p.role == Provenance::Role::opens) open_.insert(p.origin);
    if (p.role == Provenance::Role::closes) close(p.origin);
    for (auto o : p.opens) open_.insert(o);
    for (auto o : p.closes) close(o);
    if (open_.empty()) {
      safe_length_ = length;
      committable_.insert(committable_.end(), pending_.begin(), pending_.end());
      pending_.clear();
    }
  }
  // Hands what became safe to the journal.
  void commit(Journal& journal) {
    if (!committable_.empty()) journal.commit(safe_length_, committable_);
    committable_.clear();
  }

 private:
  void close(std::uint64_t origin) {
    open_.erase(origin);
    pending_.push_back(origin);
  }
  std::set<std::uint64_t> open_;
  std::vector<std::uint64_t> pending_, committable_;
  std::uint64_t safe_length_ = 0;
};

// Opens a file sink: from scratch, or cut back to what the journal
// recorded and appended to.
bool open_sink_file(std::ofstream& file, const std::string& path, const Journal* journal) {
  if (!journal) {
    file.open(path, std::ios::binary | std::ios::trunc);
    return static_cast<bool>(file);
  }
  if (::truncate(path.c_str(), static_cast<off_t>(journal->resume_offset())) != 0 && errno != ENOENT) return false;
  file.open(path, std::ios::binary | std::ios::app);
  return static_cast<bool>(file);
}

}  // namespace

void run_sink(const StagePlan& plan, std::size_t index, ItemQueue& in, RunControl& control, SinkTargets& targets) {
  auto& counters = control.counters(index);
  const Sink& sink = plan.stage->sink;
  const std::string& name = plan.stage->name;
  std::ofstream file;
  std::ostream* os = &targets.out;
  std::string target = "stdout";
  std::uint64_t length = 0;  // of the file sink
  if (sink.kind == Sink::Kind::file) {
    target = sink.path;
    if (!open_sink_file(file, sink.path, targets.journal))
      return control.fail("sink '" + name + "': cannot open " + sink.path + ": " + std::strerror(errno));
    os = &file;
    if (targets.journal) length = targets.journal->resume_offset();
  }
  const auto cannot_write = [&] {
    control.fail("sink '" + name + "': cannot write to " + target + ": " + write_failure());
  };
  std::optional<DictWriter> dict;
  if (sink.kind == Sink::Kind::dict) dict.emplace(plan, targets.manager);
  CommitTracker tracker;

  std::vector<Item> items;
  std::string text;
  std::uint64_t position = 0;
  while (in.pop(items, 4096)) {
    if (counters.items_in.fetch_add(count_items(items)) == 0) counters.started_ns = control.now_ns();
    text.clear();
    try {
      for (auto& item : items) {
        if (!item.tombstone) {
          const Value v = codec::decode_value(item.bytes);
          if (!dict) {
            text += to_json(v);
            text += '\n';
          } else if (item.error_record) {
            if (!write_all(targets.errors, to_json(v) + '\n'))
              throw std::runtime_error("cannot write an error record to stderr: " + write_failure());
          } else {
            dict->add(v);
          }
        }
        if (targets.journal) tracker.after(item.from, length + text.size());
        ++position;
      }
      if (dict) dict->flush();
    } catch (const std::exception& e) {
      return control.fail("sink '" + name + "': item " + std::to_string(position) + ": " + e.what());
    }
    // The file holds the bytes before the journal says so. Each batch is
    // handed on at once (write_all flushes): a reader following the file or
    // the pipe sees results as they come, and a journal never runs ahead.
    if (!write_all(*os, text)) return cannot_write();
    length += text.size();
    if (targets.journal) {
      try {
        tracker.commit(*targets.journal);
      } catch (const std::exception& e) {
        return control.fail(e.what());
      }
    }
    const auto done = count_items(items);
    counters.items_out += done;
    control.observer().items_done(name, done);
  }
  if (!write_all(*os, {})) return cannot_write();
  // close() writes nothing more after the flush, but on a network file
  // system it is where a failed write is reported.
  if (file.is_open()) {
    errno = 0;
    file.close();
    if (file.fail()) return cannot_write();
  }
  counters.finished_ns = control.now_ns();
}

}  // namespace ferry::pipeline
