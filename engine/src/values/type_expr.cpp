#include "values/type_expr.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <utility>

#include "text/closest.hpp"

namespace ferry::types {
namespace {

using Kind = TypeExpr::Kind;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

char closer(char c) {
  switch (c) {
    case '<': return '>';
    case '(': return ')';
    case '[': return ']';
    case '{': return '}';
    default: return 0;
  }
}

// Splits s at commas outside any bracket pair. Brackets other than <> count
// too: clang names types "(anonymous namespace)::X", g++ "char [2]". nullopt
// when the brackets do not pair up.
std::optional<std::vector<std::string_view>> split_top(std::string_view s) {
  std::vector<std::string_view> parts;
  std::string open;  // the closers still expected, innermost last
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (closer(c)) {
      open.push_back(closer(c));
    } else if (c == '>' || c == ')' || c == ']' || c == '}') {
      if (open.empty() || open.back() != c) return std::nullopt;
      open.pop_back();
    } else if (c == ',' && open.empty()) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (!open.empty()) return std::nullopt;
  parts.push_back(s.substr(start));
  return parts;
}

// The types written as one word. Handles keep their word as their name.
std::optional<TypeExpr> keyword(std::string_view s) {
  static const struct { std::string_view word; Kind kind; int bits; bool is_signed; } words[] = {
      {"none", Kind::none, 0, true},       {"bool", Kind::boolean, 0, true},  {"str", Kind::str, 0, true},
      {"bytes", Kind::bytes, 0, true},     {"any", Kind::any, 0, true},       {"i8", Kind::integer, 8, true},
      {"i16", Kind::integer, 16, true},    {"i32", Kind::integer, 32, true},  {"i64", Kind::integer, 64, true},
      {"u8", Kind::integer, 8, false},     {"u16", Kind::integer, 16, false}, {"u32", Kind::integer, 32, false},
      {"u64", Kind::integer, 64, false},   {"f32", Kind::floating, 32, true}, {"f64", Kind::floating, 64, true},
      {"lock", Kind::handle, 0, true},     {"event", Kind::handle, 0, true},  {"semaphore", Kind::handle, 0, true},
      {"barrier", Kind::handle, 0, true}};
  for (const auto& w : words) {
    if (s != w.word) continue;
    TypeExpr t;
    t.kind = w.kind;
    t.bits = w.bits;
    t.is_signed = w.is_signed;
    if (w.kind == Kind::handle) t.name = std::string(w.word);
    return t;
  }
  return std::nullopt;
}

// The generic forms head<...>, with their number of parameters (0: any).
struct Form { std::string_view head; Kind kind; std::size_t arity; };
constexpr Form kForms[] = {{"optional", Kind::optional, 1}, {"list", Kind::list, 1},   {"array", Kind::array, 2},
                           {"map", Kind::map, 2},           {"tuple", Kind::tuple, 0}, {"dict", Kind::handle, 2},
                           {"shared_list", Kind::handle, 1}, {"queue", Kind::handle, 1},
                           {"connection", Kind::handle, 1}};

std::optional<TypeExpr> parse(std::string_view s, int depth);

// head<parts...> for form f; nullopt when the parts do not suit it.
std::optional<TypeExpr> generic(const Form& f, const std::vector<std::string_view>& parts, int depth) {
  TypeExpr t;
  t.kind = f.kind;
  if (f.kind == Kind::handle) t.name = std::string(f.head);
  if (f.kind == Kind::tuple && parts.size() == 1 && trim(parts[0]).empty()) return t;  // tuple<>
  if (f.arity && parts.size() != f.arity) return std::nullopt;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (f.kind == Kind::array && i == 1) {
      const auto n = trim(parts[1]);
      auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), t.array_size);
      // Digits only, no leading zero: the text must stay canonical.
      if (ec != std::errc() || end != n.data() + n.size() || (n.size() > 1 && n[0] == '0')) return std::nullopt;
      continue;
    }
    auto arg = parse(parts[i], depth + 1);
    if (!arg) return std::nullopt;
    t.args.push_back(std::move(*arg));
  }
  return t;
}

