// sink: stderr (and errors: stderr): each item as a line of JSON on
// standard error (or the stream a host passes as PipelineRunOptions::errors).
#include "pipeline/connectors/sinks/json_lines_writer.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {
namespace {

class StderrSink final : public SinkConfig {
 public:
  using SinkConfig::SinkConfig;
  std::unique_ptr<SinkWriter> open(const SinkIo& io) const override {
    return std::make_unique<JsonLinesWriter>(io.err, "stderr");
  }
  std::string target() const override { return "stderr"; }
};

std::unique_ptr<SinkConfig> parse(const SinkKind& kind, const ConnectorParse&) {
  return std::make_unique<StderrSink>(kind);
}

}  // namespace

SinkKind stderr_sink() { return {"stderr", "stderr", true, true, false, parse}; }

}  // namespace ferry::pipeline
