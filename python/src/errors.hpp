// ferry's C++ errors as Python exceptions: the classes ferry.Error,
// TaskError, WorkerError, TimeoutError, ... and the translator that raises
// them for what libferry throws.
#pragma once

#include <pybind11/pybind11.h>

namespace ferry::python {

namespace py = pybind11;

// Creates the exception classes in m and registers the translator:
//   ferry::TaskError      -> TaskError(Error)       .task .type .message
//   ferry::WorkerError    -> WorkerError(Error)     .task .cause
//   ferry::Timeout        -> TimeoutError(Error, builtins.TimeoutError)
//   ferry::SignatureError, ferry::ValueError -> ArgumentError(Error, ValueError)
//   ferry::StateError     -> StateError(Error, ValueError) (Python's Pool raises ValueError)
//   ferry::PluginError    -> PluginError(Error)      .path .reason
//   ferry::ManagerError   -> ManagerError(Error)
//   ferry::ConfigError    -> ConfigError(Error, ValueError)
//   other ferry::Error    -> Error(Exception)
void bind_errors(py::module_& m);

}  // namespace ferry::python
