// Pool: calls with Python objects in and out (Pool::imap_values, or the
// typed fast path of typed_calls.hpp); the ferry package builds map, imap,
// apply_async, ... on them.
#include <exception>
#include <set>

#include <pybind11/stl.h>

#include <ferry/pool.hpp>

#include "bindings.hpp"
#include "convert.hpp"
#include "results.hpp"
#include "typed_calls.hpp"

namespace ferry::python {
namespace {

// Only calls of scalars are checked once a shape: a list's elements or a
// map's entries may differ from one call to the next.
bool shape_is_scalar(const std::vector<Value::Kind>& shape) {
  for (Value::Kind k : shape)
    if (k == Value::Kind::list || k == Value::Kind::map) return false;
  return true;
}

std::unique_ptr<Pool> make_pool(const Plugin& plugin, std::optional<std::size_t> processes,
                                std::optional<std::size_t> maxtasksperchild, std::optional<double> timeout,
                                std::uint64_t memory_limit) {
  if (processes && *processes < 1) throw py::value_error("Number of processes must be at least 1");
  if (maxtasksperchild && *maxtasksperchild < 1) throw py::value_error("maxtasksperchild must be a positive int or None");
  PoolOptions o;
  o.workers = processes.value_or(0);
  o.max_tasks_per_child = maxtasksperchild.value_or(0);
  if (timeout) o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(*timeout * 1000.0 + 0.5));
  o.memory_limit = memory_limit;
  py::gil_scoped_release release;
  return std::make_unique<Pool>(plugin, std::move(o));
}

Results submit(Pool& pool, const std::string& task, py::handle calls, std::optional<std::size_t> chunksize, bool ordered,
               bool single) {
  const Plugin& plugin = pool.plugin();
  const TaskInfo& info = plugin.task(task);  // an unknown task fails here, before any conversion
  const std::string type = info.result;
  if (chunksize && *chunksize < 1) throw py::value_error("chunksize must be at least 1");
  MapOptions options;
  options.chunksize = chunksize.value_or(0);
  if (auto typed = submit_typed(pool, info, calls, single, options, ordered)) return std::move(*typed);
  std::vector<Value::List> converted;
  converted.reserve(static_cast<std::size_t>(py::len(calls)));
  // Plugin::check_arguments runs once for each shape of call (the kinds of
  // its arguments), not for every one of a million ints: what it would
  // still catch (an int out of a narrower type's range) the worker reports
  // as the same ArgumentError.
  std::set<std::vector<Value::Kind>> checked;
  std::vector<Value::Kind> shape;
  std::size_t i = 0;
  for (py::handle call : calls) {
    try {
      bool handles = false;
      converted.push_back(single ? to_single_argument(call, &handles) : to_arguments(call, &handles));
      shape.clear();
      for (const Value& v : converted.back()) shape.push_back(v.kind());
      if (!handles && !checked.contains(shape)) {
        plugin.check_arguments(task, converted.back());
        if (shape_is_scalar(shape)) checked.insert(shape);
      }
    } catch (const std::exception& e) {
      if (py::len(calls) == 1) throw;
      throw SignatureError("item " + std::to_string(i) + ": " + e.what());
    }
    ++i;
  }
  py::gil_scoped_release release;
  return Results(pool.imap_values(task, converted, options, ordered), type);
}

}  // namespace

void bind_pool(py::module_& m) {
  bind_results(m);

  py::class_<Pool>(m, "Pool")
      .def(py::init(&make_pool), py::arg("plugin"), py::arg("processes") = py::none(),
           py::arg("maxtasksperchild") = py::none(), py::arg("timeout") = py::none(), py::arg("memory_limit") = 0)
      .def("submit", &submit, py::arg("task"), py::arg("calls"), py::arg("chunksize") = py::none(),
           py::arg("ordered") = true, py::arg("single") = false,
           "Queues task(*call) for each call (a tuple of arguments; with single, task(call)); checks the arguments first.")
      .def("close", &Pool::close, py::call_guard<py::gil_scoped_release>())
      .def("join", &Pool::join, py::call_guard<py::gil_scoped_release>())
      .def("terminate", &Pool::terminate, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("workers", &Pool::workers)
      .def_property_readonly("plugin", &Pool::plugin);
}

}  // namespace ferry::python
