// Runs a Plan: one thread per stage, queues between them, the shared objects
// created first and the output dict printed last.
#pragma once

#include <memory>

#include <ferry/pipeline.hpp>

#include "pipeline/plan.hpp"

namespace ferry::pipeline {

PipelineStats run_plan(const Plan& plan, const std::shared_ptr<ManagerLink>& manager,
                       const PipelineRunOptions& options);

}  // namespace ferry::pipeline
