// The flow of types through a plan: each stage's input must fit what the
// stage before it produces (a source's inline values one by one), a
// generator or flat_map task must return a list, and a sink must take what
// reaches it.
#pragma once

#include <vector>

#include "pipeline/spec/plan.hpp"

namespace ferry::pipeline {

// Appends a problem for every misfit; stages whose task did not resolve
// are left out (their problem is already there).
void check_types(const Plan& plan, std::vector<Problem>& problems);

}  // namespace ferry::pipeline
