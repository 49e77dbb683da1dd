#include "results.hpp"

#include <exception>

#include "convert.hpp"
#include "waiting.hpp"

namespace ferry::python {

std::size_t Results::size() const {
  return std::visit([](const auto& s) { return s.size(); }, stream_);
}

bool Results::ready(std::size_t k) const {
  check(k);
  return std::visit([&](const auto& s) { return s.wait_until(k, Clock::now()); }, stream_);
}

bool Results::wait(std::size_t k, const py::object& timeout) const {
  if (ready(k)) return true;
  return wait_sliced(
      [&](Clock::time_point slice) { return std::visit([&](const auto& s) { return s.wait_until(k, slice); }, stream_); },
      seconds(timeout));
}

py::object Results::take(std::size_t k) const {
  return std::visit(
      [&](const auto& s) -> py::object {
        auto v = s.get(k);
        if constexpr (std::is_same_v<decltype(v), Value>) return from_result(v, type_);
        else return py::cast(v);
      },
      stream_);
}

py::object Results::get(std::size_t k) const {
  wait(k, py::none());
  return take(k);
}

bool Results::successful(std::size_t k) const {
  if (!ready(k)) throw StateError("the result is not ready");
  try {
    std::visit([&](const auto& s) { s.get(k); }, stream_);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

namespace {

// values as a Python list, made with the C API: millions of results cost
// a few nanoseconds each.
template <class R>
py::list as_list(const std::vector<R>& values) {
  py::list out(values.size());
  for (std::size_t k = 0; k < values.size(); ++k) {
    PyObject* item;
    if constexpr (std::is_same_v<R, bool>) item = Py_NewRef(values[k] ? Py_True : Py_False);
    else if constexpr (std::is_same_v<R, double>) item = PyFloat_FromDouble(values[k]);
    else item = PyLong_FromLongLong(values[k]);
    if (!item) throw py::error_already_set();
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(k), item);
  }
  return out;
}

}  // namespace

bool Results::wait_all(const py::object& timeout) const {
  if (all_ready()) return true;
  return wait_sliced(
      [&](Clock::time_point slice) { return std::visit([&](const auto& s) { return s.wait_all_until(slice); }, stream_); },
      seconds(timeout));
}

bool Results::all_ready() const {
  return std::visit([&](const auto& s) { return s.wait_all_until(Clock::now()); }, stream_);
}

py::list Results::get_all(const py::object& timeout) const {
  const auto end = seconds(timeout);
  // Typed results: wait for all, then take them a chunk at a time (a map of
  // millions of ints), not one by one.
  if (!std::holds_alternative<ResultStream<Value>>(stream_)) {
    if (!wait_all(timeout)) throw Timeout("results not ready within the timeout");
    return std::visit(
        [&](const auto& s) -> py::list {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, ResultStream<Value>>) return py::list();  // held above
          else return as_list(s.all());
        },
        stream_);
  }
  const auto start = Clock::now();
  py::list out(size());
  std::exception_ptr first;
  for (std::size_t k = 0; k < size(); ++k) {
    if (!ready(k)) {
      py::object left = py::none();
      if (end) left = py::float_(*end - std::chrono::duration<double>(Clock::now() - start).count());
      if (!wait(k, left)) throw Timeout("results not ready within the timeout");
    }
    try {
      out[k] = take(k);
    } catch (const py::error_already_set&) {
      throw;
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
  return out;
}

std::size_t Results::check(std::size_t k) const {
  if (k >= size()) throw py::index_error("result index out of range");
  return k;
}

void bind_results(py::module_& m) {
  py::class_<Results>(m, "Results", "The results of one Pool submission, by position.")
      .def("__len__", &Results::size)
      .def("ready", &Results::ready, py::arg("k"))
      .def("wait", &Results::wait, py::arg("k"), py::arg("timeout") = py::none())
      .def("get", &Results::get, py::arg("k"))
      .def("successful", &Results::successful, py::arg("k"))
      .def("get_all", &Results::get_all, py::arg("timeout") = py::none())
      .def("wait_all", &Results::wait_all, py::arg("timeout") = py::none())
      .def("all_ready", &Results::all_ready);
}

}  // namespace ferry::python
