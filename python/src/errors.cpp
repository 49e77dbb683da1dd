#include "errors.hpp"

#include <ferry/errors.hpp>
#include <ferry/value.hpp>

namespace ferry::python {
namespace {

// The classes, made once by bind_errors; they live as long as the module.
struct Classes {
  PyObject *error, *task, *worker, *timeout, *argument, *state, *plugin, *manager, *config;
};
Classes classes{};

PyObject* make_class(py::module_& m, const char* name, std::initializer_list<PyObject*> bases, const char* doc) {
  py::tuple b(bases.size());
  std::size_t i = 0;
  for (PyObject* base : bases) b[i++] = py::reinterpret_borrow<py::object>(base);
  const std::string qualified = std::string("ferry.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, b.ptr(), nullptr);
  if (!cls) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(cls));
  return cls;
}

// Raises an instance of cls with message and the given attributes.
void raise(PyObject* cls, const char* message, std::initializer_list<std::pair<const char*, std::string>> attrs = {}) {
  py::object exc = py::reinterpret_borrow<py::object>(cls)(message);
  for (const auto& [name, value] : attrs) exc.attr(name) = value;
  PyErr_SetObject(cls, exc.ptr());
}

}  // namespace

void bind_errors(py::module_& m) {
  classes.error = make_class(m, "Error", {PyExc_Exception}, "Base of every error ferry raises.");
  classes.task = make_class(m, "TaskError", {classes.error},
                            "A task raised an exception in its worker: .task, .type (the C++ type), .message.");
  classes.worker = make_class(m, "WorkerError", {classes.error},
                              "The worker running a task died: .task, .cause (signal or exit code).");
  classes.timeout = make_class(m, "TimeoutError", {classes.error, PyExc_TimeoutError},
                               "A wait or a task ran past its timeout.");
  classes.argument = make_class(m, "ArgumentError", {classes.error, PyExc_ValueError},
                                "Arguments that do not fit the task's signature, or an unknown task.");
  classes.state = make_class(m, "StateError", {classes.error, PyExc_ValueError},
                             "A pool or process used in a state that forbids it (map after close, ...).");
  classes.plugin = make_class(m, "PluginError", {classes.error}, "A plugin could not be found or loaded.");
  classes.manager = make_class(m, "ManagerError", {classes.error}, "A shared object could not be used.");
  classes.config = make_class(m, "ConfigError", {classes.error, PyExc_ValueError}, "An invalid pipeline file.");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const TaskError& e) {
      // Arguments the worker could not convert (those check_arguments could not check).
      if (e.type() == "ferry::ArgumentError") raise(classes.argument, e.what());
      else raise(classes.task, e.what(), {{"task", e.task()}, {"type", e.type()}, {"message", e.message()}});
    } catch (const WorkerError& e) {
      raise(classes.worker, e.what(), {{"task", e.task()}, {"cause", e.cause()}});
    } catch (const Timeout& e) {
      raise(classes.timeout, e.what());
    } catch (const SignatureError& e) {
      raise(classes.argument, e.what());
    } catch (const StateError& e) {
      raise(classes.state, e.what());
    } catch (const PluginError& e) {
      raise(classes.plugin, e.what(), {{"path", e.path()}, {"reason", e.reason()}});
    } catch (const ManagerError& e) {
      raise(classes.manager, e.what());
    } catch (const ConfigError& e) {
      raise(classes.config, e.what());
    } catch (const Error& e) {
      raise(classes.error, e.what());
    } catch (const ferry::ValueError& e) {
      raise(classes.argument, e.what());
    }
  });
}

}  // namespace ferry::python
