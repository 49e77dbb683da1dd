#include "typed_calls.hpp"

#include <cstdint>
#include <vector>

#include <ferry/detail/huge_pages.hpp>

namespace ferry::python {
namespace {

// The one argument of call, or null when call is not a 1-tuple.
PyObject* argument(py::handle call, bool single) {
  if (single) return call.ptr();
  if (!PyTuple_Check(call.ptr()) || PyTuple_GET_SIZE(call.ptr()) != 1) return nullptr;
  return PyTuple_GET_ITEM(call.ptr(), 0);
}

// attribute of a range as a 64-bit int, or nullopt when it is wider.
std::optional<std::int64_t> range_field(py::handle range, const char* attribute) {
  const py::object v = range.attr(attribute);
  int overflow = 0;
  const long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (overflow != 0 || (x == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    return std::nullopt;
  }
  return x;
}

// The ints of a range (map over range(N)), made here rather than as an int
// object each; nullopt when its bounds are wider than 64 bits.
std::optional<std::vector<std::int64_t>> range_items(py::handle range) {
  const auto start = range_field(range, "start"), step = range_field(range, "step");
  if (!start || !step) return std::nullopt;
  // Every item lies between start and stop, so all are 64-bit once stop is.
  if (!range_field(range, "stop")) return std::nullopt;
  const auto n = static_cast<std::size_t>(py::len(range));
  std::vector<std::int64_t> out;
  out.reserve(n);
  // range(5_000_000) is 40 MB: a few huge pages rather than 10,000 faults.
  ferry::detail::advise_huge_pages(out.data(), n * sizeof(std::int64_t));
  out.resize(n);
  // Unsigned: start + i * step wraps to the item even where i * step alone
  // would not fit (C++20 converts back modulo 2^64).
  const auto first = static_cast<std::uint64_t>(*start), each = static_cast<std::uint64_t>(*step);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::int64_t>(first + i * each);
  return out;
}

// Every argument as T, or nullopt at the first one that is not exactly a
// Python int (not a bool) within 64 bits, or a float, as T asks.
template <class T>
std::optional<std::vector<T>> arguments(py::handle calls, bool single) {
  if constexpr (std::is_same_v<T, std::int64_t>)
    if (single && PyRange_Check(calls.ptr())) return range_items(calls);
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
