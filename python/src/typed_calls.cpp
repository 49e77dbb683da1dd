#include "typed_calls.hpp"

#include <cstdint>
#include <vector>

namespace ferry::python {
namespace {

// The one argument of call, or null when call is not a 1-tuple.
PyObject* argument(py::handle call, bool single) {
  if (single) return call.ptr();
  if (!PyTuple_Check(call.ptr()) || PyTuple_GET_SIZE(call.ptr()) != 1) return nullptr;
  return PyTuple_GET_ITEM(call.ptr(), 0);
}

// Every argument as T, or nullopt at the first one that is not exactly a
// Python int (not a bool) within 64 bits, or a float, as T asks.
template <class T>
std::optional<std::vector<T>> arguments(py::handle calls, bool single) {
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(py::len(calls)));
  for (py::handle call : calls) {
    PyObject* a = argument(call, single);
    if (!a) return std::nullopt;
    if constexpr (std::is_same_v<T, std::int64_t>) {
      if (!PyLong_CheckExact(a)) return std::nullopt;
      int overflow = 0;
      const long long v = PyLong_AsLongLongAndOverflow(a, &overflow);
      if (overflow != 0) return std::nullopt;  // the Value way says why
      out.push_back(static_cast<std::int64_t>(v));
    } else {
      if (!PyFloat_CheckExact(a)) return std::nullopt;
      out.push_back(PyFloat_AS_DOUBLE(a));
    }
  }
  return out;
}

template <class R, class T>
Results submit(Pool& pool, const TaskInfo& task, const std::vector<T>& items, const MapOptions& options,
               bool ordered) {
  py::gil_scoped_release release;
  if (ordered) return Results(pool.imap<R>(task.name, items, options), task.result);
  return Results(pool.imap_unordered<R>(task.name, items, options), task.result);
}

template <class T>
std::optional<Results> submit_for_result(Pool& pool, const TaskInfo& task, const std::vector<T>& items,
                                         const MapOptions& options, bool ordered) {
  if (task.result == "bool") return submit<bool>(pool, task, items, options, ordered);
  if (task.result == "i64") return submit<std::int64_t>(pool, task, items, options, ordered);
  if (task.result == "f64") return submit<double>(pool, task, items, options, ordered);
  return std::nullopt;
}

}  // namespace

std::optional<Results> submit_typed(Pool& pool, const TaskInfo& task, py::handle calls, bool single,
                                    const MapOptions& options, bool ordered) {
  if (task.result != "bool" && task.result != "i64" && task.result != "f64") return std::nullopt;
  if (task.params == "(i64)") {
    if (auto items = arguments<std::int64_t>(calls, single))
      return submit_for_result(pool, task, *items, options, ordered);
  } else if (task.params == "(f64)") {
    if (auto items = arguments<double>(calls, single))
      return submit_for_result(pool, task, *items, options, ordered);
  }
  return std::nullopt;
}

}  // namespace ferry::python
