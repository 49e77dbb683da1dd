// The parts of the _ferry module, each bound by its own file.
#pragma once

#include <memory>

#include <pybind11/pybind11.h>

#include <ferry/engine.hpp>

namespace ferry::python {

namespace py = pybind11;

// Python holds engines by shared_ptr: pools, processes and shared handles
// made from one keep working after Python drops it.
using EnginePtr = std::shared_ptr<Engine>;

void bind_engine(py::module_& m);    // Engine, Plugin, TaskInfo (engine.cpp)
void bind_pool(py::module_& m);      // Pool, Results (pool.cpp)
void bind_process(py::module_& m);   // Process (process.cpp)
void bind_shared(py::module_& m);    // dicts, lists, queues, locks, events, shared memory (shared.cpp)
void bind_pipeline(py::module_& m);  // run_pipeline, validate (pipeline.cpp)

}  // namespace ferry::python
