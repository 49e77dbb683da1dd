#include "pipeline/connectors/sinks/json_lines_writer.hpp"

#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/run/stream_check.hpp"

namespace ferry::pipeline {

void JsonLinesWriter::add(const Value& item) {
  append_json(text_, item);
  text_ += '\n';
}

void JsonLinesWriter::flush() {
  if (!write_all(os_, text_)) cannot_write();
  length_ += text_.size();
  text_.clear();
}

void JsonLinesWriter::cannot_write() const { throw Error("cannot write to " + target_ + ": " + write_failure()); }

}  // namespace ferry::pipeline
