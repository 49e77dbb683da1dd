// sink: stdout: each item as a line of JSON on standard output (or the
// stream a host passes as PipelineRunOptions::out).
#include "pipeline/connectors/sinks/json_lines_writer.hpp"

namespace ferry::pipeline {
namespace {

std::unique_ptr<SinkConfig> parse_stdout_sink(const SinkKind& kind, const ConnectorParse&) {
  return std::make_unique<StreamSink>(kind, [](const SinkIo& io) -> std::ostream& { return io.out; });
}

}  // namespace

SinkKind stdout_sink() { return {"stdout", "stdout", true, true, false, parse_stdout_sink}; }

}  // namespace ferry::pipeline
