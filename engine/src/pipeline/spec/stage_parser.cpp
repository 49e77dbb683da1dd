// One item of stages:: its name, its kind (source, map, ..., sink), the
// kind's value and its settings. Checks that need the whole list (order,
// unique names) are in loader.cpp.
#include <algorithm>
#include <filesystem>

#include "pipeline/spec/yaml_reading.hpp"

namespace fs = std::filesystem;

namespace ferry::pipeline::detail {
namespace {

const std::vector<std::string> kKinds = {"source", "map", "starmap", "flat_map", "apply", "batch", "sink"};
const std::vector<std::string> kSourceKinds = {"values", "range", "lines", "json_lines", "task"};
const std::vector<std::string> kSinkKinds = {"file", "dict"};

// The entries whose key is one of kinds, in order.
std::vector<const Entry*> kind_entries(const std::vector<Entry>& items, const std::vector<std::string>& kinds) {
  std::vector<const Entry*> out;
  for (const auto& e : items)
    if (std::find(kinds.begin(), kinds.end(), e.key) != kinds.end()) out.push_back(&e);
  return out;
}

// The one kind entry of a mapping; a problem when there is none or several
// ("a stage needs exactly one of ...; found map and starmap").
const Entry* one_kind(Context& cx, const YAML::Node& map, const std::vector<Entry>& items,
                      const std::vector<std::string>& kinds, const std::string& what) {
  const auto found = kind_entries(items, kinds);
  const std::string needs = what + " needs exactly one of " + join(kinds, ", ") + "; found ";
  if (found.empty()) {
    cx.problem(map, needs + "none");
    return nullptr;
  }
  if (found.size() > 1) {
    std::vector<std::string> keys;
    for (const auto* e : found) keys.push_back(e->key);
    cx.problem(found[1]->key_node, needs + join(keys));
  }
  return found.front();
}

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
    check_keys(cx_, items, allowed, "in " + label_);

    const Entry* kind = one_kind(cx_, node, items, kKinds, "a stage");
    bool known = kind != nullptr;
    if (kind) {
      key_where = cx_.locator.at(kind->key_node);
      st_.kind_where = cx_.locator.at(kind->value);
      known = parse_kind(*kind);
    }
    for (const auto& e : items) {
      if (!is_setting(e.key)) continue;
      if (known && !st_.runs_tasks()) {
        cx_.problem(e.key_node, "setting '" + e.key + "' does not apply to " + label_ + ": " + runs_no_task() +
                                    " runs no task (settings are for map, starmap, flat_map, apply and task sources)");
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
      return source(e.value);
    }
    if (k == "sink") {
      st_.kind = Stage::Kind::sink;
      sink(e.value);
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
      st_.task = task_ref(e.value, k);
    }
    return true;
  }

  // "a sink", "a batch stage", "a range source": what a stage without a task is.
  std::string runs_no_task() const {
    if (st_.kind == Stage::Kind::sink) return "a sink";
    if (st_.kind == Stage::Kind::batch) return "a batch stage";
    return std::string("a ") + kSourceKinds[static_cast<std::size_t>(st_.source.kind)] + " source";
  }

  // "alias.task" whose alias is declared under plugins:.
  TaskRef task_ref(const YAML::Node& node, const std::string& key) {
    TaskRef ref;
    ref.where = cx_.locator.at(node);
    const auto text = text_of(node);
    if (!text) {
      cx_.problem(node, key + " must be a task reference plugin.task, got " + describe(node));
      return ref;
    }
    const auto dot = text->find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == text->size()) {
      cx_.problem(node, "task reference must be plugin.task, got '" + *text + "'");
      return ref;
    }
    ref.plugin = text->substr(0, dot);
    ref.task = text->substr(dot + 1);
    std::vector<std::string> aliases;
    for (const auto& d : p_.plugins) aliases.push_back(d.alias);
    if (std::find(aliases.begin(), aliases.end(), ref.plugin) == aliases.end())
      cx_.problem(node, "'" + ref.plugin + "' is not a plugin alias declared under plugins: (" +
                            (aliases.empty() ? std::string("none declared") : "declared: " + join(aliases, ", ")) +
                            ")");
    return ref;
  }

  // " (looked in DIR)" for a relative path: says where relative paths start.
  std::string looked_in(const std::string& written) const {
    return fs::path(written).is_absolute() ? "" : " (looked in " + cx_.dir + ")";
  }

  // The folder part of a written path ("." for a bare file name).
  static std::string folder(const std::string& written) {
    const auto parent = fs::path(written).parent_path().string();
    return parent.empty() ? "." : parent;
  }

  // source: {values | range | lines | json_lines | task [args]}.
  bool source(const YAML::Node& node) {
    if (!node.IsMap()) {
      cx_.problem(node, "a source must be a mapping: {values: [...]}, {range: [start, stop]}, {lines: FILE}, "
                        "{json_lines: FILE} or {task: plugin.task}; got " + describe(node));
      return false;
    }
    const auto items = entries(cx_, node);
    auto allowed = kSourceKinds;
    allowed.push_back("args");
    check_keys(cx_, items, allowed, "in the source of " + label_);
    const Entry* kind = one_kind(cx_, node, items, kSourceKinds, "a source");
    if (kind) {
      const auto at = std::find(kSourceKinds.begin(), kSourceKinds.end(), kind->key) - kSourceKinds.begin();
      st_.source.kind = static_cast<Source::Kind>(at);
      source_kind(*kind);
    }
    for (const auto& e : items) {
      if (e.key != "args") continue;
      if (!kind || kind->key != "task") {
        cx_.problem(e.key_node, "args is only for a task source: {task: plugin.task, args: [...]}");
      } else if (!e.value.IsSequence()) {
        cx_.problem(e.value, "args must be a list of arguments, got " + describe(e.value));
      } else {
        for (const auto& a : e.value)
          if (auto v = to_value(cx_, a)) st_.source.args.push_back(std::move(*v));
      }
    }
    return kind != nullptr;
  }

