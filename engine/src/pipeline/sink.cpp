// The sinks: JSON lines to stdout or a file, or entries of a shared dict.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/manager_protocol.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/host_stages.hpp"
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

void run_sink(const StagePlan& plan, std::size_t index, ItemQueue& in, RunControl& control, SinkTargets& targets) {
  auto& counters = control.counters(index);
  const Sink& sink = plan.stage->sink;
  const std::string& name = plan.stage->name;
  std::ofstream file;
  std::ostream* os = &targets.out;
  std::string target = "stdout";
  if (sink.kind == Sink::Kind::file) {
    target = sink.path;
    file.open(sink.path, std::ios::binary | std::ios::trunc);
    if (!file) return control.fail("sink '" + name + "': cannot create " + sink.path + ": " + std::strerror(errno));
    os = &file;
  }
  std::optional<DictWriter> dict;
  if (sink.kind == Sink::Kind::dict) dict.emplace(plan, targets.manager);

  std::vector<Item> items;
  std::string text;
  std::uint64_t position = 0;
  while (in.pop(items, 4096)) {
    if (counters.items_in.fetch_add(items.size()) == 0) counters.started_ns = control.now_ns();
    text.clear();
    try {
      for (auto& item : items) {
        const Value v = codec::decode_value(item.bytes);
        if (!dict) {
          text += to_json(v);
          text += '\n';
        } else if (item.error_record) {
          targets.errors << to_json(v) << '\n';
        } else {
          dict->add(v);
        }
        ++position;
      }
      if (dict) dict->flush();
    } catch (const std::exception& e) {
      return control.fail("sink '" + name + "': item " + std::to_string(position) + ": " + e.what());
    }
    if (!text.empty() && !os->write(text.data(), static_cast<std::streamsize>(text.size())))
      return control.fail("sink '" + name + "': cannot write to " + target);
    counters.items_out += items.size();
  }
  if (!os->flush()) return control.fail("sink '" + name + "': cannot write to " + target);
  counters.finished_ns = control.now_ns();
}

}  // namespace ferry::pipeline
