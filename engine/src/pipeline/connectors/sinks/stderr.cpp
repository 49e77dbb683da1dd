// sink: stderr (and errors: stderr): each item as a line of JSON on
// standard error (or the stream a host passes as PipelineRunOptions::errors).
#include "pipeline/connectors/sinks/json_lines_writer.hpp"

namespace ferry::pipeline {
namespace {

std::unique_ptr<SinkConfig> parse_stderr_sink(const SinkKind& kind, const ConnectorParse&) {
  return std::make_unique<StreamSink>(kind, [](const SinkIo& io) -> std::ostream& { return io.err; });
}

}  // namespace

SinkKind stderr_sink() { return {"stderr", "stderr", true, true, false, parse_stderr_sink}; }

}  // namespace ferry::pipeline
