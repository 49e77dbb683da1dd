// Reads the value of source:, sink: and errors: through the table of kinds:
// which kind it names, then that kind's own parse function.
#pragma once

#include <memory>
#include <string>

#include "pipeline/connectors/connector.hpp"

namespace ferry::pipeline {

// The kind a source: names (null when unclear) and its settings (null when
// they have a problem; the problem is in cx).
struct ParsedSource {
  const SourceKind* kind = nullptr;
  std::shared_ptr<const SourceConfig> config;
};
// source: {values | range | lines | ... : VALUE}; label names the stage.
ParsedSource parse_source(detail::Context& cx, const Pipeline& pipeline, const YAML::Node& node,
                          const std::string& label);

// sink: stdout | {file: PATH} | ...; null with a problem in cx.
std::shared_ptr<const SinkConfig> parse_sink(detail::Context& cx, const Pipeline& pipeline, const YAML::Node& node,
                                             const std::string& label);

// errors: stderr | {file: PATH}: a sink kind that takes error records;
// null with a problem in cx. label: "the pipeline", "stage 'check'".
std::shared_ptr<const SinkConfig> parse_errors_output(detail::Context& cx, const Pipeline& pipeline,
                                                      const YAML::Node& node, const std::string& label);

// "values, range, lines, json_lines, files or task": for messages.
std::string source_kind_list(const std::string& last = " or ");

}  // namespace ferry::pipeline
