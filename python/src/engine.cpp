// Engine, Plugin and TaskInfo.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "convert.hpp"

namespace ferry::python {

void bind_engine(py::module_& m) {
  py::class_<TaskInfo>(m, "TaskInfo", "One task of a plugin: name, signature, doc.")
      .def_readonly("name", &TaskInfo::name)
      .def_readonly("params", &TaskInfo::params, "the parameter types, e.g. '(i64,i64)'")
      .def_readonly("result", &TaskInfo::result, "the result type, e.g. 'i64'")
      .def_readonly("doc", &TaskInfo::doc)
      .def_property_readonly("signature", &TaskInfo::signature, "'(i64,i64) -> i64'")
      .def("__repr__", [](const TaskInfo& t) { return "<TaskInfo " + t.name + t.signature() + ">"; });

  py::class_<Plugin>(m, "Plugin", "A loaded plugin (Engine.load).")
      .def_property_readonly("name", &Plugin::name)
      .def_property_readonly("version", &Plugin::version)
      .def_property_readonly("path", &Plugin::path)
      .def("tasks", [](const Plugin& p) { return p.tasks(); }, "The task table, in the plugin's order.")
      .def("task", [](const Plugin& p, const std::string& name) { return p.task(name); },
           "The task called name; ArgumentError when there is none.")
      .def(
          "check_arguments",
          [](const Plugin& p, const std::string& task, py::handle args) {
            p.check_arguments(task, to_arguments(args));
          },
          "Raises ArgumentError (a ValueError) naming the first argument that cannot convert.")
      .def("__repr__", [](const Plugin& p) { return "<Plugin " + p.name() + " " + p.version() + " " + p.path() + ">"; });

  py::class_<Engine, EnginePtr>(m, "Engine")
      .def(py::init([](std::vector<std::string> plugin_path, std::string worker, const std::string& start_method) {
             EngineOptions o;
             o.plugin_path = std::move(plugin_path);
             o.worker_executable = std::move(worker);
             const auto method = start_method_named(start_method);
             if (!method)
               throw py::value_error("start_method must be 'spawn' or 'forkserver', not '" + start_method + "'");
             o.start_method = *method;
             return std::make_shared<Engine>(std::move(o));
           }),
           py::arg("plugin_path") = std::vector<std::string>{}, py::arg("worker") = "",
           py::arg("start_method") = "spawn")
      .def("load", &Engine::load, py::arg("name_or_path"), py::call_guard<py::gil_scoped_release>())
      .def("plugin_search_path", &Engine::plugin_search_path);
}

}  // namespace ferry::python
