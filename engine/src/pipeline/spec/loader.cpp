// The pipeline file's loader: YAML text -> Pipeline, with every problem
// found in one pass (a user fixing a file wants the whole list, not one
// error per run). Top-level sections are here; one stage is read in
// stage_parser.cpp (sources and sinks through connectors/), settings in
// settings_parser.cpp, --set in overrides.cpp.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "broker/redis_url.hpp"
#include "pipeline/connectors/connector.hpp"
#include "pipeline/connectors/parse.hpp"
#include "pipeline/spec/yaml_reading.hpp"
#include "values/yaml_document.hpp"

namespace fs = std::filesystem;

namespace ferry::pipeline {

const char* kind_name(Stage::Kind kind) {
  switch (kind) {
    case Stage::Kind::source: return "source";
    case Stage::Kind::map: return "map";
    case Stage::Kind::starmap: return "starmap";
    case Stage::Kind::flat_map: return "flat_map";
    case Stage::Kind::apply: return "apply";
    case Stage::Kind::batch: return "batch";
    case Stage::Kind::sink: return "sink";
  }
  return "?";
}

bool Stage::runs_tasks() const {
  return kind == Kind::map || kind == Kind::starmap || kind == Kind::flat_map || kind == Kind::apply ||
         (kind == Kind::source && source && source->task());
}

const TaskRef& Stage::task_ref() const { return kind == Kind::source && source && source->task() ? *source->task() : task; }

namespace {

using detail::Context;
using detail::Entry;

const std::vector<std::string> kTopKeys = {"pipeline", "plugins", "shared",  "output",
                                           "defaults", "errors",  "broker", "stages"};

// text without leading and trailing spaces.
std::string trim(const std::string& text) {
  const auto b = text.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return text.substr(b, text.find_last_not_of(" \t") - b + 1);
}

// "dict<K,V>", "list<T>", "queue<T>" split at the top-level '<' and ','
// (element types may nest: dict<str,list<i64>>); their own grammar is the
// manager's business.
std::optional<SharedDecl> shared_type(const std::string& written) {
  const auto text = trim(written);
  const auto lt = text.find('<');
  if (lt == std::string::npos || text.back() != '>') return std::nullopt;
  SharedDecl d;
  const auto kind = trim(text.substr(0, lt));
  if (kind == "dict") d.kind = SharedDecl::Kind::dict;
  else if (kind == "list") d.kind = SharedDecl::Kind::list;
  else if (kind == "queue") d.kind = SharedDecl::Kind::queue;
  else return std::nullopt;
  std::vector<std::string> parts(1);
  int depth = 0;
  for (char c : text.substr(lt + 1, text.size() - lt - 2)) {
    if (c == '<') ++depth;
    if (c == '>' && --depth < 0) return std::nullopt;
    if (c == ',' && depth == 0)
      parts.emplace_back();
    else
      parts.back() += c;
  }
  for (auto& part : parts)
    if ((part = trim(part)).empty()) return std::nullopt;
  if (depth != 0 || parts.size() != (d.kind == SharedDecl::Kind::dict ? 2u : 1u)) return std::nullopt;
  d.type = written;
  d.key_type = d.kind == SharedDecl::Kind::dict ? parts[0] : "";
  d.item_type = parts.back();
  return d;
}

// Reads the sections of a parsed file into a Pipeline.
class TopLevel {
 public:
  TopLevel(Context& cx, Pipeline& p) : cx_(cx), p_(p) {}

  // Every section, in the order later ones depend on earlier ones.
  void load(const YAML::Node& root) {
    if (!root.IsMap()) {
      cx_.problem(root, "a pipeline file must be a mapping with pipeline: and stages:, got " + detail::describe(root));
      return;
    }
    const auto items = detail::entries(cx_, root);
    detail::check_keys(cx_, items, kTopKeys, "at the top level");
    name(root, find(items, "pipeline"));
    if (const auto* e = find(items, "plugins")) plugins(*e);
    if (const auto* e = find(items, "shared")) shared(*e);
    if (const auto* e = find(items, "output")) output(*e);
    if (const auto* e = find(items, "defaults")) defaults(*e);
    if (const auto* e = find(items, "errors")) p_.errors = parse_errors_output(cx_, p_, e->value, "the pipeline");
    if (const auto* e = find(items, "broker")) broker(*e);
    stages(root, find(items, "stages"));
  }

 private:
  // The entry with key, or nullptr.
  static const Entry* find(const std::vector<Entry>& items, const std::string& key) {
    const auto it = std::find_if(items.begin(), items.end(), [&](const Entry& e) { return e.key == key; });
    return it == items.end() ? nullptr : &*it;
  }

  // The entries of a section's mapping; an empty section (`shared:`) has none.
  std::vector<Entry> section(const Entry& e, const std::string& shape) {
    if (e.value.IsNull()) return {};
    if (!e.value.IsMap()) {
      cx_.problem(e.value, e.key + " must be a mapping " + shape + ", got " + detail::describe(e.value));
      return {};
    }
    return detail::entries(cx_, e.value);
  }

