// The fast path of Pool calls: a task of one i64 or f64 parameter
// returning bool, i64 or f64, given plain Python ints or floats, is called
// the typed way (raw 8-byte items, raw results: Pool::imap), with no Value
// built or decoded for each item. Anything else goes the Value way.
#pragma once

#include <optional>

#include <pybind11/pybind11.h>

#include <ferry/pool.hpp>

#include "results.hpp"

namespace ferry::python {

// The submission of task(call) for every call (each one argument when
// single, else a 1-tuple), when the fast path applies; nullopt (nothing
// submitted) when it does not. Call with the GIL held.
std::optional<Results> submit_typed(Pool& pool, const TaskInfo& task, py::handle calls, bool single,
                                    const MapOptions& options, bool ordered);

}  // namespace ferry::python
