// The _ferry extension module: libferry's embedding API for the pure-Python
// package `ferry` (python/ferry/), which adds multiprocessing's names.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "errors.hpp"

PYBIND11_MODULE(_ferry, m) {
  m.doc() = "ferry's C++ engine (use the ferry package, not this module)";
  m.attr("__version__") = FERRY_PYTHON_VERSION;
  ferry::python::bind_errors(m);
  ferry::python::bind_engine(m);
  ferry::python::bind_pool(m);
  ferry::python::bind_process(m);
  ferry::python::bind_shared(m);
  ferry::python::bind_pipeline(m);
}
