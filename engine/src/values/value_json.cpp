// ferry::Value <-> JSON, through nlohmann::json. Conventions are documented
// in <ferry/value_text.hpp>.
#include <algorithm>
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

std::string to_json(const Value& v, int indent) {
  // replace: a task may return a std::string holding arbitrary bytes; one bad
  // byte should not make the whole result unprintable.
  return to_json_tree(v).dump(indent, ' ', false, Json::error_handler_t::replace);
}

Value value_from_json(std::string_view text) {
  ValueBuilder builder(text);
  if (!Json::sax_parse(text.begin(), text.end(), &builder))
    throw ConfigError("JSON could not be parsed");  // only binary() refuses, and JSON text never calls it
  return builder.take();
}

}  // namespace ferry
