#include "waiting.hpp"

#include <algorithm>

namespace ferry::python {

bool wait_sliced(const std::function<bool(Clock::time_point)>& step, std::optional<double> timeout) {
  std::optional<Clock::time_point> end;
  if (timeout)
    end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, *timeout)));
  for (;;) {
    auto slice = Clock::now() + kSlice;
    if (end) slice = std::min(slice, *end);
    bool done;
    {
      py::gil_scoped_release release;
      done = step(slice);
    }
    if (done) return true;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (end && Clock::now() >= *end) return false;
  }
}

std::optional<double> seconds(const py::object& timeout) {
  if (timeout.is_none()) return std::nullopt;
  return timeout.cast<double>();
}

}  // namespace ferry::python