  // The value of the source's one kind key.
  void source_kind(const Entry& e) {
    auto& src = st_.source;
    if (e.key == "values") {
      if (!e.value.IsSequence()) {
        cx_.problem(e.value, "values must be a list (one item per element), got " + describe(e.value));
        return;
      }
      for (const auto& item : e.value)
        if (auto v = to_value(cx_, item)) {
          src.values.push_back(std::move(*v));
          src.value_where.push_back(cx_.locator.at(item));
        }
    } else if (e.key == "range") {
      range(e.value);
    } else if (e.key == "task") {
      src.task = task_ref(e.value, "task");
    } else if (const auto text = text_of(e.value); !text) {
      cx_.problem(e.value, e.key + " must be a file path, got " + describe(e.value));
    } else {
      src.path = resolve_path(cx_.dir, *text);
      std::error_code ec;
      const auto status = fs::status(src.path, ec);
      if (!fs::exists(status))
        cx_.problem(e.value, e.key + " file not found: " + *text + looked_in(*text));
      else if (fs::is_directory(status))
        cx_.problem(e.value, e.key + " file is a folder, not a file: " + *text + looked_in(*text));
    }
  }

  // range: [start, stop] or [start, stop, step], integers, step not 0.
  void range(const YAML::Node& node) {
    if (!node.IsSequence() || node.size() < 2 || node.size() > 3) {
      const auto got = node.IsSequence() ? "a list of " + std::to_string(node.size()) : describe(node);
      cx_.problem(node, "range must be [start, stop] or [start, stop, step] of integers, got " + got);
      return;
    }
    static const char* const names[] = {"start", "stop", "step"};
    std::int64_t* fields[] = {&st_.source.start, &st_.source.stop, &st_.source.step};
    for (std::size_t i = 0; i < node.size(); ++i) {
      const auto n = int_of(node[i]);
      if (!n)
        cx_.problem(node[i], std::string("range ") + names[i] + " must be an integer, got " + describe(node[i]));
      else if (i == 2 && *n == 0)
        cx_.problem(node[i], "range step must not be 0");
      else
        *fields[i] = *n;
    }
  }

  // sink: stdout | {file: PATH} | {dict: NAME}.
  void sink(const YAML::Node& node) {
    auto& sk = st_.sink;
    if (node.IsScalar() && node.Scalar() == "stdout") {
      sk.kind = Sink::Kind::stdout_lines;
      return;
    }
    if (!node.IsMap()) {
      cx_.problem(node, "a sink must be stdout, {file: PATH} or {dict: NAME}, got " + describe(node));
      return;
    }
    const auto items = entries(cx_, node);
    check_keys(cx_, items, kSinkKinds, "in the sink of " + label_);
    const Entry* kind = one_kind(cx_, node, items, kSinkKinds, "a sink");
    if (!kind) return;
    const auto text = text_of(kind->value);
    if (kind->key == "dict") {
      sk.kind = Sink::Kind::dict;
      if (!text)
        return cx_.problem(kind->value, "sink dict must be the name of a shared dict, got " + describe(kind->value));
      sk.dict = *text;
      check_dict_ref(cx_, kind->value, sk.dict, p_, "sink dict");
      return;
    }
    sk.kind = Sink::Kind::file;
    if (!text) return cx_.problem(kind->value, "sink file must be a path, got " + describe(kind->value));
    sk.path = resolve_path(cx_.dir, *text);
    std::error_code ec;
    if (fs::is_directory(sk.path, ec))
      cx_.problem(kind->value, "sink file is a folder, not a file: " + *text + looked_in(*text));
    else if (!fs::is_directory(fs::path(sk.path).parent_path(), ec))
      cx_.problem(kind->value, "sink file folder not found: " + folder(*text) + " (for " +
                                   *text + (fs::path(*text).is_absolute() ? "" : ", looked in " + cx_.dir) + ")");
  }

  Context& cx_;
  const Pipeline& p_;
  Stage& st_;
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

void check_dict_ref(Context& cx, const YAML::Node& node, const std::string& name, const Pipeline& pipeline,
                    const std::string& what) {
  if (std::find(cx.bad_shared.begin(), cx.bad_shared.end(), name) != cx.bad_shared.end()) return;
  std::vector<std::string> dicts;
  for (const auto& d : pipeline.shared) {
    if (d.name == name && d.kind != SharedDecl::Kind::dict) {
      const char* kind = d.kind == SharedDecl::Kind::list ? "list" : "queue";
      return cx.problem(node, what + " '" + name + "' is declared under shared: as a " + kind + ", not a dict");
    }
    if (d.name == name) return;
    if (d.kind == SharedDecl::Kind::dict) dicts.push_back(d.name);
  }
  cx.problem(node, what + " '" + name + "' is not declared under shared: (" +
                       (dicts.empty() ? std::string("no dict is declared") : "declared dicts: " + join(dicts, ", ")) +
                       ")");
}

}  // namespace ferry::pipeline::detail
