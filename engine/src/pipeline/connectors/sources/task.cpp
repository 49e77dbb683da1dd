// source: {task: plugin.task, args: [...]}: a generator task called once;
// each element of the list it returns is an item. A TaskStage runs it in a
// worker, so the host never reads it; the type checker asks its task.
#include <stdexcept>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {
namespace {

class TaskSource final : public SourceConfig {
 public:
  using SourceConfig::SourceConfig;
  SourceItems items() const override { return {}; }
  void read(ItemEmitter&, const SourceIo&) const override {
    throw std::logic_error("a task source runs in a task stage, not in the host");
  }
  const TaskRef* task() const override { return &ref; }
  const std::vector<Value>* task_args() const override { return &args; }
  TaskRef ref;
  std::vector<Value> args;
};

// Always makes a source, so the stage counts as a task stage (its settings
// are checked) even when the reference has a problem.
std::unique_ptr<SourceConfig> parse_task_source(const SourceKind& kind, const ConnectorParse& p) {
  auto source = std::make_unique<TaskSource>(kind);
  source->ref = detail::parse_task_ref(p.cx, p.value, "task", p.pipeline);
  for (const auto& e : p.extra) {  // args:
    if (!e.value.IsSequence()) {
      p.cx.problem(e.value, "args must be a list of arguments, got " + detail::describe(e.value));
      continue;
    }
    for (const auto& a : e.value)
      if (auto v = detail::to_value(p.cx, a)) source->args.push_back(std::move(*v));
  }
  return source;
}

}  // namespace

SourceKind task_source() { return {"task", "{task: plugin.task}", {"args"}, parse_task_source}; }

}  // namespace ferry::pipeline
