// The files one run writes, and the check, before it starts, that no two of
// them are the same file: a journal in the sink's file interleaves with its
// lines, a stats file over it replaces them. A new kind of output joins the
// check with one line in outputs_of.
#pragma once

#include <vector>

#include <ferry/pipeline.hpp>

#include "pipeline/spec/plan.hpp"

namespace ferry::pipeline {

// The file sink's output, the journal, then the caller's own
// (options.other_outputs), in that order.
std::vector<PipelineOutput> outputs_of(const Plan& plan, const PipelineRunOptions& options);

// Throws ferry::ConfigError naming both when two outputs are the same file.
void check_distinct(const std::vector<PipelineOutput>& outputs);

// Throws ferry::ConfigError when the file a source reads (lines,
// json_lines) is one of the outputs: opening the output would cut the
// input short before it is read.
void check_inputs_apart(const Plan& plan, const std::vector<PipelineOutput>& outputs);

}  // namespace ferry::pipeline
