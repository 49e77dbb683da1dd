// sink: stdout: each item as a line of JSON on standard output (or the
// stream a host passes as PipelineRunOptions::out).
#include "pipeline/connectors/sinks/json_lines_writer.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {
namespace {

class StdoutSink final : public SinkConfig {
 public:
  using SinkConfig::SinkConfig;
  std::unique_ptr<SinkWriter> open(const SinkIo& io) const override {
    return std::make_unique<JsonLinesWriter>(io.out, "stdout");
  }
  std::string target() const override { return "stdout"; }
};

std::unique_ptr<SinkConfig> parse(const SinkKind& kind, const ConnectorParse&) {
  return std::make_unique<StdoutSink>(kind);
}

}  // namespace

SinkKind stdout_sink() { return {"stdout", "stdout", true, true, false, parse}; }

}  // namespace ferry::pipeline
