// Shared objects held by an engine's manager, with Python container
// behaviour; the same objects tasks reach through ferry::Context or as
// arguments (__ferry_value__ gives the form a task argument takes).
#include <pybind11/stl.h>

#include <ferry/codec.hpp>

#include "bindings.hpp"
#include "convert.hpp"
#include "waiting.hpp"

namespace ferry::python {
namespace {

using Release = py::call_guard<py::gil_scoped_release>;

// A handle as a task argument: the fields its cereal save writes (a name and
// a setting; or a segment id), as the struct map a task's parameter reads.
template <class H>
py::dict handle_value(const H& h) {
  const std::string bytes = codec::encode(h);
  py::dict d;
  if constexpr (std::is_base_of_v<detail::SharedHandle, H>) {
    std::string name;
    std::uint64_t setting = 0;
    codec::decode(bytes, name, setting);
    d["value0"] = name;
    d["value1"] = setting;
  } else {
    std::uint64_t id = 0;
    codec::decode(bytes, id);
    d["value0"] = id;
  }
  return d;
}

template <class K, class V>
void bind_dict(py::module_& m, const char* name) {
  using D = Dict<K, V>;
  py::class_<D>(m, name)
      .def_property_readonly("name", &D::name)
      .def("__getitem__", [](const D& d, const K& k) {
        std::optional<V> v;
        { py::gil_scoped_release r; v = d.get(k); }
        if (!v) throw py::key_error(std::string(py::repr(py::cast(k))));
        return *v;
      })
      .def("__setitem__", &D::set, Release())
      .def("__delitem__", [](D& d, const K& k) {
        std::optional<V> v;
        { py::gil_scoped_release r; v = d.pop(k); }
        if (!v) throw py::key_error(std::string(py::repr(py::cast(k))));
      })
      .def("__contains__", &D::contains, Release())
      .def("__len__", &D::size, Release())
      .def("keys", &D::keys, Release())
      .def("items", &D::items, Release())
      .def("get", &D::get, Release())
      .def("pop", &D::pop, Release())
      .def("setdefault", &D::setdefault, Release())
      .def("add", [](D& d, const K& k, const V& delta) {
        if constexpr (std::is_arithmetic_v<V> && !std::is_same_v<V, bool>) {
          py::gil_scoped_release r;
          return d.add(k, delta);
        } else {
          throw py::type_error("add needs a dict of int or float values");
          return V{};
        }
      }, "d[key] += delta in one step; returns the new value")
      .def("clear", &D::clear, Release())
      .def("__ferry_value__", &handle_value<D>);
}

template <class T>
void bind_list(py::module_& m, const char* name) {
  using L = List<T>;
  py::class_<L>(m, name)
      .def_property_readonly("name", &L::name)
      .def("append", &L::append, Release())
      .def("extend", &L::extend, Release())
      .def("at", &L::at, Release())
      .def("set", &L::set, Release())
      .def("__len__", &L::size, Release())
      .def("items", &L::items, Release())
      .def("__ferry_value__", &handle_value<L>);
}

template <class T>
void bind_queue(py::module_& m, const char* name) {
  using Q = Queue<T>;
  py::class_<Q>(m, name)
      .def_property_readonly("name", &Q::name)
      // get/put with a timeout in seconds (None: forever); nullopt / false
      // when it passed. Waits in slices, so Ctrl-C interrupts them.
      .def("get_for", [](Q& q, const py::object& timeout) {
        std::optional<T> out;
        wait_sliced([&](Clock::time_point slice) { return (out = q.get(slice - Clock::now())).has_value(); },
                    seconds(timeout));
        return out;
      })
      .def("put_for", [](Q& q, const T& v, const py::object& timeout) {
        return wait_sliced([&](Clock::time_point slice) { return q.put(v, slice - Clock::now()); }, seconds(timeout));
      })
      .def("qsize", &Q::size, Release())
      .def("empty", &Q::empty, Release())
      .def("task_done", &Q::task_done, Release())
      .def("join", &Q::join, Release())
      .def("__ferry_value__", &handle_value<Q>);
}

template <class T>
void bind_shared_memory(py::module_& m, const char* value_name, const char* array_name) {
  using SV = SharedValue<T>;
  using SA = SharedArray<T>;
  py::class_<SV>(m, value_name)
      .def("get", &SV::value, Release())
      .def("set", &SV::set, Release())
      .def("add", &SV::add, Release())
      .def("get_unlocked", [](SV& v) { return v.unsynchronized(); })
      .def("set_unlocked", [](SV& v, const T& x) { v.unsynchronized() = x; })
      .def("lock", [](SV& v) { v.get_lock().lock(); }, Release())
      .def("unlock", [](SV& v) { v.get_lock().unlock(); }, Release())
      .def("__ferry_value__", &handle_value<SV>);
  py::class_<SA>(m, array_name)
      .def("__len__", &SA::size)
      .def("get", &SA::get, Release())
      .def("set", &SA::set, Release())
      .def("to_list", &SA::to_vector, Release())
      .def("get_unlocked", [](SA& a, std::size_t i) { return a.span()[i]; })
      .def("set_unlocked", [](SA& a, std::size_t i, const T& x) { a.span()[i] = x; })
      .def("lock", [](SA& a) { a.get_lock().lock(); }, Release())
      .def("unlock", [](SA& a) { a.get_lock().unlock(); }, Release())
      .def("__ferry_value__", &handle_value<SA>);
}

}  // namespace

void bind_shared(py::module_& m) {
  bind_dict<std::string, std::int64_t>(m, "Dict_str_int");
  bind_dict<std::string, double>(m, "Dict_str_float");
  bind_dict<std::string, std::string>(m, "Dict_str_str");
  bind_dict<std::string, bool>(m, "Dict_str_bool");
  bind_dict<std::int64_t, std::int64_t>(m, "Dict_int_int");
  bind_dict<std::int64_t, double>(m, "Dict_int_float");
  bind_dict<std::int64_t, std::string>(m, "Dict_int_str");
  bind_dict<std::int64_t, bool>(m, "Dict_int_bool");
  bind_list<std::int64_t>(m, "List_int");
  bind_list<double>(m, "List_float");
  bind_list<std::string>(m, "List_str");
  bind_list<bool>(m, "List_bool");
  bind_queue<std::int64_t>(m, "Queue_int");
  bind_queue<double>(m, "Queue_float");
  bind_queue<std::string>(m, "Queue_str");
  bind_queue<bool>(m, "Queue_bool");
  // Python's typecodes: 'i' int32, 'l'/'q' int64, 'd' double.
  bind_shared_memory<std::int32_t>(m, "Value_i", "Array_i");
  bind_shared_memory<std::int64_t>(m, "Value_q", "Array_q");
  bind_shared_memory<double>(m, "Value_d", "Array_d");

  py::class_<Lock>(m, "Lock")
      .def_property_readonly("name", &Lock::name)
      .def("acquire_for", [](Lock& l, const py::object& timeout) {
        return wait_sliced([&](Clock::time_point slice) { return l.acquire(slice - Clock::now()); }, seconds(timeout));
      })
      .def("release", &Lock::release, Release())
      .def("__ferry_value__", &handle_value<Lock>);
  py::class_<Event>(m, "Event")
      .def_property_readonly("name", &Event::name)
      .def("set", &Event::set, Release())
      .def("clear", &Event::clear, Release())
      .def("is_set", &Event::is_set, Release())
      .def("wait_for", [](Event& e, const py::object& timeout) {
        return wait_sliced([&](Clock::time_point slice) { return e.wait(slice - Clock::now()); }, seconds(timeout));
      })
      .def("__ferry_value__", &handle_value<Event>);

  py::class_<Semaphore>(m, "Semaphore")
      .def_property_readonly("name", &Semaphore::name)
      .def("acquire_for", [](Semaphore& sem, const py::object& timeout) {
        return wait_sliced([&](Clock::time_point slice) { return sem.acquire(slice - Clock::now()); },
                           seconds(timeout));
      })
      .def("release", &Semaphore::release, Release())
      .def("get_value", &Semaphore::value, Release())
      .def("__ferry_value__", &handle_value<Semaphore>);
  // A barrier wait is not sliced: a wait that runs out breaks the barrier.
  py::class_<Barrier>(m, "Barrier")
      .def_property_readonly("name", &Barrier::name)
      .def("wait_for", [](Barrier& b, const py::object& timeout) -> std::optional<std::uint64_t> {
        const auto limit = seconds(timeout);
        py::gil_scoped_release release;
        if (!limit) return b.wait();
        return b.wait(std::chrono::duration<double>(*limit));
      })
      .def("__ferry_value__", &handle_value<Barrier>);

  // The engine's factories; types named as in the classes above.
  m.def("dict_str_int", [](const EnginePtr& e, std::string n) { return e->dict<std::string, std::int64_t>(n); });
  m.def("dict_str_float", [](const EnginePtr& e, std::string n) { return e->dict<std::string, double>(n); });
  m.def("dict_str_str", [](const EnginePtr& e, std::string n) { return e->dict<std::string, std::string>(n); });
  m.def("dict_str_bool", [](const EnginePtr& e, std::string n) { return e->dict<std::string, bool>(n); });
  m.def("dict_int_int", [](const EnginePtr& e, std::string n) { return e->dict<std::int64_t, std::int64_t>(n); });
  m.def("dict_int_float", [](const EnginePtr& e, std::string n) { return e->dict<std::int64_t, double>(n); });
  m.def("dict_int_str", [](const EnginePtr& e, std::string n) { return e->dict<std::int64_t, std::string>(n); });
  m.def("dict_int_bool", [](const EnginePtr& e, std::string n) { return e->dict<std::int64_t, bool>(n); });
  m.def("list_int", [](const EnginePtr& e, std::string n) { return e->list<std::int64_t>(n); });
  m.def("list_float", [](const EnginePtr& e, std::string n) { return e->list<double>(n); });
  m.def("list_str", [](const EnginePtr& e, std::string n) { return e->list<std::string>(n); });
  m.def("list_bool", [](const EnginePtr& e, std::string n) { return e->list<bool>(n); });
  m.def("queue_int", [](const EnginePtr& e, std::string n, std::size_t cap) { return e->queue<std::int64_t>(n, {cap}); });
  m.def("queue_float", [](const EnginePtr& e, std::string n, std::size_t cap) { return e->queue<double>(n, {cap}); });
  m.def("queue_str", [](const EnginePtr& e, std::string n, std::size_t cap) { return e->queue<std::string>(n, {cap}); });
  m.def("queue_bool", [](const EnginePtr& e, std::string n, std::size_t cap) { return e->queue<bool>(n, {cap}); });
  m.def("lock", [](const EnginePtr& e, std::string n) { return e->lock(n); });
  m.def("event", [](const EnginePtr& e, std::string n) { return e->event(n); });
  m.def("semaphore", [](const EnginePtr& e, std::string n, std::int64_t v) { return e->semaphore(n, v); });
  m.def("barrier", [](const EnginePtr& e, std::string n, std::uint64_t parties) { return e->barrier(n, parties); });
  m.def("value_i", [](const EnginePtr& e, std::int32_t v) { return e->shared_value<std::int32_t>(v); });
  m.def("value_q", [](const EnginePtr& e, std::int64_t v) { return e->shared_value<std::int64_t>(v); });
  m.def("value_d", [](const EnginePtr& e, double v) { return e->shared_value<double>(v); });
  m.def("array_i", [](const EnginePtr& e, std::vector<std::int32_t> v) { return e->shared_array<std::int32_t>(v); });
  m.def("array_q", [](const EnginePtr& e, std::vector<std::int64_t> v) { return e->shared_array<std::int64_t>(v); });
  m.def("array_d", [](const EnginePtr& e, std::vector<double> v) { return e->shared_array<double>(v); });
}

}  // namespace ferry::python
