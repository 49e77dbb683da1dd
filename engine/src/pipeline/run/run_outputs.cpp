#include "pipeline/run/run_outputs.hpp"

#include <ferry/errors.hpp>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/run/same_file.hpp"

namespace ferry::pipeline {

std::vector<PipelineOutput> outputs_of(const Plan& plan, const PipelineRunOptions& options) {
  std::vector<PipelineOutput> out;
  const Stage& last = plan.model.stages.back();
  if (last.kind == Stage::Kind::sink && !last.sink->output_path().empty())
    out.push_back({"the file sink '" + last.name + "' (" + last.sink->output_path() + ")", last.sink->output_path()});
  for (const auto& output : plan.dead_letters)
    if (!output->output_path().empty())
      out.push_back({"the errors: file " + output->output_path(), output->output_path()});
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
  const std::string input = first.kind == Stage::Kind::source ? first.source->input_path() : "";
  if (input.empty()) return;
  for (const auto& o : outputs)
    if (same_file(input, o.path))
      throw ConfigError("the source '" + first.name + "' reads " + input + ", which is also " + o.what +
                        ": writing it would destroy what the run reads");
}

}  // namespace ferry::pipeline
