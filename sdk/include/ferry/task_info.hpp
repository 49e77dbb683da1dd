// ferry::TaskInfo: one task of a loaded plugin, as its worker describes it.
// Beside the C task entry it copies (ferry_task_v1 in <ferry/abi.h>), so the
// worker, the wire and the host API share one definition. Also the struct
// schemas a task's signature carries: what a struct's name alone cannot say.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/abi.h>

namespace ferry {

// One field of a struct: its name (CEREAL_NVP's, else value0, value1, ...
// as cereal's JSON archive names them) and its signature type name.
struct FieldSchema {
  std::string name;
  std::string type;
  friend bool operator==(const FieldSchema&, const FieldSchema&) = default;
};

// A user struct: its signature name and its fields in serialization order.
struct StructSchema {
  std::string name;
  std::vector<FieldSchema> fields;
  friend bool operator==(const StructSchema&, const StructSchema&) = default;
};

// "Point{x: f64, y: f64}": one line, for messages and `ferry inspect`.
inline std::string to_string(const StructSchema& s) {
  std::string out = s.name;
  out += '{';
  for (std::size_t i = 0; i < s.fields.size(); ++i) {
    if (i) out += ", ";
    out += s.fields[i].name;
    out += ": ";
    out += s.fields[i].type;
  }
  out += '}';
  return out;
}

// "" when here and there (one struct as two builds see it) agree; else the
// first difference, naming the field: "struct Order: field 1 is price: f64
// in the host, qty: i64 in the plugin" (labels "in the host", "in the
// plugin"; by default "here" and "there").
inline std::string schema_mismatch(const StructSchema& here, const StructSchema& there,
                                   std::string_view here_label = "here", std::string_view there_label = "there") {
  std::string out = "struct " + here.name + ": ";
  const auto said = [&](const std::string& what, std::string_view label) { (out += what) += ' '; out += label; };
  const std::size_t n = std::min(here.fields.size(), there.fields.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto& a = here.fields[i];
    const auto& b = there.fields[i];
    if (a == b) continue;
    out += "field " + std::to_string(i + 1) + " is ";
    said(a.name + ": " + a.type, here_label);
    out += ", ";
    said(b.name + ": " + b.type, there_label);
    return out;
  }
  if (here.fields.size() == there.fields.size()) return "";
  said(std::to_string(here.fields.size()) + " fields", here_label);
  out += ", ";
  said(std::to_string(there.fields.size()), there_label);
  return out;
}

// The first disagreement between two sets of struct schemas over a struct
// both know (by name); "" when none. A struct one side does not describe
// (a plugin built before schemas existed) is not compared.
inline std::string struct_conflict(const std::vector<StructSchema>& here, const std::vector<StructSchema>& there,
                                   std::string_view here_label = "here", std::string_view there_label = "there") {
  for (const auto& a : here)
    for (const auto& b : there)
      if (a.name == b.name)
        if (auto why = schema_mismatch(a, b, here_label, there_label); !why.empty()) return why;
  return "";
}

// Name, signature and doc line of a task. params is "(T1,T2)", result "T".
struct TaskInfo {
  std::string name;    // as registered by the plugin
  std::string params;  // "(T1,T2)"
  std::string result;  // "T"
  std::string doc;     // the plugin's one-line description
  // The parameters' names, when the plugin gave them (one per parameter),
  // else empty.
  std::vector<std::string> param_names{};
  // The user structs in params and result, nested ones first; empty when
  // there are none, or the plugin was built before schemas existed.
  std::vector<StructSchema> structs{};

  // An owned copy of a plugin's task entry (whose strings the plugin owns).
  static TaskInfo of(const ferry_task_v1& t);

  // "(i64,i64) -> i64"
  std::string signature() const { return params + " -> " + result; }

  // "(base: i64, exp: i64) -> i64" when the parameters are named, else
  // signature().
  std::string named_signature() const {
    if (param_names.empty() || params.size() < 2) return signature();
    std::string out = "(";
    std::size_t k = 0, start = 1;
    int depth = 0;
    for (std::size_t i = 1; i < params.size(); ++i) {
      const char c = params[i];
      if (c == '<' || c == '(') ++depth;
      const bool end = i + 1 == params.size();
      if ((c == ',' && depth == 0) || end) {
        if (k) out += ", ";
        if (k < param_names.size()) (out += param_names[k]) += ": ";
        out.append(params, start, i - start);
        ++k;
        start = i + 1;
      }
      if (c == '>' || c == ')') --depth;
    }
    return out + ") -> " + result;
  }

  // "argument 2 (exp)" for i = 1 when the parameters are named, else
  // "argument 2": how messages name an argument.
  std::string argument_label(std::size_t i) const {
    std::string out = "argument " + std::to_string(i + 1);
    if (i < param_names.size()) ((out += " (") += param_names[i]) += ')';
    return out;
  }

  // The schema text of ferry_task_v1::schema for param_names and structs
  // (see parse_schema); "" when there is nothing to say.
  std::string schema_text() const;
  // Reads text as schema_text writes it into param_names and structs.
  // Lenient: a line it does not understand is skipped (a plugin is hostile
  // until proven otherwise, and a newer plugin may say more).
  void parse_schema(std::string_view text);

  // The struct called name among structs, or null.
  const StructSchema* find_struct(std::string_view struct_name) const {
    for (const auto& s : structs)
      if (s.name == struct_name) return &s;
    return nullptr;
  }

  friend bool operator==(const TaskInfo&, const TaskInfo&) = default;
};

// The schema text, one record per line, tab-separated (tabs and line breaks
// inside names are written as spaces):
//   P <tab> name1 <tab> name2 ...          parameter names
//   S <tab> Struct <tab> field <tab> type ...   one struct, fields in order
inline std::string TaskInfo::schema_text() const {
  const auto clean = [](std::string s) {
    std::replace_if(s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n'; }, ' ');
    return s;
  };
  std::string out;
  if (!param_names.empty()) {
    out += 'P';
    for (const auto& n : param_names) (out += '\t') += clean(n);
    out += '\n';
  }
  for (const auto& s : structs) {
    (out += "S\t") += clean(s.name);
    for (const auto& f : s.fields) ((out += '\t') += clean(f.name) += '\t') += clean(f.type);
    out += '\n';
  }
  return out;
}

inline void TaskInfo::parse_schema(std::string_view text) {
  param_names.clear();
  structs.clear();
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    std::vector<std::string> cells;
    for (;;) {
      const std::size_t tab = line.find('\t');
      cells.emplace_back(line.substr(0, tab));
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    if (cells[0] == "P" && cells.size() > 1) {
      param_names.assign(cells.begin() + 1, cells.end());
    } else if (cells[0] == "S" && cells.size() >= 2 && cells.size() % 2 == 0) {
      StructSchema s{cells[1], {}};
      for (std::size_t i = 2; i < cells.size(); i += 2) s.fields.push_back({cells[i], cells[i + 1]});
      structs.push_back(std::move(s));
    }
  }
}

inline TaskInfo TaskInfo::of(const ferry_task_v1& t) {
  TaskInfo info{t.name, t.params, t.result, t.doc ? t.doc : ""};
  if (t.schema) info.parse_schema(t.schema);
  return info;
}

}  // namespace ferry
