#include "pipeline/spec/planner.hpp"

#include <map>
#include <thread>

#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

#include "pipeline/spec/yaml_reading.hpp"
#include "values/type_expr.hpp"

namespace ferry::pipeline {
namespace {

using types::Fit;
using types::TypeExpr;

TypeExpr any_type() {
  TypeExpr t;
  t.kind = TypeExpr::Kind::any;
  return t;
}

// A signature string as a type; text the parser does not know stays an
// opaque name that only matches itself.
TypeExpr type_of(const std::string& text) {
  if (auto t = types::parse_type(text)) return *t;
  TypeExpr t;
  t.kind = TypeExpr::Kind::named;
  t.name = text;
  return t;
}

// What reaches a stage: items of a known type, the source's inline values
// (checked one by one), or anything (JSON lines).
struct Flow {
  enum class Kind { typed, literals, any } kind = Kind::any;
  TypeExpr type = any_type();
  const Source* literals = nullptr;
  std::string from;  // the stage that produced it, for messages
};

// The element type of a list or array result, or nullopt.
std::optional<TypeExpr> element_of(const TypeExpr& t) {
  if (t.kind == TypeExpr::Kind::list || t.kind == TypeExpr::Kind::array) return t.args[0];
  if (t.kind == TypeExpr::Kind::any) return any_type();
  return std::nullopt;
}

class Validator {
 public:
  Validator(Plan& plan, Engine& engine, std::vector<Problem>& problems, bool types)
      : plan_(plan), engine_(engine), problems_(problems), types_(types) {}

