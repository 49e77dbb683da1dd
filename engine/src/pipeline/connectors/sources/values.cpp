// source: {values: [...]}: inline YAML values, one item each, checked one
// by one against the next task's parameter.
#include <ferry/codec.hpp>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {
namespace {

class ValuesSource final : public SourceConfig {
 public:
  using SourceConfig::SourceConfig;
  SourceItems items() const override { return {SourceItems::Kind::literals, "", &values, &where}; }
  void read(ItemEmitter& out, const SourceIo&) const override {
    for (const auto& v : values)
      if (!out.emit(codec::encode_value(v))) return;
  }
  std::optional<std::uint64_t> size() const override { return values.size(); }
  std::vector<Value> values;
  std::vector<Location> where;  // of each value
};

std::unique_ptr<SourceConfig> parse_values_source(const SourceKind& kind, const ConnectorParse& p) {
  if (!p.value.IsSequence()) {
    p.cx.problem(p.value, "values must be a list (one item per element), got " + detail::describe(p.value));
    return nullptr;
  }
  auto source = std::make_unique<ValuesSource>(kind);
  for (const auto& node : p.value)
    if (auto v = detail::to_value(p.cx, node)) {
      source->values.push_back(std::move(*v));
      source->where.push_back(p.cx.locator.at(node));
    }
  return source;
}

}  // namespace

SourceKind values_source() { return {"values", "{values: [...]}", {}, parse_values_source}; }

}  // namespace ferry::pipeline
