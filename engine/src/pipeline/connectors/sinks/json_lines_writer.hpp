// Items as lines of compact JSON on a stream: what the stdout, stderr and
// file sinks (and errors: outputs) write.
#pragma once

#include <ostream>
#include <string>

#include "pipeline/connectors/connector.hpp"

namespace ferry::pipeline {

class JsonLinesWriter : public SinkWriter {
 public:
  // target names the stream in messages; length is what it already holds
  // (a file appended to after a journal's restart).
  JsonLinesWriter(std::ostream& os, std::string target, std::uint64_t length = 0)
      : os_(os), target_(std::move(target)), length_(length) {}
  void add(const Value& item) override;
  // Booleans, integers and null straight from their bytes, without a Value.
  void add_encoded(std::string_view bytes) override;
  // Writes and flushes the batch: a reader following the output sees each
  // batch as it comes, and a journal never runs ahead of the bytes.
  void flush() override;
  std::uint64_t length() const override { return length_ + text_.size(); }

 protected:
  [[noreturn]] void cannot_write() const;

 private:
  std::ostream& os_;
  std::string target_;
  std::uint64_t length_;
  std::string text_;  // added since the last flush
};

// A sink writing JSON lines to one of the run's streams (stdout, stderr):
// which one, and its name in messages, are all that set them apart.
class StreamSink final : public SinkConfig {
 public:
  using Pick = std::ostream& (*)(const SinkIo&);
  StreamSink(const SinkKind& kind, Pick pick) : SinkConfig(kind), pick_(pick) {}
  std::unique_ptr<SinkWriter> open(const SinkIo& io) const override {
    return std::make_unique<JsonLinesWriter>(pick_(io), target());
  }
  std::string target() const override { return std::string(kind().key); }

 private:
  Pick pick_;
};

}  // namespace ferry::pipeline
