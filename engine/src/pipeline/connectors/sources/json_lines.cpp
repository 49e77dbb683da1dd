// source: {json_lines: FILE} or {json_lines: "-"}: each non-empty line one
// JSON value, of type any (known only as it is read).
#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/connectors/sources/text_lines.hpp"

namespace ferry::pipeline {
namespace {

class JsonLinesSource final : public TextLinesSource {
 public:
  using TextLinesSource::TextLinesSource;
  SourceItems items() const override { return {}; }

 private:
  bool line(ItemEmitter& out, std::string& text, std::uint64_t number, const std::string& where) const override {
    if (text.find_first_not_of(" \t") == std::string::npos) return true;
    Value v;
    try {
      v = value_from_json(text);
    } catch (const ConfigError& e) {
      throw Error(where + ":" + std::to_string(number) + ": not a JSON value: " + e.what());
    }
    return out.emit(codec::encode_value(v));
  }
};

}  // namespace

SourceKind json_lines_source() { return {"json_lines", "{json_lines: FILE}", {}, parse_text_lines<JsonLinesSource>}; }

}  // namespace ferry::pipeline
