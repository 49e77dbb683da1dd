// ferry::Value <-> JSON, through nlohmann::json. Conventions are documented
// in <ferry/value_text.hpp>.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

namespace ferry {
namespace {

// ordered_json keeps insertion order, as Value maps (and Python dicts) do.
using Json = nlohmann::ordered_json;

std::string base64(const std::vector<std::uint8_t>& data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const std::uint32_t n = std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8 | data[i + 2];
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (const auto rest = data.size() - i; rest > 0) {
    const std::uint32_t n = std::uint32_t{data[i]} << 16 | (rest == 2 ? std::uint32_t{data[i + 1]} << 8 : 0u);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Json to_json_tree(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null: return nullptr;
    case Value::Kind::boolean: return v.as_bool();
    case Value::Kind::integer: return v.as_int();
    case Value::Kind::floating: {
      const double d = v.as_float();
      if (!std::isfinite(d)) return nullptr;  // JSON has no NaN or infinity; Python's json would emit invalid JSON
      return d;
    }
    case Value::Kind::string: return v.as_string();
    case Value::Kind::bytes: return base64(v.as_bytes().data);
    case Value::Kind::list: {
      Json out = Json::array();
      for (const auto& e : v.as_list()) out.push_back(to_json_tree(e));
      return out;
    }
    case Value::Kind::map: {
      Json out = Json::object();
      for (const auto& [k, e] : v.as_map()) out[k] = to_json_tree(e);
      return out;
    }
  }
  return nullptr;
}

// Builds a Value straight from parser events: no intermediate DOM, and the
// depth limit bites before a hostile "[[[[..." can use up memory or stack.
class ValueBuilder : public nlohmann::json_sax<Json> {
 public:
  explicit ValueBuilder(std::string_view text) : text_(text) {}
  Value take() { return std::move(root_); }

  bool null() override { return put(Value()); }
  bool boolean(bool b) override { return put(Value(b)); }
  bool number_integer(number_integer_t i) override { return put(Value(static_cast<std::int64_t>(i))); }
  bool number_unsigned(number_unsigned_t u) override {
    if (u > static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max()))
      throw ConfigError("integer " + std::to_string(u) + " does not fit in a signed 64-bit integer");
    return put(Value(static_cast<std::int64_t>(u)));
  }
  bool number_float(number_float_t d, const string_t& text) override {
    // nlohmann falls back to a double for integers too big for 64 bits;
    // silently rounding them would corrupt ids and hashes.
    if (text.find_first_of(".eE") == string_t::npos)
      throw ConfigError("integer " + text + " does not fit in a signed 64-bit integer");
    return put(Value(static_cast<double>(d)));
  }
  bool string(string_t& s) override { return put(Value(std::move(s))); }
  bool binary(binary_t&) override { return false; }  // only reachable from binary formats (CBOR, ...)

  bool start_object(std::size_t) override { return open(Value(Value::Map{})); }
  bool key(string_t& k) override {
    open_.back().key = std::move(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Value(Value::List{})); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    // nlohmann's own "line L, column C" counts the newline that ended a bad
    // token as the start of the next line ("line 3, column 0"); we point at
    // the character where parsing stopped instead. position counts the
    // characters read, so the last one read is at position - 1.
    const std::size_t at = std::min(position, text_.size());
    const std::size_t index = at == 0 ? 0 : at - 1;
    const auto line = 1 + std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(index), '\n');
    const auto line_start = index == 0 ? std::string_view::npos : text_.rfind('\n', index - 1);
    const auto column = line_start == std::string_view::npos ? index + 1 : index - line_start;
    // what() reads "[json.exception.parse_error.101] parse error at line 1,
    // column 5: syntax error ..." or "[json.exception.out_of_range.406]
    // number overflow ..."; keep the part after the id and position.
    std::string detail = e.what();
    if (detail.starts_with("[json.exception.")) detail.erase(0, detail.find("] ") + 2);
    if (detail.starts_with("parse error at line "))
      if (const auto colon = detail.find(": "); colon != std::string::npos) detail.erase(0, colon + 2);
    throw ConfigError("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + detail);
  }

 private:
  struct Open {
    Value container;
    std::string key;                                     // a map's pending key
    std::unordered_map<std::string, std::size_t> index;  // a map's key -> slot
  };

  bool open(Value container) {
    // Elements of the container opened now sit at depth open_.size() + 1.
    if (open_.size() >= static_cast<std::size_t>(kMaxValueDepth))
      throw ConfigError("JSON nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
    open_.push_back(Open{std::move(container), {}, {}});
    return true;
  }

  bool close() {
    Value done = std::move(open_.back().container);
    open_.pop_back();
    return put(std::move(done));
  }

  bool put(Value v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return true;
    }
    Open& top = open_.back();
    if (top.container.is_list()) {
      top.container.as_list().push_back(std::move(v));
      return true;
    }
    // A repeated key replaces the earlier value in its first position, as
    // Python's json.loads does.
    auto& map = top.container.as_map();
    const auto [it, fresh] = top.index.emplace(top.key, map.size());
    if (fresh) map.emplace_back(std::move(top.key), std::move(v));
    else map[it->second].second = std::move(v);
    return true;
  }

  std::string_view text_;
  std::vector<Open> open_;
  Value root_;
};

}  // namespace

namespace {

std::string dump_tree(const Value& v, int indent) {
  // replace: a task may return a std::string holding arbitrary bytes; one bad
  // byte should not make the whole result unprintable.
  return to_json_tree(v).dump(indent, ' ', false, Json::error_handler_t::replace);
}

// A string as nlohmann writes it, for strings of ASCII (no UTF-8 to check);
// false, writing nothing, for any other.
bool append_ascii_string(std::string& out, std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  out += '"';
  for (unsigned char c : s) {
    if (c >= 0x20 && c != '"' && c != '\\') {
      out += static_cast<char>(c);
      continue;
    }
    out += '\\';
    switch (c) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '\b': out += 'b'; break;
      case '\f': out += 'f'; break;
      case '\n': out += 'n'; break;
      case '\r': out += 'r'; break;
      case '\t': out += 't'; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  out += '"';
  return true;
}

// Compact JSON written straight into out: what dump_tree(v, -1) gives, byte
// for byte (tests/unit/value_text_test.cpp), without building a JSON tree
// per value. Pipelines' JSON sinks print one line per item, so this is on
// their hot path. Floats, non-ASCII strings and maps with a repeated key
// (which a JSON object folds into one) still go through nlohmann.
void append_compact(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null: out += "null"; return;
    case Value::Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case Value::Kind::integer: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out.append(buf, r.ptr);
      return;
    }
    case Value::Kind::string:
      if (!append_ascii_string(out, v.as_string())) out += dump_tree(v, -1);
      return;
    case Value::Kind::list: {
      out += '[';
      bool first = true;
      for (const auto& e : v.as_list()) {
        if (!first) out += ',';
        first = false;
        append_compact(out, e);
      }
      out += ']';
      return;
    }
    case Value::Kind::map: {
      const auto& m = v.as_map();
      constexpr std::size_t kCheckedKeys = 32;  // pairwise: cheaper than a set for small maps
      bool unique = m.size() <= kCheckedKeys;
      for (std::size_t i = 0; unique && i < m.size(); ++i)
        for (std::size_t j = 0; unique && j < i; ++j) unique = m[i].first != m[j].first;
      if (!unique) {
        out += dump_tree(v, -1);
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [k, e] : m) {
        if (!first) out += ',';
        first = false;
        if (!append_ascii_string(out, k)) out += dump_tree(Value(k), -1);
        out += ':';
        append_compact(out, e);
      }
      out += '}';
      return;
    }
    case Value::Kind::floating:
    case Value::Kind::bytes:
      out += dump_tree(v, -1);
      return;
  }
}

}  // namespace

std::string to_json(const Value& v, int indent) {
  if (indent >= 0) return dump_tree(v, indent);
  std::string out;
  append_compact(out, v);
  return out;
}

void append_json(std::string& out, const Value& v) { append_compact(out, v); }

Value value_from_json(std::string_view text) {
  ValueBuilder builder(text);
  if (!Json::sax_parse(text.begin(), text.end(), &builder))
    throw ConfigError("JSON could not be parsed");  // only binary() refuses, and JSON text never calls it
  return builder.take();
}

}  // namespace ferry
