#include "convert.hpp"

#include <climits>

namespace ferry::python {
namespace {

// Where a value sits inside the arguments, built into text only when a
// conversion fails (most never do): a chain of steps on the stack.
struct Path {
  const Path* parent = nullptr;
  const char* label = nullptr;  // a top-level name ("argument")
  std::size_t index = 0;        // with label, or a list index
  py::handle key{};             // a dict key, when set
  bool is_index = false;

  std::string text() const {
    std::string head = parent ? parent->text() : std::string();
    if (label) return head + label + " " + std::to_string(index);
    if (key) return head + "[" + std::string(py::repr(key)) + "]";
    if (is_index) return head + "[" + std::to_string(index) + "]";
    return head;
  }
};

Value convert(py::handle obj, const Path& where, int depth);

[[noreturn]] void fail(const Path& where, const std::string& why) {
  const std::string at = where.text();
  throw ValueError(at.empty() ? why : at + ": " + why);
}

Value convert_int(py::handle obj, const Path& where) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
  if (overflow != 0) fail(where, "int " + std::string(py::str(obj)) + " does not fit 64 bits");
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  return Value(static_cast<std::int64_t>(v));
}

Value convert(py::handle obj, const Path& where, int depth) {
  if (depth > kMaxValueDepth) fail(where, "nested deeper than " + std::to_string(kMaxValueDepth));
  if (obj.is_none()) return Value();
  if (PyBool_Check(obj.ptr())) return Value(obj.ptr() == Py_True);
  if (PyLong_Check(obj.ptr())) return convert_int(obj, where);
  if (PyFloat_Check(obj.ptr())) return Value(PyFloat_AS_DOUBLE(obj.ptr()));
  if (PyUnicode_Check(obj.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
    if (!data) throw py::error_already_set();
    return Value(std::string(data, static_cast<std::size_t>(size)));
  }
  if (PyBytes_Check(obj.ptr()) || PyByteArray_Check(obj.ptr())) {
    const std::string s = PyBytes_Check(obj.ptr()) ? std::string(py::reinterpret_borrow<py::bytes>(obj))
                                                   : std::string(py::reinterpret_borrow<py::bytearray>(obj));
    return Value(Bytes{std::vector<std::uint8_t>(s.begin(), s.end())});
  }
  if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) {
    Value::List list;
    list.reserve(static_cast<std::size_t>(py::len(obj)));
    Path step{&where};
    step.is_index = true;
    for (py::handle e : obj) {
      list.push_back(convert(e, step, depth + 1));
      ++step.index;
    }
    return Value(std::move(list));
  }
  if (PyDict_Check(obj.ptr())) {
    Value::Map map;
    for (auto [k, v] : py::reinterpret_borrow<py::dict>(obj)) {
      std::string key;
      if (PyUnicode_Check(k.ptr())) key = k.cast<std::string>();
      else if (PyLong_Check(k.ptr()) && !PyBool_Check(k.ptr())) key = std::string(py::str(k));
      else fail(where, "dict keys must be str or int, got " + std::string(Py_TYPE(k.ptr())->tp_name));
      Path step{&where};
      step.key = k;
      map.emplace_back(key, convert(v, step, depth + 1));
    }
    return Value(std::move(map));
  }
  if (py::hasattr(obj, "__ferry_value__")) return convert(obj.attr("__ferry_value__")(), where, depth + 1);
  if (PyIndex_Check(obj.ptr())) {  // integers of other libraries (numpy.int64, ...)
    auto index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
    if (!index) throw py::error_already_set();
    return convert_int(index, where);
  }
  fail(where, std::string("cannot pass a ") + Py_TYPE(obj.ptr())->tp_name +
                  " (use None, bool, int, float, str, bytes, list, tuple or dict)");
}

}  // namespace

Value to_value(py::handle obj) { return convert(obj, Path{}, 0); }

Value::List to_arguments(py::handle args, bool* handles) {
  if (!PyTuple_Check(args.ptr()) && !PyList_Check(args.ptr()))
    throw ValueError(std::string("arguments must be a tuple or list, got ") + Py_TYPE(args.ptr())->tp_name);
  Value::List out;
  out.reserve(static_cast<std::size_t>(py::len(args)));
  Path where;
  where.label = "argument";
  for (py::handle a : args) {
    ++where.index;
    if (handles && !PyLong_Check(a.ptr()) && py::hasattr(a, "__ferry_value__")) *handles = true;
    out.push_back(convert(a, where, 0));
  }
  return out;
}

Value::List to_single_argument(py::handle arg, bool* handles) {
  Path where;
  where.label = "argument";
  where.index = 1;
  if (handles && !PyLong_Check(arg.ptr()) && py::hasattr(arg, "__ferry_value__")) *handles = true;
  Value::List out;
  out.push_back(convert(arg, where, 0));
  return out;
}

py::object from_value(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null: return py::none();
    case Value::Kind::boolean: return py::bool_(v.as_bool());
    case Value::Kind::integer: return py::int_(v.as_int());
    case Value::Kind::floating: return py::float_(v.as_float());
    case Value::Kind::string: {
      const auto& s = v.as_string();
      PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape");
      if (!o) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(o);
    }
    case Value::Kind::bytes: {
      const auto& b = v.as_bytes().data;
      return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
    }
    case Value::Kind::list: {
      py::list out(v.as_list().size());
      std::size_t i = 0;
      for (const auto& e : v.as_list()) out[i++] = from_value(e);
      return out;
    }
    case Value::Kind::map: {
      py::dict out;
      for (const auto& [k, e] : v.as_map()) out[py::str(k)] = from_value(e);
      return out;
    }
  }
  return py::none();
}

py::object from_result(const Value& v, const std::string& type) {
  if (v.is_list() && type.rfind("tuple<", 0) == 0) return py::tuple(from_value(v));
  return from_value(v);
}

}  // namespace ferry::python
