// Private to the pipeline loader: positions of yaml-cpp nodes, the shared
// problem list and small helpers the loader's files have in common. yaml-cpp
// stays out of model.hpp, so code using the model need not have it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "pipeline/spec/model.hpp"
#include "pipeline/spec/variables.hpp"

namespace ferry::pipeline::detail {

// Turns nodes into Locations. Nodes that came from a --set override carry
// marks of the override's own text, so they are recognised by identity
// (YAML::Node::is) and located at the override instead.
class Locator {
 public:
  // expanded (may be null; must outlive the Locator): the file's text had
  // ${...} expanded, and parser positions are mapped back through it.
  explicit Locator(std::string file, const ExpandedText* expanded = nullptr)
      : file_(std::move(file)), expanded_(expanded) {}
  // Records node and every node inside it as written by origin.
  void mark_overridden(const YAML::Node& node, const std::string& origin);
  // Where node was written: file:line:column, or the override that wrote it.
  Location at(const YAML::Node& node) const;
  // A parser position in the file (0-based mark, 1-based result).
  Location at(const YAML::Mark& mark) const;
  // The override origin for a node, or "" when it comes from the file.
  std::string origin_of(const YAML::Node& node) const;

 private:
  std::string file_;
  const ExpandedText* expanded_;
  std::vector<std::pair<YAML::Node, std::string>> overridden_;
};

// What every check needs: where problems go and how to place them.
struct Context {
  Locator locator;
  std::string dir;  // absolute folder of the pipeline file
  std::vector<Problem>& problems;
  // shared: names whose type did not parse: a use of one is not a second problem.
  std::vector<std::string> bad_shared;
  // Values converted by to_value so far: one limit for the whole file.
  std::size_t values = 0;

  // Appends a problem located at node.
  void problem(const YAML::Node& node, std::string message);
  // Appends a problem at an explicit place.
  void problem(Location where, std::string message);
};

// One `key: value` of a mapping.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// The entries of a mapping in order; a non-scalar or repeated key is a
// problem and is left out.
std::vector<Entry> entries(Context& cx, const YAML::Node& map);
// Reports every entry whose key is not allowed: "unknown key 'k' <in>; ...".
void check_keys(Context& cx, const std::vector<Entry>& items, const std::vector<std::string>& allowed,
                const std::string& in);
// "; did you mean 'x'?" for a close choice, else " (allowed: a, b, c)".
std::string suggest(const std::string& word, const std::vector<std::string>& choices);
// "a, b and c" (or with another final separator).
std::string join(const std::vector<std::string>& words, const std::string& last = " and ");
// How a node reads after "got ": -1, true, 'soon', a list, a map, nothing.
std::string describe(const YAML::Node& node);
// "line:column" of a location, or its origin: for "(first at 7:5)".
std::string short_place(const Location& where);

// The node as a ferry::Value; a problem at the exact offending node if it
// cannot be one.
std::optional<Value> to_value(Context& cx, const YAML::Node& node);
// A plain integer scalar (12, -3, 0x1F), or nullopt.
std::optional<std::int64_t> int_of(const YAML::Node& node);
// A plain or tagged boolean scalar, or nullopt.
std::optional<bool> bool_of(const YAML::Node& node);
// A non-empty string scalar that does not read as a number, bool or null.
std::optional<std::string> text_of(const YAML::Node& node);
// Letters, digits, '_', '-' (and '.' when dot is true); not empty.
bool is_name(const std::string& s, bool dot);
// path against dir unless absolute; normalised.
std::string resolve_path(const std::string& dir, const std::string& path);

// The one entry of items whose key is one of kinds; a problem when there
// is none or several ("a stage needs exactly one of ...; found map and
// starmap"), then the first one found or nullptr.
const Entry* one_kind(Context& cx, const YAML::Node& map, const std::vector<Entry>& items,
                      const std::vector<std::string>& kinds, const std::string& what);
// "alias.task" whose alias is declared under plugins: (a problem if not);
// key names the setting in messages.
TaskRef parse_task_ref(Context& cx, const YAML::Node& node, const std::string& key, const Pipeline& pipeline);
// " (looked in DIR)" for a relative path written in the file, else "".
std::string looked_in(const Context& cx, const std::string& written);
// A path to a file the run reads: resolved against the file's folder; a
// problem (at node, naming what) when it does not exist or is a folder.
std::string existing_file(Context& cx, const YAML::Node& node, const std::string& written, const std::string& what);
// A path to a file the run writes: resolved; a problem when it is a folder
// or its folder does not exist.
std::string writable_file(Context& cx, const YAML::Node& node, const std::string& written, const std::string& what);

// Settings of a task stage (and of defaults:) in the order of the docs.
const std::vector<std::string>& setting_keys();
// True for a key of setting_keys().
bool is_setting(const std::string& key);
// Checks one setting entry and stores it into settings.
void parse_setting(Context& cx, const Entry& entry, StageSettings& settings);
// Parses 250ms, 5s, 2m, 1h or plain seconds; nullopt unless it reads as one.
std::optional<double> duration_ms(const std::string& text);
// Parses 512MiB, 2G, 1000KB or plain bytes; nullopt unless it reads as one.
std::optional<double> size_bytes(const std::string& text);

// Applies "path=value" overrides to root before anything is checked.
void apply_overrides(Context& cx, YAML::Node& root, const std::vector<std::string>& overrides);

// Turns one item of stages: into a Stage; has_kind is false when the stage
// names no kind, key_where is where its kind key is written.
struct ParsedStage {
  Stage stage;
  bool has_kind = false;
  Location key_where;
};
ParsedStage parse_stage(Context& cx, const YAML::Node& node, std::size_t index, const Pipeline& pipeline);
// Reports a shared dict reference that is not declared as a dict.
void check_dict_ref(Context& cx, const YAML::Node& node, const std::string& name, const Pipeline& pipeline,
                    const std::string& what);

}  // namespace ferry::pipeline::detail
