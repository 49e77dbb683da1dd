// ferry::Pipeline: the public face of engine/src/pipeline.
#include <ferry/pipeline.hpp>

#include <algorithm>

#include "pipeline/spec/model.hpp"
#include "pipeline/spec/plan.hpp"
#include "pipeline/run/run_control.hpp"
#include "pipeline/run/runner.hpp"
#include "pipeline/spec/planner.hpp"

namespace ferry {
namespace detail {

struct PipelineState {
  std::unique_ptr<pipeline::Plan> plan;
  std::shared_ptr<ManagerLink> manager;
  pipeline::ActiveRun active;
};

}  // namespace detail

namespace {

std::string summary(const std::vector<PipelineProblem>& problems) {
  std::string s = std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems") +
                  " in the pipeline:";
  for (const auto& p : problems) s += "\n" + p.where + ": " + p.message;
  return s;
}

[[noreturn]] void throw_invalid(std::vector<pipeline::Problem> problems) {
  // File order: line, then column; overrides (no line) first.
  std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
    return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
  });
  std::vector<PipelineProblem> out;
  for (auto& p : problems) out.push_back({pipeline::to_string(p.where), std::move(p.message)});
  throw PipelineInvalid(std::move(out));
}

// Plans a loaded model; throws PipelineInvalid with every problem (a file
// with shape problems still gets its plugins, tasks and the types of its
// well-formed stages checked: one pass lists everything).
std::unique_ptr<detail::PipelineState> planned(Engine& engine, pipeline::Pipeline model,
                                               std::vector<pipeline::Problem>& problems) {
  auto state = std::make_unique<detail::PipelineState>();
  state->plan = pipeline::make_plan(std::move(model), engine, problems);
  if (!problems.empty()) throw_invalid(std::move(problems));
  state->manager = engine.manager_link();
  return state;
}

}  // namespace

PipelineInvalid::PipelineInvalid(std::vector<PipelineProblem> problems)
    : ConfigError(summary(problems)), problems_(std::move(problems)) {}

Pipeline Pipeline::load(Engine& engine, const std::string& file, const std::vector<std::string>& overrides) {
  std::vector<pipeline::Problem> problems;
  return Pipeline(planned(engine, pipeline::load_file(file, overrides, problems), problems));
}

Pipeline Pipeline::from_text(Engine& engine, const std::string& text, const std::string& name, const std::string& dir,
                             const std::vector<std::string>& overrides) {
  std::vector<pipeline::Problem> problems;
  return Pipeline(planned(engine, pipeline::load_text(text, name, dir, overrides, problems), problems));
}

Pipeline::Pipeline(std::unique_ptr<detail::PipelineState> state) : state_(std::move(state)) {}
Pipeline::~Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;

const std::string& Pipeline::name() const { return state_->plan->model.name; }
std::size_t Pipeline::stage_count() const { return state_->plan->stages.size(); }

PipelineStats Pipeline::run(const PipelineRunOptions& options) {
  return pipeline::run_plan(*state_->plan, state_->manager, options, state_->active);
}

bool Pipeline::stop(StopMode mode) {
  std::lock_guard lock(state_->active.mu);
  auto* control = state_->active.control;
  if (!control) return false;
  state_->active.stopped = true;
  if (mode == StopMode::drain) control->drain();
  else control->fail("stopped before the end: running tasks were killed");
  return true;
}

}  // namespace ferry