std::optional<TypeExpr> parse(std::string_view s, int depth) {
  s = trim(s);
  // Signatures nest far less; the bound keeps hostile text off the stack.
  if (s.empty() || depth > ferry::kMaxValueDepth) return std::nullopt;
  if (auto k = keyword(s)) return k;
  const auto parts = split_top(s);
  if (!parts || parts->size() != 1) return std::nullopt;
  // A generic form is head<...> whose first '<' pairs with the last '>' (the
  // text between is balanced): "map<int,int>::iterator" is a name.
  const auto lt = s.find('<');
  if (lt != std::string_view::npos && s.back() == '>')
    if (const auto inner = split_top(s.substr(lt + 1, s.size() - lt - 2)))
      for (const auto& f : kForms)
        if (s.substr(0, lt) == f.head) return generic(f, *inner, depth);
  TypeExpr t;
  t.kind = Kind::named;
  t.name = std::string(s);
  return t;
}

Fit fail(std::string* why, std::string message) {
  if (why) *why = std::move(message);
  return Fit::no;
}

// A part's fit seen from its container: never exact (equal containers were
// caught before), and a mismatch is prefixed with where it is.
Fit part(Fit f, std::string* why, const std::string& where) {
  if (f != Fit::no) return Fit::convertible;
  if (why) *why = where + ": " + *why;
  return Fit::no;
}

bool string_or_int_key(const TypeExpr& k) { return k.kind == Kind::str || k.kind == Kind::integer; }

// The type of element i of a tuple, list or array.
const TypeExpr& slot(const TypeExpr& t, std::size_t i) { return t.kind == Kind::tuple ? t.args[i] : t.args[0]; }

bool list_like(const TypeExpr& t) { return t.kind == Kind::list || t.kind == Kind::array || t.kind == Kind::tuple; }

// A fixed length for arrays and tuples; lists have none (nullopt).
std::optional<std::size_t> fixed_length(const TypeExpr& t) {
  if (t.kind == Kind::array) return t.array_size;
  if (t.kind == Kind::tuple) return t.args.size();
  return std::nullopt;
}

bool int_in_range(std::int64_t i, const TypeExpr& t) {
  if (t.bits == 64) return t.is_signed || i >= 0;
  const std::int64_t span = std::int64_t{1} << t.bits;
  return t.is_signed ? (i >= -span / 2 && i < span / 2) : (i >= 0 && i < span);
}

// Whether a Value map key parses as key type k, as convert.hpp's
// key_from_string does.
bool key_fits(const std::string& s, const TypeExpr& k) {
  if (k.kind == Kind::str) return true;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  const char* end = s.data() + s.size();
  const auto r = k.is_signed ? std::from_chars(s.data(), end, i) : std::from_chars(s.data(), end, u);
  if (r.ec != std::errc() || r.ptr != end) return false;
  return k.is_signed ? int_in_range(i, k) : (k.bits == 64 || u < (std::uint64_t{1} << k.bits));
}

}  // namespace

std::optional<TypeExpr> parse_type(std::string_view text) { return parse(text, 0); }

std::optional<std::vector<TypeExpr>> parse_params(std::string_view text) {
  text = trim(text);
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return std::nullopt;
  const auto inner = text.substr(1, text.size() - 2);
  const auto parts = split_top(inner);  // balanced inside, so the parentheses pair up
  if (!parts) return std::nullopt;
  std::vector<TypeExpr> out;
  if (trim(inner).empty()) return out;
  for (auto p : *parts) {
    auto t = parse_type(p);
    if (!t) return std::nullopt;
    out.push_back(std::move(*t));
  }
  return out;
}

// Built by appending only: GCC 12 warns falsely (-Wrestrict, in Release)
// about "literal" + std::string.
std::string to_string(const TypeExpr& t) {
  auto joined = [&](std::string head) {
    head += '<';
    for (std::size_t i = 0; i < t.args.size(); ++i) {
      if (i) head += ',';
      head += to_string(t.args[i]);
    }
    if (t.kind == Kind::array) {
      head += ',';
      head += std::to_string(t.array_size);
    }
    head += '>';
    return head;
  };
  auto sized = [&](const char* prefix) {
    std::string s = prefix;
    s += std::to_string(t.bits);
    return s;
  };
  switch (t.kind) {
    case Kind::none: return "none";
    case Kind::boolean: return "bool";
    case Kind::integer: return sized(t.is_signed ? "i" : "u");
    case Kind::floating: return sized("f");
    case Kind::str: return "str";
    case Kind::bytes: return "bytes";
    case Kind::any: return "any";
    case Kind::handle: return t.args.empty() ? t.name : joined(t.name);
    case Kind::named: return t.name;
    default:  // optional, list, array, map, tuple
      for (const auto& f : kForms)
        if (f.kind == t.kind) return joined(std::string(f.head));
  }
  return "?";
}

