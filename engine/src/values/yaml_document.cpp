#include "values/yaml_document.hpp"

#include <sstream>
#include <utility>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace ferry {
namespace {

std::string place(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) + ": ";
}

// Listens to the parser only to learn where each document starts.
class DocumentStarts final : public YAML::EventHandler {
 public:
  YAML::Mark last;
  void OnDocumentStart(const YAML::Mark& mark) override { last = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Where the flow collections ([ and {) of text nest deepest: the first
// bracket that opens level levels, or else the deepest level reached, with
// that level. yaml-cpp's depth guard reports the mark of the token at the
// front of its queue, which for a long line of brackets is the line's start
// or the end of the text; this scan finds the bracket itself. Quoted
// scalars and comments are skipped. It runs only on a text the parser
// already refused as too deep, so brackets inside a block or plain scalar
// cannot raise a false alarm, only make the place less exact.
std::pair<YAML::Mark, int> deepest_flow(const std::string& text, int levels) {
  YAML::Mark at, deepest;
  int depth = 0, max = 0;
  char quote = 0;
  bool comment = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++at.line, at.column = 0, comment = false;
      continue;
    }
    if (comment) {
    } else if (quote) {
      if (quote == '"' && c == '\\') ++i, ++at.column;  // an escaped character
      else if (c == quote) quote = 0;                     // '' in '...' closes and reopens: same result
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (at.column == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      comment = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) max = depth, deepest = at;
      if (depth == levels) break;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    ++at.column;
  }
  return {deepest, max};
}

}  // namespace

YamlTextError::YamlTextError(Kind kind, const YAML::Mark& mark, std::string reason)
    : ConfigError(place(mark) + reason), kind_(kind), mark_(mark), reason_(std::move(reason)) {}

YAML::Node load_one_document(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // The guard throws on reaching its limit: depth() - 1 levels are allowed.
    // Mostly flow collections: point at the bracket; mostly block
    // collections: the guard's own mark is the line that went too deep.
    const auto [flow, flow_levels] = deepest_flow(text, e.depth());
    const YAML::Mark& mark = flow_levels > e.depth() / 2 ? flow : e.mark;
    throw YamlTextError(YamlTextError::Kind::too_deep, mark,
                        "nesting deeper than " + std::to_string(e.depth() - 1) + " levels");
  } catch (const YAML::Exception& e) {
    throw YamlTextError(YamlTextError::Kind::syntax, e.mark, e.msg);
  }
  // Load stops after the first document: parse again, noting where each
  // starts, to find a second one. The text is already known to be good up
  // to the end of the first, so only the second document can throw.
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  parser.HandleNextDocument(starts);
  try {
    if (!parser.HandleNextDocument(starts)) return root;
  } catch (const YAML::Exception&) {
    // Broken as well: still, the mistake to report is that it is there.
  }
  throw YamlTextError(YamlTextError::Kind::second_document, starts.last,
                      "a second YAML document starts here: only one is allowed, and the rest would be ignored");
}

}  // namespace ferry
