// Turns a loaded pipeline into a Plan: loads every plugin, resolves every
// task, applies the defaults, has the type checker check the flow of types
// between stages (type_checker.hpp), and settles each edge's encoding:
// typed bytes pass untouched between two tasks whose types match exactly;
// everything else crosses as ferry::Value archives.
#pragma once

#include <memory>
#include <vector>

#include <ferry/engine.hpp>

#include "pipeline/spec/model.hpp"
#include "pipeline/spec/plan.hpp"

namespace ferry::pipeline {

// Appends every problem found; the plan is runnable only when none was added.
// With types false (the file already has problems, so stages may be
// half-formed) only plugins and tasks are checked, not the flow of types.
std::unique_ptr<Plan> make_plan(Pipeline model, Engine& engine, std::vector<Problem>& problems, bool types = true);

}  // namespace ferry::pipeline
