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
// Plugins and tasks are checked for every stage, types only between stages
// whose own entries are well formed (Stage::well_formed), so a file with
// problems still gets everything else checked in the same pass.
std::unique_ptr<Plan> make_plan(Pipeline model, Engine& engine, std::vector<Problem>& problems);

}  // namespace ferry::pipeline
