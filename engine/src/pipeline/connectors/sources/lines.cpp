// source: {lines: FILE} or {lines: "-"}: each line of a text file (or of
// standard input) as one str item.
#include <ferry/codec.hpp>

#include "pipeline/connectors/sources/text_lines.hpp"

namespace ferry::pipeline {
namespace {

class LinesSource final : public TextLinesSource {
 public:
  using TextLinesSource::TextLinesSource;
  SourceItems items() const override { return {SourceItems::Kind::typed, "str", nullptr, nullptr}; }

 private:
  bool line(ItemEmitter& out, std::string& text, std::uint64_t, const std::string&) const override {
    return out.emit(codec::encode_value(Value(text)));
  }
};

}  // namespace

SourceKind lines_source() { return {"lines", "{lines: FILE}", {}, parse_text_lines<LinesSource>}; }

}  // namespace ferry::pipeline
