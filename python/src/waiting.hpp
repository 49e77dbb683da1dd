// Blocking waits that let Python run: the GIL is released while waiting,
// and Ctrl-C (any pending signal handler) is checked between short slices.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include <pybind11/pybind11.h>

namespace ferry::python {

namespace py = pybind11;
using Clock = std::chrono::steady_clock;

// How long one slice waits before pending signals are checked.
inline constexpr std::chrono::milliseconds kSlice{50};

// Calls step(slice_deadline) with the GIL released until it returns true
// (true) or timeout seconds pass (false; nullopt waits forever). Between
// slices runs Python's signal handlers: what they raise
// (KeyboardInterrupt) propagates as py::error_already_set. Call with the
// GIL held.
bool wait_sliced(const std::function<bool(Clock::time_point)>& step, std::optional<double> timeout);

// A timeout argument in seconds as Python's: None waits forever; a negative
// one is as 0.
std::optional<double> seconds(const py::object& timeout);

}  // namespace ferry::python
