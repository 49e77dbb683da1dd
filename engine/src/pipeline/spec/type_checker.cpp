#include "pipeline/spec/type_checker.hpp"

#include <ferry/value_text.hpp>

#include "pipeline/connectors/connector.hpp"
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

// What reaches a stage: items of a known type, the source's inline values
// (checked one by one), or anything (JSON lines).
struct Flow {
  enum class Kind { typed, literals, any } kind = Kind::any;
  TypeExpr type = any_type();
  const std::vector<Value>* literals = nullptr;
  const std::vector<Location>* literal_where = nullptr;
  std::string from;  // the stage that produced it, for messages
  // The producing task's struct schemas, compared with the next task's.
  const std::vector<StructSchema>* structs = nullptr;
};

// The element type of a list or array result, or nullopt.
std::optional<TypeExpr> element_of(const TypeExpr& t) {
  if (t.kind == TypeExpr::Kind::list || t.kind == TypeExpr::Kind::array) return t.args[0];
  if (t.kind == TypeExpr::Kind::any) return any_type();
  return std::nullopt;
}

Flow typed(const std::string& type, const std::string& from) {
  Flow f;
  f.kind = Flow::Kind::typed;
  f.type = types::type_or_named(type);
  f.from = from;
  return f;
}

class TypeChecker {
 public:
  TypeChecker(const Plan& plan, std::vector<Problem>& problems) : plan_(plan), problems_(problems) {}

  void run() {
    Flow flow;
    for (const auto& sp : plan_.stages) flow = check_stage(*sp.stage, sp, flow);
  }

 private:
  void problem(const Location& where, std::string message) { problems_.push_back({where, std::move(message)}); }

  // Checks that in fits the stage's input; returns what the stage sends on.
  Flow check_stage(const Stage& stage, const StagePlan& sp, const Flow& in) {
    Flow out;
    out.from = stage.name;
    // Its entry has problems of its own: what it takes and sends is unknown.
    if (!stage.well_formed) return out;
    switch (stage.kind) {
      case Stage::Kind::source:
        if (!stage.source) return out;
        if (stage.source->task()) {
          if (!sp.plugin) return out;
          check_args(stage, sp);
          return elements_of_result(stage, sp);
        }
        return from_source(stage);
      case Stage::Kind::map:
      case Stage::Kind::flat_map:
      case Stage::Kind::starmap:
      case Stage::Kind::apply:
        if (!sp.plugin) return out;
        check_input(stage, sp, in);
        if (stage.kind == Stage::Kind::flat_map) return elements_of_result(stage, sp);
        out = typed(task_info(sp).result, stage.name);
        out.structs = &task_info(sp).structs;
        return out;
      case Stage::Kind::batch:
        if (in.kind == Flow::Kind::typed) {
          TypeExpr list;
          list.kind = TypeExpr::Kind::list;
          list.args.push_back(in.type);
          out.kind = Flow::Kind::typed;
          out.type = list;
          out.structs = in.structs;
        }
        return out;
      case Stage::Kind::sink:
        if (stage.sink && in.kind == Flow::Kind::typed) {
          if (const auto why = stage.sink->refuses(in.type); !why.empty())
            problem(stage.kind_where, "stage '" + in.from + "' sends " + types::to_string(in.type) +
                                          ", which cannot go into " + stage.sink->target() + ": " + why);
        }
        return out;
    }
    return out;
  }

  static Flow from_source(const Stage& stage) {
    const SourceItems items = stage.source->items();
    Flow f;
    f.from = stage.name;
    if (items.kind == SourceItems::Kind::typed) return typed(items.type, stage.name);
    if (items.kind == SourceItems::Kind::literals) {
      f.kind = Flow::Kind::literals;
      f.literals = items.literals;
      f.literal_where = items.literal_where;
    }
    return f;
  }

  const TaskInfo& task_info(const StagePlan& sp) const { return sp.plugin->tasks()[sp.task]; }

  std::vector<TypeExpr> params_of(const StagePlan& sp) const {
    if (auto p = types::parse_params(task_info(sp).params)) return *p;
    return {types::type_or_named(task_info(sp).params)};
  }

  std::string signature(const StagePlan& sp) const {
    return sp.task_label + task_info(sp).params + " -> " + task_info(sp).result;
  }

  // Where the literal k is written, or where the stage names its task.
  static const Location& literal_at(const Flow& in, std::size_t k, const Location& fallback) {
    return in.literal_where && in.literal_where->size() > k ? (*in.literal_where)[k] : fallback;
  }

