#include "pipeline/spec/planner.hpp"

#include <map>
#include <string_view>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/spec/type_checker.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {
namespace {

class Planner {
 public:
  Planner(Plan& plan, Engine& engine, std::vector<Problem>& problems)
      : plan_(plan), engine_(engine), problems_(problems) {}

  void run() {
    load_plugins();
    for (const Stage& stage : plan_.model.stages) {
      StagePlan& sp = plan_.stages.emplace_back();
      sp.stage = &stage;
      sp.settings = settle(stage.settings);
      if (stage.runs_tasks()) {
        resolve_task(stage, sp);
        sp.dead_letter = dead_letter_of(stage);
      }
    }
  }

  // Typed bytes between two tasks whose types match exactly; Value archives
  // everywhere the host looks at items.
  void settle_edges() {
    for (std::size_t i = 0; i + 1 < plan_.stages.size(); ++i) {
      StagePlan& a = plan_.stages[i];
      StagePlan& b = plan_.stages[i + 1];
      if (!a.plugin || !b.plugin) continue;
      const auto ak = a.stage->kind, bk = b.stage->kind;
      const bool a_one_result = ak == Stage::Kind::map || ak == Stage::Kind::starmap || ak == Stage::Kind::apply;
      if (!a_one_result) continue;
      const std::string& result = a.plugin->tasks()[a.task].result;
      const std::string& params = b.plugin->tasks()[b.task].params;
      // "(T)" takes a T; "(A,B)" takes a tuple<A,B>, spread.
      const auto parenthesized = [&](std::string_view inner) {
        return params.size() == inner.size() + 2 && params.front() == '(' && params.back() == ')' &&
               std::string_view(params).substr(1, inner.size()) == inner;
      };
      const std::string_view r = result;
      bool exact = false;
      if (bk == Stage::Kind::map || bk == Stage::Kind::flat_map) exact = parenthesized(r);
      if (bk == Stage::Kind::starmap && r.size() > 7 && r.starts_with("tuple<") && r.ends_with('>'))
        exact = parenthesized(r.substr(6, r.size() - 7));
      a.typed_out = b.typed_in = exact;
    }
  }

 private:
  void problem(const Location& where, std::string message) { problems_.push_back({where, std::move(message)}); }

  void load_plugins() {
    for (const auto& decl : plan_.model.plugins) {
      try {
        plugins_.emplace(decl.alias, engine_.load(decl.name_or_path));
      } catch (const std::exception& e) {
        problem(decl.where, "cannot load plugin '" + decl.alias + "': " + e.what());
      }
    }
  }

  // The stage's own setting, else the file's defaults:, else the built-in
  // default (defaults.hpp).
  FinalSettings settle(const StageSettings& s) const {
    const StageSettings& d = plan_.model.defaults;
    const FinalSettings builtin;
    FinalSettings f;
    f.workers = s.workers.value_or(d.workers.value_or(builtin.workers));
    f.chunksize = s.chunksize.value_or(d.chunksize.value_or(builtin.chunksize));
    f.ordered = s.ordered.value_or(d.ordered.value_or(builtin.ordered));
    f.timeout = s.timeout ? s.timeout : d.timeout ? d.timeout : builtin.timeout;
    f.retries = s.retries.value_or(d.retries.value_or(builtin.retries));
    f.on_error = s.on_error.value_or(d.on_error.value_or(builtin.on_error));
    f.max_tasks_per_child = s.max_tasks_per_child.value_or(d.max_tasks_per_child.value_or(builtin.max_tasks_per_child));
    f.queue_size = s.queue_size.value_or(d.queue_size.value_or(builtin.queue_size));
    f.memory_limit = s.memory_limit.value_or(d.memory_limit.value_or(builtin.memory_limit));
    return f;
  }

  void resolve_task(const Stage& stage, StagePlan& sp) {
    const TaskRef& ref = stage.task_ref();
    sp.task_label = ref.plugin + "." + ref.task;
    const auto it = plugins_.find(ref.plugin);
    if (it == plugins_.end()) return;  // the loader or load_plugins reported it
    const Plugin& plugin = it->second;
    std::vector<std::string> names;
    for (std::size_t t = 0; t < plugin.tasks().size(); ++t) {
      names.push_back(plugin.tasks()[t].name);
      if (plugin.tasks()[t].name == ref.task) {
        sp.plugin = plugin;
        sp.task = static_cast<std::uint32_t>(t);
      }
    }
    if (!sp.plugin)
      problem(ref.where, "plugin '" + ref.plugin + "' (" + plugin.path() + ") has no task '" + ref.task + "'" +
                             detail::suggest(ref.task, names));
  }

  // The stage's errors: output, else the pipeline's, as an index into
  // Plan::dead_letters (plus one; 0: none). Outputs writing to the same
  // target share one entry, so they share one writer.
  std::uint16_t dead_letter_of(const Stage& stage) {
    const auto& output = stage.errors ? stage.errors : plan_.model.errors;
    if (!output) return 0;
    auto& list = plan_.dead_letters;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (list[i]->target() == output->target()) return static_cast<std::uint16_t>(i + 1);
    list.push_back(output);
    return static_cast<std::uint16_t>(list.size());
  }

  Plan& plan_;
  Engine& engine_;
  std::vector<Problem>& problems_;
  std::map<std::string, Plugin> plugins_;
};

}  // namespace

std::unique_ptr<Plan> make_plan(Pipeline model, Engine& engine, std::vector<Problem>& problems) {
  auto plan = std::make_unique<Plan>();
  plan->model = std::move(model);
  plan->stages.reserve(plan->model.stages.size());
  Planner planner(*plan, engine, problems);
  planner.run();
  check_types(*plan, problems);  // the well-formed stages' (Stage::well_formed)
  planner.settle_edges();
  return plan;
}

}  // namespace ferry::pipeline
