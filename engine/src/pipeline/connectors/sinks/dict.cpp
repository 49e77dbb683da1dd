// sink: {dict: NAME}: [key, value] pairs (or maps, merged) stored into a
// shared dict declared under shared:, one manager call per batch.
#include <ferry/errors.hpp>
#include <ferry/manager_protocol.hpp>
#include <ferry/shared.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/spec/yaml_reading.hpp"
#include "values/type_expr.hpp"
#include "values/typed_value.hpp"

namespace ferry::pipeline {
namespace {

class DictWriter final : public SinkWriter {
 public:
  DictWriter(const std::string& name, const std::string& key_type, const std::string& value_type,
             std::shared_ptr<ManagerLink> link)
      : link_(std::move(link)), key_(types::type_or_named(key_type)), value_(types::type_or_named(value_type)) {
    request_.op = manager::Op::dict_update;
    request_.name = name;
    request_.type = "dict<" + key_type + "," + value_type + ">";
  }
  // Throws ferry::ValueError when v is not a pair or a map, or does not fit.
  void add(const Value& v) override {
    if (v.is_map()) {
      for (const auto& [k, e] : v.as_map()) put(Value(k), e);
    } else if (v.is_list() && v.as_list().size() == 2) {
      put(v.as_list()[0], v.as_list()[1]);
    } else {
      throw ValueError("a dict sink takes [key, value] pairs or maps, got " + to_json(v));
    }
  }
  void flush() override {
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

class DictSink final : public SinkConfig {
 public:
  DictSink(const SinkKind& kind, const SharedDecl& decl)
      : SinkConfig(kind), name_(decl.name), key_type_(decl.key_type), value_type_(decl.item_type) {}
  std::string refuses(const types::TypeExpr& t) const override {
    using Kind = types::TypeExpr::Kind;
    std::string why;
    if (t.kind == Kind::tuple && t.args.size() == 2) {
      if (types::fits(t.args[0], types::type_or_named(key_type_), &why) == types::Fit::no) return "key: " + why;
      if (types::fits(t.args[1], types::type_or_named(value_type_), &why) == types::Fit::no) return "value: " + why;
      return {};
    }
    if (t.kind != Kind::list && t.kind != Kind::map && t.kind != Kind::any)
      return "a dict sink takes [key, value] pairs or maps";
    return {};
  }
  std::unique_ptr<SinkWriter> open(const SinkIo& io) const override {
    return std::make_unique<DictWriter>(name_, key_type_, value_type_, io.manager);
  }
  std::string target() const override { return "dict<" + key_type_ + "," + value_type_ + ">"; }

 private:
  std::string name_, key_type_, value_type_;
};

std::unique_ptr<SinkConfig> parse_dict_sink(const SinkKind& kind, const ConnectorParse& p) {
  const auto text = detail::text_of(p.value);
  if (!text) {
    p.cx.problem(p.value, "sink dict must be the name of a shared dict, got " + detail::describe(p.value));
    return nullptr;
  }
  detail::check_dict_ref(p.cx, p.value, *text, p.pipeline, "sink dict");
  for (const auto& d : p.pipeline.shared)
    if (d.name == *text && d.kind == SharedDecl::Kind::dict) return std::make_unique<DictSink>(kind, d);
  return nullptr;  // check_dict_ref said why
}

}  // namespace

SinkKind dict_sink() { return {"dict", "{dict: NAME}", false, false, false, parse_dict_sink}; }

}  // namespace ferry::pipeline
