// What lines and json_lines share: a file, or "-" for standard input, read
// line by line as the pipeline takes items.
#pragma once

#include <string>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {

class TextLinesSource : public SourceConfig {
 public:
  TextLinesSource(const SourceKind& kind, std::string path) : SourceConfig(kind), path_(std::move(path)) {}
  void read(ItemEmitter& out, const SourceIo& io) const override;
  std::string input_path() const override { return from_stdin() ? "" : path_; }
  std::string not_resumable() const override;

 protected:
  // One line without its line end, numbered from 1; false stops reading.
  // where names the input in messages ("data/x.jsonl", "stdin").
  virtual bool line(ItemEmitter& out, std::string& text, std::uint64_t number, const std::string& where) const = 0;

 private:
  bool from_stdin() const { return path_ == "-"; }
  std::string path_;  // resolved, or "-"
};

// The settings of a lines or json_lines source: "-", or a file that exists
// (relative to the pipeline file's folder). Null with a problem in p.cx.
template <class Source>
std::unique_ptr<SourceConfig> parse_text_lines(const SourceKind& kind, const ConnectorParse& p) {
  const std::string key(kind.key);
  const auto text = detail::text_of(p.value);
  if (!text) {
    p.cx.problem(p.value, key + " must be a file path, or - for standard input, got " + detail::describe(p.value));
    return nullptr;
  }
  if (*text == "-") return std::make_unique<Source>(kind, "-");
  return std::make_unique<Source>(kind, detail::existing_file(p.cx, p.value, *text, key));
}

}  // namespace ferry::pipeline
