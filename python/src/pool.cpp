// Pool and Results: dynamic calls (Pool::imap_values) with Python objects
// in and out; the ferry package builds map, imap, apply_async, ... on them.
#include <exception>
#include <set>

#include <pybind11/stl.h>

#include <ferry/pool.hpp>

#include "bindings.hpp"
#include "convert.hpp"
#include "waiting.hpp"

namespace ferry::python {
namespace {

// The results of one submission, in iteration order (input order, or
// completion order for an unordered one). Thread-safe.
class Results {
 public:
  Results(ResultStream<Value> stream, std::string type) : stream_(std::move(stream)), type_(std::move(type)) {}

  std::size_t size() const { return stream_.size(); }
  bool ready(std::size_t k) const { return stream_.wait_until(check(k), Clock::now()); }
  // Waits (sliced, see wait_sliced) for the k-th result; false on timeout.
  bool wait(std::size_t k, const py::object& timeout) const {
    check(k);
    if (ready(k)) return true;
    return wait_sliced([&](Clock::time_point slice) { return stream_.wait_until(k, slice); }, seconds(timeout));
  }
  // The k-th result, waiting for it; raises its error.
  py::object get(std::size_t k) const {
    if (!wait(k, py::none())) throw Timeout("unreachable");
    return from_result(stream_.get(k), type_);
  }
  // Whether the k-th result is ready and not an error.
  bool successful(std::size_t k) const {
    if (!ready(k)) throw StateError("the result is not ready");
    try {
      stream_.get(k);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  // Every result in order; waits for all, then raises the first error.
  py::list get_all(const py::object& timeout) const {
    const auto end = seconds(timeout);
    const auto start = Clock::now();
    py::list out(size());
    std::exception_ptr first;
    for (std::size_t k = 0; k < size(); ++k) {
      if (!ready(k)) {
        std::optional<double> left;
        if (end) left = *end - std::chrono::duration<double>(Clock::now() - start).count();
        if (!wait(k, left ? py::object(py::float_(*left)) : py::object(py::none())))
          throw Timeout("results not ready within the timeout");
      }
      try {
        out[k] = from_result(stream_.get(k), type_);
      } catch (const py::error_already_set&) {
        throw;
      } catch (...) {
        if (!first) first = std::current_exception();
      }
    }
    if (first) std::rethrow_exception(first);
    return out;
  }

 private:
  std::size_t check(std::size_t k) const {
    if (k >= size()) throw py::index_error("result index out of range");
    return k;
  }
  ResultStream<Value> stream_;
  std::string type_;
};

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
  const std::string type = plugin.task(task).result;  // an unknown task fails here, before any conversion
  if (chunksize && *chunksize < 1) throw py::value_error("chunksize must be at least 1");
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
  MapOptions options;
  options.chunksize = chunksize.value_or(0);
  py::gil_scoped_release release;
  return Results(pool.imap_values(task, converted, options, ordered), type);
}

}  // namespace

void bind_pool(py::module_& m) {
  py::class_<Results>(m, "Results", "The results of one Pool submission, by position.")
      .def("__len__", &Results::size)
      .def("ready", &Results::ready, py::arg("k"))
      .def("wait", &Results::wait, py::arg("k"), py::arg("timeout") = py::none())
      .def("get", &Results::get, py::arg("k"))
      .def("successful", &Results::successful, py::arg("k"))
      .def("get_all", &Results::get_all, py::arg("timeout") = py::none());

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
