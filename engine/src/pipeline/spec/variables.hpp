// ${VAR} and ${VAR:-default} in a pipeline file, expanded from the
// environment before the file is parsed (as Compose and Benthos files do),
// with a map back to the file's own lines and columns so that every problem
// still points at what the user wrote.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::pipeline::detail {

// A variable's value, or nothing when it is not set.
using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

// The environment of this process.
std::optional<std::string> from_environment(const std::string& name);

// A problem found while expanding, at a 0-based line and column of the file.
struct VariableProblem {
  int line = 0, column = 0;
  std::string message;
};

class ExpandedText {
 public:
  // Expands text: ${NAME} (NAME: letters, digits and _, not starting with a
  // digit), ${NAME:-default} (the default when NAME is unset or empty),
  // and $${ for a literal ${. Comments are left alone. A variable that is
  // not set and has no default, a malformed ${...} and a value holding a
  // line break are problems; each leaves the ${...} as written.
  ExpandedText(std::string_view text, const Lookup& lookup);

  const std::string& text() const { return text_; }
  const std::vector<VariableProblem>& problems() const { return problems_; }
  // Where a 0-based position of text() was in the file: inside an expanded
  // value, the start of its ${.
  void to_file(int& line, int& column) const;

 private:
  struct Span {  // one replacement, on one line (values hold no line breaks)
    int line;
    int from, to;          // its columns in text()
    int file_from, file_to;  // the columns it replaced in the file
  };
  void expand_line(std::string_view line, int number, const Lookup& lookup);

  std::string text_;
  std::vector<VariableProblem> problems_;
  std::vector<Span> spans_;  // in order of line, then column
};

}  // namespace ferry::pipeline::detail
