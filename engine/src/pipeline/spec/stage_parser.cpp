// One item of stages:: its name, its kind (source, map, ..., sink), the
// kind's value and its settings. Sources and sinks are read through the
// connector table; checks that need the whole list (order, unique names)
// are in loader.cpp.
#include <algorithm>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/connectors/parse.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline::detail {
namespace {

const std::vector<std::string> kKinds = {"source", "map", "starmap", "flat_map", "apply", "batch", "sink"};

// Parses one stage; the pipeline gives the declared plugins and shared objects.
class StageParser {
 public:
  StageParser(Context& cx, const Pipeline& pipeline, Stage& stage) : cx_(cx), p_(pipeline), st_(stage) {}

  // Fills the stage from its mapping; returns whether it has a usable kind.
  bool parse(const YAML::Node& node, std::size_t index, Location& key_where) {
    const auto items = entries(cx_, node);
    const auto name = std::find_if(items.begin(), items.end(), [](const Entry& e) { return e.key == "name"; });
    label_ = "stage #" + std::to_string(index + 1);
    if (name == items.end()) {
      cx_.problem(node, label_ + " has no name: (every stage needs a unique name)");
    } else if (auto text = text_of(name->value); text && is_name(*text, false)) {
      st_.name = *text;
      st_.name_where = cx_.locator.at(name->value);
      label_ = "stage '" + st_.name + "'";
    } else {
      cx_.problem(name->value, "stage name must be letters, digits, '_' or '-', got " + describe(name->value));
    }
    std::vector<std::string> allowed = {"name"};
    allowed.insert(allowed.end(), kKinds.begin(), kKinds.end());
    allowed.insert(allowed.end(), setting_keys().begin(), setting_keys().end());
    allowed.push_back("errors");
    check_keys(cx_, items, allowed, "in " + label_);

    const Entry* kind = one_kind(cx_, node, items, kKinds, "a stage");
    bool known = kind != nullptr;
    if (kind) {
      key_where = cx_.locator.at(kind->key_node);
      st_.kind_where = cx_.locator.at(kind->value);
      known = parse_kind(*kind);
    }
    for (const auto& e : items) {
      if (!is_setting(e.key) && e.key != "errors") continue;
      if (known && !st_.runs_tasks()) {
        cx_.problem(e.key_node, "setting '" + e.key + "' does not apply to " + label_ + ": " + runs_no_task() +
                                    " runs no task (settings are for map, starmap, flat_map, apply and task sources)");
        continue;
      }
      if (e.key == "errors") {
        st_.errors = parse_errors_output(cx_, p_, e.value, label_);
        continue;
      }
      parse_setting(cx_, e, st_.settings);
      if (e.key == "workers") st_.workers_where = cx_.locator.at(e.value);
    }
    return kind != nullptr;
  }

 private:
  // The kind's value; false when the kind itself is unclear (a source
  // naming no source kind), so settings are not judged against it.
  bool parse_kind(const Entry& e) {
    const auto& k = e.key;
    if (k == "source") {
      st_.kind = Stage::Kind::source;
      auto parsed = parse_source(cx_, p_, e.value, "the source of " + label_);
      st_.source = std::move(parsed.config);
      source_kind_ = parsed.kind;
      return parsed.kind != nullptr;
    }
    if (k == "sink") {
      st_.kind = Stage::Kind::sink;
      st_.sink = parse_sink(cx_, p_, e.value, "the sink of " + label_);
    } else if (k == "batch") {
      st_.kind = Stage::Kind::batch;
      const auto n = int_of(e.value);
      if (n && *n >= 1)
        st_.batch = static_cast<std::size_t>(*n);
      else
        cx_.problem(e.value, "batch must be an integer >= 1, got " + describe(e.value));
    } else {
      st_.kind = k == "map"       ? Stage::Kind::map
                 : k == "starmap" ? Stage::Kind::starmap
                 : k == "flat_map" ? Stage::Kind::flat_map
                                   : Stage::Kind::apply;
      st_.task = parse_task_ref(cx_, e.value, k, p_);
    }
    return true;
  }

  // "a sink", "a batch stage", "a range source": what a stage without a task is.
  std::string runs_no_task() const {
    if (st_.kind == Stage::Kind::sink) return "a sink";
    if (st_.kind == Stage::Kind::batch) return "a batch stage";
    return "a " + std::string(source_kind_ ? source_kind_->key : "host") + " source";
  }

  Context& cx_;
  const Pipeline& p_;
  Stage& st_;
  const SourceKind* source_kind_ = nullptr;
  std::string label_;  // "stage 'check'", or "stage #2" while it has no name
};

}  // namespace

ParsedStage parse_stage(Context& cx, const YAML::Node& node, std::size_t index, const Pipeline& pipeline) {
  ParsedStage out;
  out.stage.where = cx.locator.at(node);
  if (!node.IsMap()) {
    cx.problem(node, "stage #" + std::to_string(index + 1) + " must be a mapping with name: and one of " +
                         join(kKinds, ", ") + "; got " + describe(node));
    return out;
  }
  out.has_kind = StageParser(cx, pipeline, out.stage).parse(node, index, out.key_where);
  return out;
}

}  // namespace ferry::pipeline::detail