Fit fits(const TypeExpr& from, const TypeExpr& to, std::string* why) {
  if (from == to) return Fit::exact;
  const std::string mismatch = to_string(from) + " does not fit " + to_string(to);
  // A handle names a live object in the manager; as a Value it would be a
  // meaningless {value0: name, value1: setting} map, so it passes only as itself.
  if (from.kind == Kind::handle || to.kind == Kind::handle)
    return fail(why, mismatch + " (a shared-object handle passes only as itself)");
  if (from.kind == Kind::any || to.kind == Kind::any) return Fit::convertible;
  if (to.kind == Kind::optional) {
    if (from.kind == Kind::none) return Fit::convertible;
    const TypeExpr& inner = from.kind == Kind::optional ? from.args[0] : from;
    return part(fits(inner, to.args[0], why), why, "optional value");
  }
  // An empty optional fails at run time; the value inside must fit.
  if (from.kind == Kind::optional) return part(fits(from.args[0], to, why), why, "optional value");
  switch (to.kind) {
    case Kind::integer:
      if (from.kind == Kind::integer) return Fit::convertible;  // range checked at run time
      break;
    case Kind::floating:
      if (from.kind == Kind::integer || from.kind == Kind::floating) return Fit::convertible;
      break;
    case Kind::bytes:
      if (from.kind == Kind::str) return Fit::convertible;
      break;
    case Kind::list:
    case Kind::array:
    case Kind::tuple: {
      if (!list_like(from)) break;
      const auto have = fixed_length(from), want = fixed_length(to);
      if (have && want && *have != *want)  // a list's length is only known at run time
        return fail(why, mismatch + ": " + std::to_string(*have) + " elements, expected " + std::to_string(*want));
      // Tuples compare slot by slot; lists and arrays by their one element
      // type (never per element: array<T,N> may be huge).
      const bool slots = from.kind == Kind::tuple || to.kind == Kind::tuple;
      const std::size_t n = from.kind == Kind::tuple ? from.args.size() : to.kind == Kind::tuple ? to.args.size() : 1;
      for (std::size_t i = 0; i < n; ++i) {
        const Fit f = fits(slot(from, i), slot(to, i), why);
        if (part(f, why, slots ? "element " + std::to_string(i) : "element") == Fit::no) return Fit::no;
      }
      return Fit::convertible;
    }
    case Kind::map:
      if (from.kind != Kind::map) break;
      // Keys travel as strings in a Value: string and integer keys convert
      // both ways (integers parsed and range checked at run time).
      if (from.args[0] != to.args[0] && !(string_or_int_key(from.args[0]) && string_or_int_key(to.args[0])))
        return fail(why, "map key: " + to_string(from.args[0]) + " does not fit " + to_string(to.args[0]));
      return part(fits(from.args[1], to.args[1], why), why, "map value");
    default:
      break;
  }
  return fail(why, mismatch);
}