  // pipeline: NAME
  void name(const YAML::Node& root, const Entry* e) {
    if (!e) return cx_.problem(root, "missing pipeline: (the pipeline's name, e.g. pipeline: word-count)");
    const auto text = detail::text_of(e->value);
    if (text && detail::is_name(*text, true)) {
      p_.name = *text;
    } else {
      cx_.problem(e->value,
                  "pipeline name must be letters, digits, '_', '-' or '.', got " + detail::describe(e->value));
    }
  }

  // plugins: {alias: name-or-path}
  void plugins(const Entry& section_entry) {
    for (const auto& e : section(section_entry, "of alias: plugin")) {
      // An alias is kept even when its value is bad, so stages using it do
      // not add "not declared" problems on top.
      PluginDecl d{e.key, "", cx_.locator.at(e.value)};
      if (!detail::is_name(e.key, false))
        cx_.problem(e.key_node, "plugin alias must be letters, digits, '_' or '-', got '" + e.key + "'");
      if (const auto text = detail::text_of(e.value)) {
        // A bare name is searched on the plugin path later; a path is the file's.
        const bool path = text->find('/') != std::string::npos || text->ends_with(".so");
        d.name_or_path = path ? detail::resolve_path(cx_.dir, *text) : *text;
      } else {
        cx_.problem(e.value,
                    "plugin '" + e.key + "' must be a plugin name or a path, got " + detail::describe(e.value));
      }
      p_.plugins.push_back(std::move(d));
    }
  }

  // shared: {name: dict<K,V> | list<T> | queue<T>}
  void shared(const Entry& section_entry) {
    for (const auto& e : section(section_entry, "of name: type")) {
      if (!detail::is_name(e.key, true))
        cx_.problem(e.key_node, "shared name must be letters, digits, '_', '-' or '.', got '" + e.key + "'");
      const auto text = detail::text_of(e.value);
      auto decl = text ? shared_type(*text) : std::nullopt;
      if (!decl) {
        cx_.problem(e.value, "shared '" + e.key + "' type must be dict<K,V>, list<T> or queue<T>, got " +
                                 detail::describe(e.value));
        cx_.bad_shared.push_back(e.key);
        continue;
      }
      decl->name = e.key;
      decl->where = cx_.locator.at(e.value);
      p_.shared.push_back(std::move(*decl));
    }
  }

  // output: {dict: NAME}
  void output(const Entry& e) {
    const std::string shape = "output must be {dict: NAME} (a shared dict printed after the run), got ";
    if (!e.value.IsMap()) return cx_.problem(e.value, shape + detail::describe(e.value));
    const auto items = detail::entries(cx_, e.value);
    detail::check_keys(cx_, items, {"dict"}, "in output:");
    const auto* dict = find(items, "dict");
    if (!dict) return cx_.problem(e.value, "output needs dict: NAME (a shared dict printed after the run)");
    const auto text = detail::text_of(dict->value);
    if (!text) return cx_.problem(dict->value, "output dict must be the name of a shared dict, got " +
                                                   detail::describe(dict->value));
    p_.output_dict = *text;
    p_.output_where = cx_.locator.at(dict->value);
    detail::check_dict_ref(cx_, dict->value, *text, p_, "output dict");
  }

  // broker: redis://[user:password@]host:port[/db]
  void broker(const Entry& e) {
    const auto text = detail::text_of(e.value);
    if (!text) return cx_.problem(e.value, "broker must be a URL redis://HOST:PORT, got " + detail::describe(e.value));
    try {
      broker::RedisUrl::parse(*text);
      p_.broker = *text;
    } catch (const std::exception& bad) {
      cx_.problem(e.value, bad.what());
    }
  }

  // defaults: settings applied to every task stage.
  void defaults(const Entry& section_entry) {
    const auto items = section(section_entry, "of settings (workers: 4, timeout: 5s, ...)");
    detail::check_keys(cx_, items, detail::setting_keys(), "in defaults:");
    for (const auto& e : items)
      if (detail::is_setting(e.key)) detail::parse_setting(cx_, e, p_.defaults);
  }

