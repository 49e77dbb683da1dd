#include "pipeline/connectors/sinks/json_lines_writer.hpp"

#include <charconv>
#include <cstdint>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/wire_format.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/run/stream_check.hpp"

namespace ferry::pipeline {

void JsonLinesWriter::add_encoded(std::string_view bytes) {
  // The Value archive: a kind byte, then a bool's byte or an integer's
  // eight (detail::append_value). Anything else, or anything malformed,
  // goes the general way, which says what is wrong with it.
  if (!bytes.empty()) {
    const auto kind = static_cast<Value::Kind>(bytes[0]);
    if (kind == Value::Kind::boolean && bytes.size() == 2 && static_cast<unsigned char>(bytes[1]) <= 1) {
      if (bytes[1]) text_.append("true\n", 5);
      else text_.append("false\n", 6);
      return;
    }
    if (kind == Value::Kind::integer && bytes.size() == 1 + sizeof(std::int64_t)) {
      char digits[24];
      char* end = std::to_chars(digits, digits + sizeof digits - 1, wire_format::read_scalar<std::int64_t>(bytes.data() + 1)).ptr;
      *end++ = '\n';
      text_.append(digits, end);
      return;
    }
    if (kind == Value::Kind::null && bytes.size() == 1) {
      text_.append("null\n", 5);
      return;
    }
  }
  add(codec::decode_value(bytes));
}

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