  Flow elements_of_result(const Stage& stage, const StagePlan& sp) {
    const TypeExpr result = types::type_or_named(task_info(sp).result);
    if (auto e = element_of(result)) {
      Flow f;
      f.kind = e->kind == TypeExpr::Kind::any ? Flow::Kind::any : Flow::Kind::typed;
      f.type = *e;
      f.from = stage.name;
      f.structs = &task_info(sp).structs;
      return f;
    }
    problem(stage.task_ref().where, std::string(stage.kind == Stage::Kind::source ? "a generator source" : "flat_map") +
                                        " needs a task that returns a list; " + signature(sp) + " returns " +
                                        task_info(sp).result);
    return Flow{};
  }

  void check_args(const Stage& stage, const StagePlan& sp) {
    const auto params = params_of(sp);
    const auto& args = *stage.source->task_args();
    const Location& where = stage.task_ref().where;
    if (args.size() != params.size()) {
      problem(where, signature(sp) + " takes " + std::to_string(params.size()) + " argument(s), but args: gives " +
                         std::to_string(args.size()));
      return;
    }
    for (std::size_t k = 0; k < args.size(); ++k) {
      std::string why;
      if (types::value_fits(args[k], params[k], &why, &task_info(sp).structs) == Fit::no)
        problem(where, task_info(sp).argument_label(k) + " of " + signature(sp) + ": " + why);
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
    check_items(stage, where, sp, in, want);
  }

  void check_starmap(const Stage& stage, const StagePlan& sp, const Flow& in, const std::vector<TypeExpr>& params) {
    const Location& where = stage.task.where;
    if (in.kind == Flow::Kind::literals) {
      for (std::size_t k = 0; k < in.literals->size(); ++k) {
        const Value& v = (*in.literals)[k];
        std::string why;
        if (!v.is_list()) why = "starmap unpacks a list, got " + to_json(v);
        else if (v.as_list().size() != params.size())
          why = "has " + std::to_string(v.as_list().size()) + " elements, " + signature(sp) + " takes " +
                std::to_string(params.size());
        else
          for (std::size_t p = 0; p < params.size() && why.empty(); ++p)
            if (types::value_fits(v.as_list()[p], params[p], &why, &task_info(sp).structs) == Fit::no)
              why = task_info(sp).argument_label(p) + ": " + why;
        if (!why.empty())
          problem(literal_at(in, k, where), "value " + to_json(v) + " cannot be the arguments of " + signature(sp) +
                                                ": " + why);
      }
      return;
    }
    if (in.kind != Flow::Kind::typed) return;
    const TypeExpr& t = in.type;
    std::string why = struct_conflict_with(in, stage, sp);
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
      problem(where, signature(sp) + " cannot take stage '" + in.from + "''s " + types::to_string(t) +
                         " as its arguments: " + why);
  }

  // Where the producing stage's plugin and this stage's describe a struct
  // they share differently (two builds of one struct): the first field that
  // differs, else "".
  std::string struct_conflict_with(const Flow& in, const Stage& stage, const StagePlan& sp) const {
    if (!in.structs) return "";
    return struct_conflict(*in.structs, task_info(sp).structs, "in stage '" + in.from + "'",
                           "in stage '" + stage.name + "'");
  }

  // Every item of in must fit want.
  void check_items(const Stage& stage, const Location& where, const StagePlan& sp, const Flow& in,
                   const TypeExpr& want) {
    if (in.kind == Flow::Kind::literals) {
      for (std::size_t k = 0; k < in.literals->size(); ++k) {
        std::string why;
        const Value& v = (*in.literals)[k];
        if (types::value_fits(v, want, &why, &task_info(sp).structs) == Fit::no)
          problem(literal_at(in, k, where), "value " + to_json(v) + " does not fit " + signature(sp) + ": " + why);
      }
    } else if (in.kind == Flow::Kind::typed) {
      std::string why = struct_conflict_with(in, stage, sp);
      if (!why.empty() || types::fits(in.type, want, &why) == Fit::no)
        problem(where, signature(sp) + " takes " + types::to_string(want) + ", but stage '" + in.from + "' sends " +
                           types::to_string(in.type) + (why.empty() ? "" : ": " + why));
    }
  }

  const Plan& plan_;
  std::vector<Problem>& problems_;
};

}  // namespace

void check_types(const Plan& plan, std::vector<Problem>& problems) { TypeChecker(plan, problems).run(); }

}  // namespace ferry::pipeline