  // stages: the list, then what needs all of it: unique names, the order.
  void stages(const YAML::Node& root, const Entry* e) {
    if (!e) return cx_.problem(root, "missing stages: (the list of stages, the first one a source)");
    if (!e->value.IsSequence())
      return cx_.problem(e->value, "stages must be a list of stages, got " + detail::describe(e->value));
    if (e->value.size() == 0)
      return cx_.problem(e->value, "stages must not be empty: a pipeline needs at least a source stage");
    std::vector<detail::ParsedStage> parsed;
    for (const auto& node : e->value) {
      const auto before = cx_.problems.size();
      parsed.push_back(detail::parse_stage(cx_, node, parsed.size(), p_));
      parsed.back().stage.well_formed = parsed.back().has_kind && cx_.problems.size() == before;
    }

    std::map<std::string, Location> first;
    for (const auto& ps : parsed) {
      if (ps.stage.name.empty()) continue;
      const auto [it, inserted] = first.emplace(ps.stage.name, ps.stage.name_where);
      if (!inserted)
        cx_.problem(ps.stage.name_where,
                    "duplicate stage name '" + ps.stage.name + "' (first at " + detail::short_place(it->second) + ")");
    }
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      const auto before = cx_.problems.size();
      order(parsed[i], i, parsed.size());
      if (cx_.problems.size() != before) parsed[i].stage.well_formed = false;
    }
    for (auto& ps : parsed) p_.stages.push_back(std::move(ps.stage));
  }

  // Only the first stage is a source, only the last a sink.
  void order(const detail::ParsedStage& ps, std::size_t i, std::size_t count) {
    if (!ps.has_kind) return;
    const auto& st = ps.stage;
    const auto number = "stage #" + std::to_string(i + 1);
    const bool named = !st.name.empty();
    const std::string who = named ? "'" + st.name + "'" : number;  // "'check' is a map stage"
    if (i == 0 && st.kind != Stage::Kind::source)
      cx_.problem(ps.key_where, "the first stage must be a source (" + source_kind_list() + "); " + who +
                                    " is a " + kind_name(st.kind) + " stage");
    if (i > 0 && st.kind == Stage::Kind::source)
      cx_.problem(ps.key_where, "only the first stage can be a source; " + who + " is " + (named ? number : "one"));
    if (st.kind == Stage::Kind::sink && i + 1 != count)
      cx_.problem(ps.key_where, (named ? "stage " + who : who) + " is a sink, so it must be the last stage");
  }

  Context& cx_;
  Pipeline& p_;
};

}  // namespace

Pipeline load_text(const std::string& text, const std::string& file, const std::string& dir,
                   const std::vector<std::string>& overrides, std::vector<Problem>& problems) {
  Pipeline p;
  p.file = file;
  std::error_code ec;
  p.dir = fs::absolute(dir.empty() ? fs::path(".") : fs::path(dir), ec).lexically_normal().string();
  // "/a/b/" normalises with a trailing separator; joined paths read better without.
  if (p.dir.size() > 1 && p.dir.back() == '/') p.dir.pop_back();
  // ${VAR}: a variable that cannot be expanded is the file's only problem,
  // since what the rest would say depends on its value.
  const detail::ExpandedText expanded(text, detail::from_environment);
  for (const auto& vp : expanded.problems())
    problems.push_back(Problem{Location{file, vp.line + 1, vp.column + 1, ""}, vp.message});
  if (!expanded.problems().empty()) return p;
  Context cx{detail::Locator(file, &expanded), p.dir, problems, {}, 0};
  YAML::Node root;
  try {
    root = load_one_document(expanded.text());
  } catch (const YamlTextError& e) {
    // After a syntax error the rest of the tree is unknown: one problem only.
    // A second document is valid YAML, but not a pipeline file.
    const bool yaml = e.kind() != YamlTextError::Kind::second_document;
    cx.problem(cx.locator.at(e.mark()), (yaml ? "invalid YAML: " : "") + e.reason());
    return p;
  }
  const auto first_new = problems.size();
  detail::apply_overrides(cx, root, overrides);
  TopLevel(cx, p).load(root);
  // Checks run section by section; a reader fixes the file top to bottom.
  // Problems at an override come first, in the order of the overrides.
  const auto rank = [&](const Problem& pr) {
    if (pr.where.origin.empty()) return std::make_tuple(1, pr.where.line, pr.where.column);
    const auto it = std::find_if(overrides.begin(), overrides.end(),
                                 [&](const std::string& o) { return pr.where.origin == "--set " + o; });
    return std::make_tuple(0, static_cast<int>(it - overrides.begin()), 0);
  };
  std::stable_sort(problems.begin() + static_cast<std::ptrdiff_t>(first_new), problems.end(),
                   [&](const Problem& a, const Problem& b) { return rank(a) < rank(b); });
  return p;
}

Pipeline load_file(const std::string& file, const std::vector<std::string>& overrides, std::vector<Problem>& problems) {
  std::error_code ec;
  const auto cannot = [&](const std::string& why) {
    problems.push_back(Problem{Location{file, 0, 0, ""}, "cannot read pipeline file '" + file + "': " + why});
    Pipeline p;
    p.file = file;
    return p;
  };
  // A folder opens as a stream on Linux and then fails to read: say so first.
  if (fs::is_directory(file, ec)) return cannot("it is a folder");
  std::ifstream in(file, std::ios::binary);
  if (!in) return cannot(std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return cannot(std::strerror(errno));
  const auto dir = fs::absolute(file, ec).parent_path().string();
  return load_text(text.str(), file, dir, overrides, problems);
}

}  // namespace ferry::pipeline