namespace {

// A literal map against the struct s describes, as ferry::from_value reads
// it (every field by name, no key left over).
Fit struct_value_fits(const Value::Map& m, const StructSchema& s, std::string* why,
                      const std::vector<StructSchema>* structs) {
  const auto field_names = [&] {
    std::string out;
    for (const auto& f : s.fields) (out += out.empty() ? "" : ", ") += f.name;
    return out;
  };
  for (const auto& entry : m) {
    const std::string& k = entry.first;  // not a structured binding: clang 14 cannot capture one
    const bool known = std::any_of(s.fields.begin(), s.fields.end(), [&](const FieldSchema& f) { return f.name == k; });
    if (!known) {
      std::vector<std::string> names;
      for (const auto& f : s.fields) names.push_back(f.name);
      const auto best = text::closest(k, names);
      return fail(why, "struct " + s.name + " has no field '" + k + "'" +
                           (best ? "; did you mean '" + *best + "'?" : "; its fields are " + field_names()));
    }
  }
  for (const auto& f : s.fields) {
    const auto at = std::find_if(m.begin(), m.end(), [&](const auto& kv) { return kv.first == f.name; });
    if (at == m.end())
      return fail(why, "struct " + s.name + ": missing field '" + f.name + "' (" + f.type + ")");
    if (value_fits(at->second, type_or_named(f.type), why, structs) == Fit::no)
      return part(Fit::no, why, "field '" + f.name + "' of struct " + s.name);
  }
  return Fit::convertible;  // a struct always travels through its Value form
}

}  // namespace

Fit value_fits(const ferry::Value& v, const TypeExpr& t, std::string* why, const std::vector<StructSchema>* structs) {
  const auto wrong = [&] {
    return fail(why, "expected " + to_string(t) + ", got " + Value::kind_name(v.kind()));
  };
  // The worse of two fits.
  const auto worse = [](Fit a, Fit b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; };
  switch (t.kind) {
    case Kind::any: return Fit::exact;
    case Kind::none: return v.is_null() ? Fit::exact : wrong();
    case Kind::boolean: return v.is_bool() ? Fit::exact : wrong();
    case Kind::integer:
      if (!v.is_int()) return wrong();
      if (!int_in_range(v.as_int(), t)) return fail(why, std::to_string(v.as_int()) + " is out of range for " + to_string(t));
      return Fit::exact;
    case Kind::floating: return v.is_float() ? Fit::exact : v.is_int() ? Fit::convertible : wrong();
    case Kind::str: return v.is_string() ? Fit::exact : wrong();
    case Kind::bytes: return v.is_bytes() ? Fit::exact : v.is_string() ? Fit::convertible : wrong();
    case Kind::optional: return v.is_null() ? Fit::exact : value_fits(v, t.args[0], why, structs);
    case Kind::list:
    case Kind::array:
    case Kind::tuple: {
      if (!v.is_list()) return wrong();
      const auto& l = v.as_list();
      if (const auto n = fixed_length(t); n && l.size() != *n)
        return fail(why, "expected " + to_string(t) + " (" + std::to_string(*n) + " elements), got a list of " +
                             std::to_string(l.size()));
      Fit f = Fit::exact;
      for (std::size_t i = 0; i < l.size(); ++i) {
        const Fit e = value_fits(l[i], t.kind == Kind::tuple ? t.args[i] : t.args[0], why, structs);
        if (e == Fit::no) return part(e, why, "element " + std::to_string(i));
        f = worse(f, e);
      }
      return f;
    }
    case Kind::map: {
      if (!v.is_map()) return wrong();
      if (!string_or_int_key(t.args[0]))
        return fail(why, "map keys of type " + to_string(t.args[0]) + " cannot be given as a literal");
      Fit f = Fit::exact;
      for (const auto& [k, e] : v.as_map()) {
        if (!key_fits(k, t.args[0])) return fail(why, "key '" + k + "': not a " + to_string(t.args[0]));
        const Fit ef = value_fits(e, t.args[1], why, structs);
        if (ef == Fit::no) return part(ef, why, "key '" + k + "'");
        f = worse(f, ef);
      }
      return f;
    }
    case Kind::named: {
      if (!v.is_map()) return fail(why, "expected a map for struct " + t.name + ", got " + Value::kind_name(v.kind()));
      if (structs)
        for (const auto& s : *structs)
          if (s.name == t.name) return struct_value_fits(v.as_map(), s, why, structs);
      return Fit::convertible;  // a plugin built before schemas: its fields are its own
    }
    case Kind::handle:
      return fail(why, "a shared-object handle (" + to_string(t) + ") cannot be given as a literal");
  }
  return wrong();
}

TypeExpr type_or_named(std::string_view text) {
  if (auto t = parse_type(text)) return *t;
  TypeExpr t;
  t.kind = TypeExpr::Kind::named;
  t.name = std::string(text);
  return t;
}

}  // namespace ferry::types
