// Runs a Plan: one thread per stage, queues between them, the shared objects
// created first and the output dict printed last.
#pragma once

#include <memory>
#include <mutex>

#include <ferry/pipeline.hpp>

#include "pipeline/spec/plan.hpp"

namespace ferry::pipeline {

class RunControl;

// Where Pipeline::stop finds the run in progress.
struct ActiveRun {
  std::mutex mu;
  RunControl* control = nullptr;  // guarded by mu
  bool stopped = false;           // guarded by mu
};

PipelineStats run_plan(const Plan& plan, const std::shared_ptr<ManagerLink>& manager,
                       const PipelineRunOptions& options, ActiveRun& active);

}  // namespace ferry::pipeline
