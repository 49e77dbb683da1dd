// Text -> exactly one YAML document. yaml-cpp's Load reads the first
// document of a text and silently drops any that follow a `---`, and its
// depth guard reports a too deeply nested text as "bad file" with no useful
// place; both read badly in a pipeline file or a command-line value.
#pragma once

#include <string>

#include <yaml-cpp/mark.h>
#include <yaml-cpp/node/node.h>

#include <ferry/errors.hpp>

namespace ferry {

// Why a text is not one YAML document, and where. what() is
// "line L, column C: REASON" (1-based), as the other YAML errors read.
class YamlTextError : public ConfigError {
 public:
  enum class Kind {
    syntax,           // the text is not YAML at all
    too_deep,         // collections nested past the parser's depth guard
    second_document,  // a further document after the first
  };
  YamlTextError(Kind kind, const YAML::Mark& mark, std::string reason);
  Kind kind() const { return kind_; }
  const YAML::Mark& mark() const { return mark_; }  // 0-based, as yaml-cpp's
  const std::string& reason() const { return reason_; }

 private:
  Kind kind_;
  YAML::Mark mark_;
  std::string reason_;
};

// The text's one document (a null node for an empty text). Throws
// YamlTextError for a syntax error, a nesting deeper than yaml-cpp allows,
// or a second document.
YAML::Node load_one_document(const std::string& text);

}  // namespace ferry
