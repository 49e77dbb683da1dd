// Positions, problems and small node helpers shared by the loader's files.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>

#include <ferry/errors.hpp>

#include "pipeline/spec/yaml_reading.hpp"
#include "text/closest.hpp"
#include "values/yaml_value.hpp"

namespace ferry::pipeline {

std::string to_string(const Location& where) {
  if (!where.origin.empty()) return where.origin;
  // Line 0: a problem with the file as a whole (e.g. it cannot be read).
  if (where.line == 0) return where.file;
  return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
}

namespace detail {

void Locator::mark_overridden(const YAML::Node& node, const std::string& origin) {
  // An alias is the very node it names: each is marked once, so aliases can
  // neither multiply the work nor, naming their own anchor (&a [*a]),
  // recurse until the stack overflows.
  for (const auto& [marked, by] : overridden_)
    if (by == origin && marked.is(node)) return;
  overridden_.emplace_back(node, origin);
  if (node.IsSequence()) {
    for (const auto& e : node) mark_overridden(e, origin);
  } else if (node.IsMap()) {
    for (const auto& kv : node) {
      mark_overridden(kv.first, origin);
      mark_overridden(kv.second, origin);
    }
  }
}

std::string Locator::origin_of(const YAML::Node& node) const {
  if (!node.IsDefined()) return "";
  // Newest first: a later override of the same node is the one in effect.
  for (auto it = overridden_.rbegin(); it != overridden_.rend(); ++it)
    if (it->first.is(node)) return it->second;
  return "";
}

Location Locator::at(const YAML::Node& node) const {
  Location where = at(node.IsDefined() ? node.Mark() : YAML::Mark::null_mark());
  where.origin = origin_of(node);
  return where;
}

Location Locator::at(const YAML::Mark& mark) const {
  Location where;
  where.file = file_;
  if (!mark.is_null()) {
    int line = mark.line, column = mark.column;
    if (expanded_) expanded_->to_file(line, column);
    where.line = line + 1;
    where.column = column + 1;
  }
  return where;
}

void Context::problem(const YAML::Node& node, std::string message) { problem(locator.at(node), std::move(message)); }

void Context::problem(Location where, std::string message) {
  problems.push_back(Problem{std::move(where), std::move(message)});
}

std::vector<Entry> entries(Context& cx, const YAML::Node& map) {
  std::vector<Entry> out;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      cx.problem(kv.first, "keys must be plain names, got " + describe(kv.first));
      continue;
    }
    const std::string& key = kv.first.Scalar();
    const auto first = std::find_if(out.begin(), out.end(), [&](const Entry& e) { return e.key == key; });
    if (first != out.end()) {
      cx.problem(kv.first,
                 "duplicate key '" + key + "' (first at " + short_place(cx.locator.at(first->key_node)) + ")");
      continue;
    }
    out.push_back(Entry{key, kv.first, kv.second});
  }
  return out;
}

void check_keys(Context& cx, const std::vector<Entry>& items, const std::vector<std::string>& allowed,
                const std::string& in) {
  for (const auto& e : items)
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end())
      cx.problem(e.key_node, "unknown key '" + e.key + "' " + in + suggest(e.key, allowed));
}


std::string suggest(const std::string& word, const std::vector<std::string>& choices) {
  if (auto best = text::closest(word, choices)) return "; did you mean '" + *best + "'?";
  return " (allowed: " + join(choices, ", ") + ")";
}

std::string join(const std::vector<std::string>& words, const std::string& last) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last : ", ";
    out += words[i];
  }
  return out;
}

namespace {

// The scalar's Value, or nullopt if it is not a scalar or does not convert.
std::optional<Value> scalar_value(const YAML::Node& node) {
  if (!node.IsDefined() || !node.IsScalar()) return std::nullopt;
  try {
    return value_from_yaml_node(node);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  const auto v = scalar_value(node);
  // Numbers and booleans read as written; text is quoted so that `got ''`
  // and `got '5'` (a quoted five) are visible as strings.
  if (v && !v->is_string()) return node.Scalar();
  return "'" + node.Scalar() + "'";
}

std::string short_place(const Location& where) {
  if (!where.origin.empty()) return where.origin;
  return std::to_string(where.line) + ":" + std::to_string(where.column);
}

std::optional<Value> to_value(Context& cx, const YAML::Node& node) {
  try {
    return value_from_yaml_node(node, cx.values);
  } catch (const std::exception& e) {
    // The converter names the exact nested node as "line L, column C: ";
    // move that into the Location so the message reads like every other.
    std::string message = e.what();
    Location where = cx.locator.at(node);
    int line = 0, column = 0;
    if (message.starts_with("line ")) {
      const char* p = message.data() + 5;
      const char* end = message.data() + message.size();
      auto r = std::from_chars(p, end, line);
      if (r.ec == std::errc() && std::string_view(r.ptr, end).starts_with(", column ")) {
        r = std::from_chars(r.ptr + 9, end, column);
        if (r.ec == std::errc() && std::string_view(r.ptr, end).starts_with(": ")) {
          message.erase(0, static_cast<std::size_t>(r.ptr + 2 - message.data()));
          // An overridden value's marks are in the override's text: keep its origin.
          if (where.origin.empty()) where.line = line, where.column = column;
        }
      }
    }
    cx.problem(where, message);
    return std::nullopt;
  }
}

std::optional<std::int64_t> int_of(const YAML::Node& node) {
  const auto v = scalar_value(node);
  if (v && v->is_int()) return v->as_int();
  return std::nullopt;
}

std::optional<bool> bool_of(const YAML::Node& node) {
  const auto v = scalar_value(node);
  if (v && v->is_bool()) return v->as_bool();
  return std::nullopt;
}

std::optional<std::string> text_of(const YAML::Node& node) {
  const auto v = scalar_value(node);
  // Names and paths may look like numbers (pipeline: 2024); null may not.
  if (!v || v->is_null() || node.Scalar().empty()) return std::nullopt;
  return node.Scalar();
}

bool is_name(const std::string& s, bool dot) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [dot](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           (dot && c == '.');
  });
}

std::string resolve_path(const std::string& dir, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(dir) / p).lexically_normal().string();
}

}  // namespace detail
}  // namespace ferry::pipeline
