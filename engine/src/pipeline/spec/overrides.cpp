// --set PATH=VALUE: edits the parsed YAML tree before any check, so an
// overridden value is checked exactly like one written in the file. Every
// node an override writes is recorded with the Locator, so a problem in it
// names the override rather than a line of the file.
#include <algorithm>

#include "pipeline/spec/yaml_reading.hpp"
#include "values/yaml_document.hpp"

namespace ferry::pipeline::detail {
namespace {

// Splits path at '.'; empty segments are kept so they can be reported.
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out(1);
  for (char c : path) {
    if (c == '.')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

// The value of an element's `name:` key, or "" when it has none.
std::string element_name(const YAML::Node& element) {
  if (!element.IsMap()) return "";
  for (const auto& kv : element)
    if (kv.first.IsScalar() && kv.first.Scalar() == "name" && kv.second.IsScalar()) return kv.second.Scalar();
  return "";
}

// One --set: walks the tree from root and writes the value at the end.
class Override {
 public:
  Override(Context& cx, std::string text) : cx_(cx), text_(std::move(text)) { where_.origin = "--set " + text_; }

  // Applies the override to root; a problem at the override if it cannot.
  void apply(YAML::Node& root) {
    const auto eq = text_.find('=');
    if (eq == std::string::npos) return fail("expected PATH=VALUE, e.g. --set stages.check.workers=8");
    const auto path = text_.substr(0, eq);
    segments_ = split_path(path);
    if (std::any_of(segments_.begin(), segments_.end(), [](const std::string& s) { return s.empty(); }))
      return fail("the path '" + path + "' has an empty segment (segments are separated by single dots)");
    YAML::Node value;
    try {
      value = load_one_document(text_.substr(eq + 1));
    } catch (const YamlTextError& e) {
      return fail("the value is not valid YAML: " + e.reason());
    }
    cx_.locator.mark_overridden(value, where_.origin);

    // An empty document has no tree yet: the override starts one.
    if (!root.IsDefined() || root.IsNull()) root.reset(created(YAML::Node(YAML::NodeType::Map)));
    // Rebinding with reset(): assigning a Node would overwrite the node it
    // refers to, i.e. edit the tree while walking it.
    YAML::Node at;
    at.reset(root);
    for (std::size_t i = 0; i < segments_.size(); ++i) {
      const bool last = i + 1 == segments_.size();
      YAML::Node next = YAML::Node(YAML::NodeType::Map);
      if (at.IsSequence()) {
        auto element = find_element(at, i);
        if (!element) return;
        if (last) {
          *element = value;  // assigning (not reset) replaces the node in the tree
          return;
        }
        next.reset(*element);
      } else if (at.IsMap() || at.IsNull()) {
        // A key written empty (`defaults:`) is null: it becomes a map here.
        if (at.IsNull()) at = created(YAML::Node(YAML::NodeType::Map));  // replaces it in the tree
        auto child = find_key(at, segments_[i]);
        if (child && last) {
          *child = value;
          return;
        }
        if (child) {
          next.reset(*child);
        } else {
          add_key(at, segments_[i], last ? value : created(next));
          if (last) return;
        }
      } else {
        return fail("cannot set '" + segments_[i] + "' inside " + place(i) + ": it is " + describe(at) +
                    ", not a map or a list");
      }
      at.reset(next);
    }
  }

 private:
  // Records a problem at the override.
  void fail(const std::string& message) { cx_.problem(where_, message); }

  // A node the override creates (a map on the way to a missing key).
  YAML::Node created(const YAML::Node& node) {
    cx_.locator.mark_overridden(node, where_.origin);
    return node;
  }

  // The path up to (not including) segment i: "stages.check".
  std::string prefix(std::size_t i) const {
    std::string out;
    for (std::size_t j = 0; j < i; ++j) out += (j ? "." : "") + segments_[j];
    return out;
  }
  // That path for a message: "'stages.check'", or "the top level".
  std::string place(std::size_t i) const {
    if (i == 0) return "the top level";
    std::string s = "'";  // appended, not "'" + ...: GCC 12's false -Wrestrict in Release
    s += prefix(i);
    s += '\'';
    return s;
  }

  // The element of seq that segment i names (by its name: or its 0-based index).
  std::optional<YAML::Node> find_element(const YAML::Node& seq, std::size_t i) {
    const auto& seg = segments_[i];
    std::vector<std::string> names;
    for (const auto& e : seq) {
      names.push_back(element_name(e));
      if (names.back() == seg) return e;
    }
    const bool numeric = seg.find_first_not_of("0123456789") == std::string::npos;
    // More than 9 digits is out of range of any list a file holds.
    if (numeric && seg.size() <= 9 && std::stoul(seg) < seq.size()) return seq[std::stoul(seg)];
    names.erase(std::remove(names.begin(), names.end(), std::string()), names.end());
    const auto in = prefix(i);
    const auto size = std::to_string(seq.size());
    if (in == "stages" && numeric) {
      fail("no stage at index " + seg + " (" + size + " stages: " + join(names, ", ") + ")");
    } else if (in == "stages") {
      fail("no stage named '" + seg + "' (stages: " + join(names, ", ") + ")");
    } else if (numeric) {
      fail("index " + seg + " is out of range for " + place(i) + " (" + size + " items)");
    } else {
      const auto named = names.empty() ? std::string("none has a name:") : "names: " + join(names, ", ");
      fail("no item named '" + seg + "' in " + place(i) + " (" + size + " items, " + named + ")");
    }
    return std::nullopt;
  }

  // The value under key in map, if present.
  static std::optional<YAML::Node> find_key(const YAML::Node& map, const std::string& key) {
    for (const auto& kv : map)
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
    return std::nullopt;
  }

  // Adds key: value to map, recording the new key node as the override's.
  void add_key(YAML::Node& map, const std::string& key, const YAML::Node& value) {
    map[key] = value;
    for (const auto& kv : map)
      if (kv.first.IsScalar() && kv.first.Scalar() == key) cx_.locator.mark_overridden(kv.first, where_.origin);
  }

  Context& cx_;
  std::string text_;
  Location where_;
  std::vector<std::string> segments_;
};

}  // namespace

void apply_overrides(Context& cx, YAML::Node& root, const std::vector<std::string>& overrides) {
  for (const auto& text : overrides) Override(cx, text).apply(root);
}

}  // namespace ferry::pipeline::detail
