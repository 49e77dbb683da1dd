#include "pipeline/spec/variables.hpp"

#include <cctype>
#include <cstdlib>

namespace ferry::pipeline::detail {
namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::optional<std::string> from_environment(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

ExpandedText::ExpandedText(std::string_view text, const Lookup& lookup) {
  text_.reserve(text.size());
  int number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    expand_line(line, number++, lookup);
    if (end == std::string_view::npos) break;
    text_ += '\n';
    text.remove_prefix(end + 1);
  }
}

void ExpandedText::expand_line(std::string_view line, int number, const Lookup& lookup) {
  const int base = static_cast<int>(text_.size());  // where this line starts in text_
  bool single = false, dbl = false;  // inside a quoted scalar on this line
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    // A comment starts at a # after a blank (or the line's start), outside quotes.
    if (c == '#' && !single && !dbl && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      text_.append(line.substr(i));
      return;
    }
    if (c == '\'' && !dbl) single = !single;
    if (c == '"' && !single && (i == 0 || line[i - 1] != '\\')) dbl = !dbl;
    if (c == '$' && line.substr(i).starts_with("$${")) {  // $${ is a literal ${
      spans_.push_back({number, static_cast<int>(text_.size()) - base, static_cast<int>(text_.size()) - base + 2,
                        static_cast<int>(i), static_cast<int>(i) + 3});
      text_ += "${";
      i += 3;
      continue;
    }
    if (c != '$' || !line.substr(i).starts_with("${")) {
      text_ += c;
      ++i;
      continue;
    }
    const std::size_t close = line.find('}', i + 2);
    const auto keep = [&](std::string message) {
      problems_.push_back({number, static_cast<int>(i), std::move(message)});
      const std::size_t to = close == std::string_view::npos ? line.size() : close + 1;
      text_.append(line.substr(i, to - i));
      i = to;
    };
    if (close == std::string_view::npos) {
      keep("'${' without a closing '}' (write $${ for a literal ${)");
      continue;
    }
    const std::string_view inner = line.substr(i + 2, close - i - 2);
    std::size_t n = 0;
    while (n < inner.size() && name_char(inner[n])) ++n;
    const std::string name(inner.substr(0, n));
    const bool has_default = inner.substr(n).starts_with(":-");
    if (name.empty() || !name_start(name[0]) || (n != inner.size() && !has_default)) {
      keep("'${" + std::string(inner) + "}' is not ${NAME} or ${NAME:-default} (write $${ for a literal ${)");
      continue;
    }
    std::optional<std::string> value = lookup(name);
    if (has_default && (!value || value->empty())) value = std::string(inner.substr(n + 2));
    if (!value) {
      keep("environment variable " + name + " is not set (give it a default with ${" + name + ":-default})");
      continue;
    }
    if (value->find_first_of("\r\n") != std::string::npos) {
      keep("environment variable " + name + " holds a line break; a ${...} stands for part of one line");
      continue;
    }
    const int from = static_cast<int>(text_.size()) - base;
    text_ += *value;
    spans_.push_back({number, from, from + static_cast<int>(value->size()), static_cast<int>(i),
                      static_cast<int>(close) + 1});
    i = close + 1;
  }
}

void ExpandedText::to_file(int& line, int& column) const {
  int shift = 0;  // columns the replacements before `column` added
  for (const auto& s : spans_) {
    if (s.line != line) continue;
    if (column >= s.to) {
      shift += (s.file_to - s.file_from) - (s.to - s.from);
    } else if (column >= s.from) {
      column = s.file_from;
      return;
    }
  }
  column += shift;
}

}  // namespace ferry::pipeline::detail
