#include "pipeline/connectors/table.hpp"

#include <algorithm>

namespace ferry::pipeline {

// Each defined in its own file under sources/ or sinks/.
SourceKind values_source();
SourceKind range_source();
SourceKind lines_source();
SourceKind json_lines_source();
SourceKind files_source();
SourceKind task_source();
SourceKind redis_stream_source();

SinkKind stdout_sink();
SinkKind stderr_sink();
SinkKind file_sink();
SinkKind dict_sink();
SinkKind redis_stream_sink();

const std::vector<SourceKind>& source_kinds() {
  static const std::vector<SourceKind> kinds = {values_source(), range_source(), lines_source(),
                                                json_lines_source(), files_source(), task_source(),
                                                redis_stream_source()};
  return kinds;
}

const std::vector<SinkKind>& sink_kinds() {
  static const std::vector<SinkKind> kinds = {stdout_sink(), stderr_sink(), file_sink(), dict_sink(),
                                              redis_stream_sink()};
  return kinds;
}

const SourceKind* find_source_kind(std::string_view key) {
  const auto& all = source_kinds();
  const auto it = std::find_if(all.begin(), all.end(), [&](const SourceKind& k) { return k.key == key; });
  return it == all.end() ? nullptr : &*it;
}

const SinkKind* find_sink_kind(std::string_view key) {
  const auto& all = sink_kinds();
  const auto it = std::find_if(all.begin(), all.end(), [&](const SinkKind& k) { return k.key == key; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace ferry::pipeline
