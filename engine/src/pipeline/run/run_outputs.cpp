#include "pipeline/run/run_outputs.hpp"

#include <ferry/errors.hpp>

#include "pipeline/run/same_file.hpp"

namespace ferry::pipeline {

std::vector<PipelineOutput> outputs_of(const Plan& plan, const PipelineRunOptions& options) {
  std::vector<PipelineOutput> out;
  const Stage& last = plan.model.stages.back();
  if (last.kind == Stage::Kind::sink && last.sink.kind == Sink::Kind::file)
    out.push_back({"the file sink '" + last.name + "' (" + last.sink.path + ")", last.sink.path});
  if (!options.journal.empty()) out.push_back({"--journal " + options.journal, options.journal});
  out.insert(out.end(), options.other_outputs.begin(), options.other_outputs.end());
  return out;
}

void check_distinct(const std::vector<PipelineOutput>& outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i)
    for (std::size_t j = i + 1; j < outputs.size(); ++j)
      if (same_file(outputs[i].path, outputs[j].path))
        throw ConfigError(outputs[i].what + " and " + outputs[j].what +
                          " are the same file; each output of a run needs a file of its own");
}

void check_inputs_apart(const Plan& plan, const std::vector<PipelineOutput>& outputs) {
  const Stage& first = plan.model.stages.front();
  if (first.kind != Stage::Kind::source ||
      (first.source.kind != Source::Kind::lines && first.source.kind != Source::Kind::json_lines))
    return;
  for (const auto& o : outputs)
    if (same_file(first.source.path, o.path))
      throw ConfigError("the source '" + first.name + "' reads " + first.source.path + ", which is also " + o.what +
                        ": writing it would destroy what the run reads");
}

}  // namespace ferry::pipeline
