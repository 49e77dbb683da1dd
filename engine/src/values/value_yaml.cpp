// YAML -> ferry::Value. yaml-cpp parses; the typing of plain scalars is ours,
// because yaml-cpp leaves every scalar a string and its own conversions follow
// YAML 1.1 (yes/no/on/off as booleans), which surprises users.
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_set>

#include <yaml-cpp/yaml.h>

#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

#include "values/yaml_document.hpp"
#include "values/yaml_value.hpp"

namespace ferry {
namespace {

// Aliases let a few lines of YAML expand into billions of values ("billion
// laughs"); past this many values the document is refused.
constexpr std::size_t kMaxValues = std::size_t{1} << 21;

const std::string kTagPrefix = "tag:yaml.org,2002:";

std::string where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) + ": ";
}

[[noreturn]] void fail(const YAML::Node& node, const std::string& message) {
  throw ConfigError(where(node.Mark()) + message);
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}
bool is_dec(char c) { return c >= '0' && c <= '9'; }
bool is_oct(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// digits in base, with an optional leading '-', as an int64; nullopt when out
// of range (the caller knows the text and the position).
std::optional<std::int64_t> to_int(std::string_view digits, bool negative, int base) {
  // Parsed as unsigned magnitude so that INT64_MIN, whose magnitude does not
  // fit in int64, still parses.
  std::uint64_t magnitude = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!negative) return magnitude <= max ? std::optional<std::int64_t>(static_cast<std::int64_t>(magnitude)) : std::nullopt;
  if (magnitude > max + 1) return std::nullopt;
  return magnitude == max + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(magnitude);
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool is_core_float(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const auto start = i;
    while (i < s.size() && is_dec(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const auto whole = digits();
  std::size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// A plain scalar typed by the YAML 1.2 core schema (yaml.org/spec/1.2.2,
// section 10.3.2).
Value resolve_plain(const YAML::Node& node, const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Value();
  if (s == "true" || s == "True" || s == "TRUE") return Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value(false);

  std::string_view body = s;
  const bool negative = body.front() == '-';
  if (body.front() == '-' || body.front() == '+') body.remove_prefix(1);
  std::optional<int> base;
  std::string_view digits;
  if (all_of(body, is_dec)) {
    base = 10, digits = body;
  } else if (body.size() > 2 && body == s && body.starts_with("0x") && all_of(body.substr(2), is_hex)) {
    base = 16, digits = body.substr(2);  // body == s: the core schema gives hex and octal no sign
  } else if (body.size() > 2 && body == s && body.starts_with("0o") && all_of(body.substr(2), is_oct)) {
    base = 8, digits = body.substr(2);
  }
  if (base) {
    if (auto i = to_int(digits, negative, *base)) return Value(*i);
    fail(node, "integer " + s + " does not fit in a signed 64-bit integer");
  }

  if (body == ".inf" || body == ".Inf" || body == ".INF")
    return Value(negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity());
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return Value(std::numeric_limits<double>::quiet_NaN());
  if (is_core_float(s)) {
    double d = 0;
    // from_chars, unlike strtod, ignores the locale and takes no '+'.
    const std::string_view text = s.front() == '+' ? body : std::string_view(s);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || end != text.data() + text.size())
      fail(node, "float " + s + " is out of the range of a 64-bit float");
    return Value(d);
  }
  return Value(s);
}

// A scalar with an explicit core tag (!!int 12): the text must resolve to
// that type. !!float accepts integer text, as YAML does.
Value resolve_tagged(const YAML::Node& node, const std::string& s, const std::string& tag) {
  if (tag == "str") return Value(s);
  Value v = resolve_plain(node, s);
  if (tag == "float" && v.is_int()) return Value(static_cast<double>(v.as_int()));
  const bool fits = (tag == "int" && v.is_int()) || (tag == "float" && v.is_float()) ||
                    (tag == "bool" && v.is_bool()) || (tag == "null" && v.is_null());
  if (!fits) fail(node, "'" + s + "' is not a valid !!" + tag);
  return v;
}

class Converter {
 public:
  explicit Converter(std::size_t& count) : count_(count) {}

  Value convert(const YAML::Node& node, int depth) {
    // Elements of a collection sit one level down; as value_from_json, refuse
    // a collection whose elements would pass the limit, even an empty one.
    if (depth >= kMaxValueDepth && (node.IsSequence() || node.IsMap()))
      fail(node, "YAML nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
    if (++count_ > kMaxValues)
      fail(node, "document expands to more than " + std::to_string(kMaxValues) + " values (aliases?)");
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: return Value();
      case YAML::NodeType::Scalar: return scalar(node);
      case YAML::NodeType::Sequence: {
        Value::List list;
        list.reserve(node.size());
        for (const auto& e : node) list.push_back(convert(e, depth + 1));
        return Value(std::move(list));
      }
      case YAML::NodeType::Map: {
        Value::Map map;
        std::unordered_set<std::string> seen;
        for (const auto& kv : node) {
          // Value maps are string-keyed; `1: x` keeps the key's text "1".
          if (!kv.first.IsScalar()) fail(kv.first, "map keys must be scalars (strings, numbers, booleans)");
          const std::string& key = kv.first.Scalar();
          if (!seen.insert(key).second) fail(kv.first, "duplicate key '" + key + "'");
          map.emplace_back(key, convert(kv.second, depth + 1));
        }
        return Value(std::move(map));
      }
    }
    fail(node, "unknown YAML node type");
  }

 private:
  static Value scalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "?") return resolve_plain(node, text);  // plain: typed by its text
    if (tag == "!") return Value(text);                // quoted or block: always a string
    if (tag.starts_with(kTagPrefix)) {
      const auto name = tag.substr(kTagPrefix.size());
      if (name == "str" || name == "int" || name == "float" || name == "bool" || name == "null")
        return resolve_tagged(node, text, name);
    }
    fail(node, "unsupported tag " + tag);
  }

  std::size_t& count_;
};

}  // namespace

Value value_from_yaml_node(const YAML::Node& node) {
  std::size_t count = 0;
  return value_from_yaml_node(node, count);
}

Value value_from_yaml_node(const YAML::Node& node, std::size_t& count) { return Converter(count).convert(node, 0); }

Value value_from_yaml(std::string_view text) {
  // Throws YamlTextError, a ConfigError reading "line L, column C: ...".
  return value_from_yaml_node(load_one_document(std::string(text)));
}

}  // namespace ferry