  void run() {
    load_plugins();
    Flow flow;
    for (std::size_t i = 0; i < plan_.model.stages.size(); ++i) {
      const Stage& stage = plan_.model.stages[i];
      StagePlan& sp = plan_.stages.emplace_back();
      sp.stage = &stage;
      sp.settings = settle(stage.settings);
      if (stage.runs_tasks()) resolve_task(stage, sp);
      if (types_) flow = check_stage(stage, sp, flow);
    }
    settle_edges();
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

  FinalSettings settle(const StageSettings& s) const {
    const StageSettings& d = plan_.model.defaults;
    FinalSettings f;
    f.workers = s.workers.value_or(d.workers.value_or(std::max(1u, std::thread::hardware_concurrency())));
    f.chunksize = s.chunksize.value_or(d.chunksize.value_or(0));
    f.ordered = s.ordered.value_or(d.ordered.value_or(true));
    f.timeout = s.timeout ? s.timeout : d.timeout;
    f.retries = s.retries.value_or(d.retries.value_or(0));
    f.on_error = s.on_error.value_or(d.on_error.value_or(OnError::fail));
    f.max_tasks_per_child = s.max_tasks_per_child.value_or(d.max_tasks_per_child.value_or(0));
    f.queue_size = s.queue_size.value_or(d.queue_size.value_or(1024));
    f.memory_limit = s.memory_limit.value_or(d.memory_limit.value_or(0));
    return f;
  }

  const TaskRef& task_ref(const Stage& stage) const {
    return stage.kind == Stage::Kind::source ? stage.source.task : stage.task;
  }

  void resolve_task(const Stage& stage, StagePlan& sp) {
    const TaskRef& ref = task_ref(stage);
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

  // Checks that flow fits the stage's input; returns what the stage sends on.
  Flow check_stage(const Stage& stage, StagePlan& sp, const Flow& in) {
    Flow out;
    out.from = stage.name;
    switch (stage.kind) {
      case Stage::Kind::source:
        if (stage.source.kind == Source::Kind::values) {
          out.kind = Flow::Kind::literals;
          out.literals = &stage.source;
        } else if (stage.source.kind == Source::Kind::range) {
          out = typed("i64", stage.name);
        } else if (stage.source.kind == Source::Kind::lines) {
          out = typed("str", stage.name);
        } else if (stage.source.kind == Source::Kind::task && sp.plugin) {
          check_args(stage, sp);
          out = elements_of_result(stage, sp);
        }
        return out;
      case Stage::Kind::map:
      case Stage::Kind::flat_map:
      case Stage::Kind::starmap:
      case Stage::Kind::apply:
        if (!sp.plugin) return out;
        check_input(stage, sp, in);
        if (stage.kind == Stage::Kind::flat_map) return elements_of_result(stage, sp);
        return typed(task_info(sp).result, stage.name);
      case Stage::Kind::batch:
        if (in.kind == Flow::Kind::typed) {
          TypeExpr list;
          list.kind = TypeExpr::Kind::list;
          list.args.push_back(in.type);
          out.kind = Flow::Kind::typed;
          out.type = list;
        }
        return out;
      case Stage::Kind::sink:
        if (stage.sink.kind == Sink::Kind::dict) check_dict_sink(stage, sp, in);
        return out;
    }
    return out;
  }

  static Flow typed(const std::string& type, const std::string& from) {
    Flow f;
    f.kind = Flow::Kind::typed;
    f.type = type_of(type);
    f.from = from;
    return f;
  }

  const TaskInfo& task_info(const StagePlan& sp) const { return sp.plugin->tasks()[sp.task]; }

  std::vector<TypeExpr> params_of(const StagePlan& sp) const {
    if (auto p = types::parse_params(task_info(sp).params)) return *p;
    return {type_of(task_info(sp).params)};
  }

  std::string signature(const StagePlan& sp) const {
    return sp.task_label + task_info(sp).params + " -> " + task_info(sp).result;
  }

  Flow elements_of_result(const Stage& stage, const StagePlan& sp) {
    const TypeExpr result = type_of(task_info(sp).result);
    if (auto e = element_of(result)) {
      Flow f;
      f.kind = e->kind == TypeExpr::Kind::any ? Flow::Kind::any : Flow::Kind::typed;
      f.type = *e;
      f.from = stage.name;
      return f;
    }
    problem(task_ref(stage).where, std::string(stage.kind == Stage::Kind::source ? "a generator source" : "flat_map") +
                                       " needs a task that returns a list; " + signature(sp) + " returns " +
                                       task_info(sp).result);
    return Flow{};
  }

  void check_args(const Stage& stage, const StagePlan& sp) {
    const auto params = params_of(sp);
    const auto& args = stage.source.args;
    if (args.size() != params.size()) {
      problem(stage.source.task.where, signature(sp) + " takes " + std::to_string(params.size()) +
                                           " argument(s), but args: gives " + std::to_string(args.size()));
      return;
    }
    for (std::size_t k = 0; k < args.size(); ++k) {
      std::string why;
      if (types::value_fits(args[k], params[k], &why) == Fit::no)
        problem(stage.source.task.where, "argument " + std::to_string(k + 1) + " of " + signature(sp) + ": " + why);
    }
  }

  // The types the stage's task takes from one item: one parameter for map
  // and flat_map, the list for apply, all of them for starmap.
  void check_input(const Stage& stage, const StagePlan& sp, const Flow& in) {
    const auto params = params_of(sp);
    const Location& where = stage.task.where;
    if (stage.kind == Stage::Kind::starmap) return check_starmap(stage, sp, in, params);
    if (params.size() != 1) {
      problem(where, std::string(kind_name(stage.kind)) + " passes each item as one argument, but " + signature(sp) +
                         " takes " + std::to_string(params.size()) + (params.size() > 1 ? "; use starmap" : ""));
      return;
    }
    TypeExpr want = params[0];
    if (stage.kind == Stage::Kind::apply) {
      auto e = element_of(want);
      if (!e) {
        problem(where, "apply passes every item as one list, but " + signature(sp) + " does not take a list");
        return;
      }
      want = *e;
    }
    check_items(where, sp, in, want);
  }

  void check_starmap(const Stage& stage, const StagePlan& sp, const Flow& in, const std::vector<TypeExpr>& params) {
    const Location& where = stage.task.where;
    if (in.kind == Flow::Kind::literals) {
      for (std::size_t k = 0; k < in.literals->values.size(); ++k) {
        const Value& v = in.literals->values[k];
        std::string why;
        if (!v.is_list()) why = "starmap unpacks a list, got " + to_json(v);
        else if (v.as_list().size() != params.size())
          why = "has " + std::to_string(v.as_list().size()) + " elements, " + signature(sp) + " takes " +
                std::to_string(params.size());
        else
          for (std::size_t p = 0; p < params.size() && why.empty(); ++p)
            if (types::value_fits(v.as_list()[p], params[p], &why) == Fit::no) why = "argument " + std::to_string(p + 1) + ": " + why;
        if (!why.empty())
          problem(in.literals->value_where.size() > k ? in.literals->value_where[k] : where,
                  "value " + to_json(v) + " cannot be the arguments of " + signature(sp) + ": " + why);
      }
      return;
    }
    if (in.kind != Flow::Kind::typed) return;
    const TypeExpr& t = in.type;
    std::string why;
    if (t.kind == TypeExpr::Kind::tuple) {
      if (t.args.size() != params.size()) why = "it has " + std::to_string(t.args.size()) + " elements";
      for (std::size_t p = 0; p < params.size() && why.empty(); ++p)
        if (types::fits(t.args[p], params[p], &why) == Fit::no) why = "element " + std::to_string(p + 1) + ": " + why;
    } else if (auto e = element_of(t)) {
      if (t.kind == TypeExpr::Kind::array && t.array_size != params.size())
        why = "it has " + std::to_string(t.array_size) + " elements";
      for (std::size_t p = 0; p < params.size() && why.empty(); ++p)
        if (types::fits(*e, params[p], &why) == Fit::no) why = "argument " + std::to_string(p + 1) + ": " + why;
    } else {
      why = "starmap unpacks a tuple or a list";
    }
    if (!why.empty())
      problem(where, signature(sp) + " cannot take stage '" + in.from + "''s " + types::to_string(t) + " as its arguments: " + why);
  }

  // Every item of in must fit want.
  void check_items(const Location& where, const StagePlan& sp, const Flow& in, const TypeExpr& want) {
    if (in.kind == Flow::Kind::literals) {
      for (std::size_t k = 0; k < in.literals->values.size(); ++k) {
        std::string why;
        const Value& v = in.literals->values[k];
        if (types::value_fits(v, want, &why) == Fit::no)
          problem(in.literals->value_where.size() > k ? in.literals->value_where[k] : where,
                  "value " + to_json(v) + " does not fit " + signature(sp) + ": " + why);
      }
    } else if (in.kind == Flow::Kind::typed) {
      std::string why;
      if (types::fits(in.type, want, &why) == Fit::no)
        problem(where, signature(sp) + " takes " + types::to_string(want) + ", but stage '" + in.from + "' sends " +
                           types::to_string(in.type) + (why.empty() ? "" : ": " + why));
    }
  }

  void check_dict_sink(const Stage& stage, StagePlan& sp, const Flow& in) {
    for (const auto& d : plan_.model.shared)
      if (d.name == stage.sink.dict) {
        sp.key_type = d.key_type;
        sp.value_type = d.item_type;
      }
    if (in.kind != Flow::Kind::typed) return;
    const TypeExpr& t = in.type;
    std::string why;
    if (t.kind == TypeExpr::Kind::tuple && t.args.size() == 2) {
      if (types::fits(t.args[0], type_of(sp.key_type), &why) == Fit::no) why = "key: " + why;
      else if (types::fits(t.args[1], type_of(sp.value_type), &why) == Fit::no) why = "value: " + why;
    } else if (t.kind != TypeExpr::Kind::list && t.kind != TypeExpr::Kind::map && t.kind != TypeExpr::Kind::any) {
      why = "a dict sink takes [key, value] pairs or maps";
    }
    if (!why.empty())
      problem(stage.kind_where, "stage '" + in.from + "' sends " + types::to_string(t) + ", which cannot go into dict<" +
                                    sp.key_type + "," + sp.value_type + ">: " + why);
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
      const std::string& result = task_info(a).result;
      const std::string& params = task_info(b).params;
      bool exact = false;
      if (bk == Stage::Kind::map || bk == Stage::Kind::flat_map) exact = "(" + result + ")" == params;
      if (bk == Stage::Kind::starmap) exact = result.rfind("tuple<", 0) == 0 && "(" + result.substr(6, result.size() - 7) + ")" == params;
      a.typed_out = b.typed_in = exact;
    }
  }

  Plan& plan_;
  Engine& engine_;
  std::vector<Problem>& problems_;
  const bool types_;
  std::map<std::string, Plugin> plugins_;
};

}  // namespace

std::unique_ptr<Plan> make_plan(Pipeline model, Engine& engine, std::vector<Problem>& problems, bool types) {
  auto plan = std::make_unique<Plan>();
  plan->model = std::move(model);
  plan->stages.reserve(plan->model.stages.size());
  Validator(*plan, engine, problems, types).run();
  return plan;
}

}  // namespace ferry::pipeline
