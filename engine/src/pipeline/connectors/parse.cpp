#include "pipeline/connectors/parse.hpp"
#include "pipeline/spec/yaml_reading.hpp"

#include <algorithm>

#include "pipeline/connectors/table.hpp"
#include "values/type_expr.hpp"

namespace ferry::pipeline {

std::string SourceConfig::not_resumable() const { return {}; }
std::string SinkConfig::refuses(const types::TypeExpr&) const { return {}; }

namespace {

std::vector<std::string> source_keys() {
  std::vector<std::string> keys;
  for (const auto& k : source_kinds()) keys.emplace_back(k.key);
  return keys;
}

// The sink kinds allowed here: all, or those that take error records.
std::vector<const SinkKind*> sink_choices(bool errors_only) {
  std::vector<const SinkKind*> out;
  for (const auto& k : sink_kinds())
    if (!errors_only || k.takes_error_records) out.push_back(&k);
  return out;
}

// "stdout, {file: PATH} or {dict: NAME}".
std::string shapes(const std::vector<const SinkKind*>& kinds) {
  std::vector<std::string> words;
  for (const auto* k : kinds) words.emplace_back(k->shape);
  return detail::join(words, " or ");
}

// A sink kind written as a bare word or as {key: value}; what names "a
// sink" or "errors" in messages.
std::shared_ptr<const SinkConfig> parse_sink_like(detail::Context& cx, const Pipeline& pipeline,
                                                  const YAML::Node& node, const std::string& label,
                                                  const std::string& what, bool errors_only) {
  const auto kinds = sink_choices(errors_only);
  static const std::vector<detail::Entry> no_extra;
  if (node.IsScalar()) {
    for (const auto* k : kinds)
      if (k->bare && node.Scalar() == k->key) return k->parse(*k, {cx, pipeline, node, no_extra, label});
  }
  if (!node.IsMap()) {
    cx.problem(node, what + " must be " + shapes(kinds) + ", got " + detail::describe(node));
    return nullptr;
  }
  std::vector<std::string> keys;
  for (const auto* k : kinds)
    if (!k->bare) keys.emplace_back(k->key);
  const auto items = detail::entries(cx, node);
  detail::check_keys(cx, items, keys, "in " + label);
  const detail::Entry* entry = detail::one_kind(cx, node, items, keys, what);
  if (!entry) return nullptr;
  const SinkKind* kind = find_sink_kind(entry->key);
  return kind->parse(*kind, {cx, pipeline, entry->value, no_extra, label});
}

}  // namespace

std::string source_kind_list(const std::string& last) { return detail::join(source_keys(), last); }

ParsedSource parse_source(detail::Context& cx, const Pipeline& pipeline, const YAML::Node& node,
                          const std::string& label) {
  ParsedSource out;
  if (!node.IsMap()) {
    std::vector<std::string> shapes;
    for (const auto& k : source_kinds()) shapes.emplace_back(k.shape);
    cx.problem(node, "a source must be a mapping: " + detail::join(shapes, " or ") + "; got " + detail::describe(node));
    return out;
  }
  const auto items = detail::entries(cx, node);
  const auto keys = source_keys();
  auto allowed = keys;
  for (const auto& k : source_kinds())
    for (const auto& extra : k.extra_keys)
      if (std::find(allowed.begin(), allowed.end(), extra) == allowed.end()) allowed.push_back(extra);
  detail::check_keys(cx, items, allowed, "in " + label);
  const detail::Entry* entry = detail::one_kind(cx, node, items, keys, "a source");
  if (entry) out.kind = find_source_kind(entry->key);
  // Keys that belong to another kind ("args" without task:).
  std::vector<detail::Entry> extra;
  for (const auto& e : items) {
    if (std::find(keys.begin(), keys.end(), e.key) != keys.end()) continue;
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) continue;  // reported above
    const auto& own = out.kind ? out.kind->extra_keys : std::vector<std::string>{};
    if (std::find(own.begin(), own.end(), e.key) != own.end()) {
      extra.push_back(e);
      continue;
    }
    for (const auto& k : source_kinds())
      if (std::find(k.extra_keys.begin(), k.extra_keys.end(), e.key) != k.extra_keys.end()) {
        cx.problem(e.key_node, e.key + " is only for a " + std::string(k.key) + " source: " + std::string(k.shape));
        break;
      }
  }
  if (out.kind) out.config = out.kind->parse(*out.kind, {cx, pipeline, entry->value, extra, label});
  return out;
}

std::shared_ptr<const SinkConfig> parse_sink(detail::Context& cx, const Pipeline& pipeline, const YAML::Node& node,
                                             const std::string& label) {
  return parse_sink_like(cx, pipeline, node, label, "a sink", false);
}

std::shared_ptr<const SinkConfig> parse_errors_output(detail::Context& cx, const Pipeline& pipeline,
                                                      const YAML::Node& node, const std::string& label) {
  return parse_sink_like(cx, pipeline, node, "errors: of " + label, "an errors: output", true);
}

}  // namespace ferry::pipeline
