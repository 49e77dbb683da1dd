// Results: what one Pool submission gives Python, by position, whichever
// way its calls travelled (Values, or typed scalars on the fast path).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include <pybind11/pybind11.h>

#include <ferry/result_stream.hpp>
#include <ferry/value.hpp>

namespace ferry::python {

namespace py = pybind11;

// The k-th result is the k-th in iteration order: input order, or
// completion order for an unordered submission. Thread-safe.
class Results {
 public:
  using Stream = std::variant<ResultStream<Value>, ResultStream<bool>, ResultStream<std::int64_t>,
                              ResultStream<double>>;
  // type: the task's result type, for tuples (see from_result).
  Results(Stream stream, std::string type) : stream_(std::move(stream)), type_(std::move(type)) {}

  std::size_t size() const;
  bool ready(std::size_t k) const;
  // Waits (sliced, see wait_sliced) for the k-th result; false on timeout.
  bool wait(std::size_t k, const py::object& timeout) const;
  // The k-th result, waiting for it; raises its error.
  py::object get(std::size_t k) const;
  // Whether the k-th result is ready and not an error; StateError before.
  bool successful(std::size_t k) const;
  // Waits (sliced) until every result is ready; false on timeout.
  bool wait_all(const py::object& timeout) const;
  // Whether every result is ready.
  bool all_ready() const;
  // Every result in order; waits for all, then raises the first error.
  py::list get_all(const py::object& timeout) const;

 private:
  std::size_t check(std::size_t k) const;
  // The k-th result, which is ready, as Python; raises its error.
  py::object take(std::size_t k) const;

  Stream stream_;
  std::string type_;
};

void bind_results(py::module_& m);

}  // namespace ferry::python
