// Python objects to and from ferry::Value: how task arguments go in and
// results come out.
#pragma once

#include <string>

#include <pybind11/pybind11.h>

#include <ferry/value.hpp>

namespace ferry::python {

namespace py = pybind11;

// obj as a Value: None, bool, int (64-bit; or any object with __index__), float, str, bytes/bytearray,
// list/tuple (lists), dict (maps; str or int keys), and objects with a
// __ferry_value__() method (shared-object handles). Throws ferry::ValueError
// naming where inside obj and why ("[1]['x']: int too large for 64 bits").
Value to_value(py::handle obj);

// One call's arguments: args must be a tuple or list; a failed element is
// named "argument N" (1-based), as Plugin::check_arguments names them.
// handles (if given) is set when an argument is a shared-object handle,
// which Plugin::check_arguments cannot check (the worker does).
Value::List to_arguments(py::handle args, bool* handles = nullptr);

// A call of one argument, arg (map's items: no tuple made for each).
Value::List to_single_argument(py::handle arg, bool* handles = nullptr);

// v as a Python object: maps become dicts, lists become lists.
py::object from_value(const Value& v);

// v as the result of a task returning type (a signature string such as
// "tuple<i64,str>"): as from_value, but a tuple result comes back a tuple.
py::object from_result(const Value& v, const std::string& type);

}  // namespace ferry::python
