// Process: one task in its own worker, with Python objects as arguments.
#include <mutex>

#include <pybind11/stl.h>

#include <ferry/process.hpp>

#include "bindings.hpp"
#include "convert.hpp"
#include "waiting.hpp"

namespace ferry::python {
namespace {

// ferry::Process is not thread-safe: every use takes mu (with the GIL
// released, so a thread blocked in join() never holds up Python).
class PyProcess {
  template <class F>
  auto locked(F&& f) -> decltype(f()) {
    py::gil_scoped_release release;
    std::lock_guard lock(mu_);
    return f();
  }

 public:
  PyProcess(const Plugin& plugin, const std::string& task, py::handle args)
      : result_type_(plugin.task(task).result), process_(make(plugin, task, args)) {}

  void start() { locked([&] { process_.start(); }); }
  bool join(const py::object& timeout) {
    return wait_sliced(
        [&](Clock::time_point slice) {
          std::lock_guard lock(mu_);
          return process_.join(slice - Clock::now());
        },
        seconds(timeout));
  }
  bool is_alive() { return locked([&] { return process_.is_alive(); }); }
  std::optional<int> exitcode() { return locked([&] { return process_.exitcode(); }); }
  void terminate() { locked([&] { process_.terminate(); }); }
  void kill() { locked([&] { process_.kill(); }); }
  int pid() { return locked([&] { return process_.pid(); }); }
  py::object result(const py::object& timeout) {
    if (!join(timeout)) throw Timeout("process did not finish within the timeout");
    Value v = locked([&] { return process_.value_result(); });
    return from_result(v, result_type_);
  }

 private:
  static Process make(const Plugin& plugin, const std::string& task, py::handle args) {
    bool handles = false;
    Value::List values = to_arguments(args, &handles);
    if (!handles) plugin.check_arguments(task, values);
    return Process::from_values(plugin, task, values);
  }

  std::string result_type_;
  Process process_;
  std::mutex mu_;  // guards process_
};

}  // namespace

void bind_process(py::module_& m) {
  py::class_<PyProcess>(m, "Process")
      .def(py::init<const Plugin&, const std::string&, py::handle>(), py::arg("plugin"), py::arg("task"),
           py::arg("args") = py::tuple())
      .def("start", &PyProcess::start)
      .def("join", &PyProcess::join, py::arg("timeout") = py::none(), "True once the process has exited.")
      .def("is_alive", &PyProcess::is_alive)
      .def_property_readonly("exitcode", &PyProcess::exitcode)
      .def("terminate", &PyProcess::terminate)
      .def("kill", &PyProcess::kill)
      .def_property_readonly("pid", &PyProcess::pid)
      .def("result", &PyProcess::result, py::arg("timeout") = py::none(),
           "Joins, then returns the task's result or raises its error.");
}

}  // namespace ferry::python
