// Conversion between typed C++ values and ferry::Value, so the CLI and YAML
// can pass arguments to any task and print any result.
//
// Covered: bool, integers (range-checked), floats, std::string, ferry::Bytes,
// ferry::Value, vector / deque / list / set / array, map / unordered_map
// (string or integer keys), pair / tuple (as lists), optional (null when
// empty), and user structs with a cereal serialize (or save/load) function:
// fields named with CEREAL_NVP become map keys; unnamed ones are value0,
// value1, ... as in cereal's JSON archive.
#pragma once

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include <cereal/cereal.hpp>

#include <ferry/signature.hpp>
#include <ferry/value.hpp>

namespace ferry {

template <class T>
Value to_value(const T& x);
template <class T>
void from_value(const Value& v, T& out);

namespace detail {

template <class T>
struct is_nvp : std::false_type {};
template <class T>
struct is_nvp<cereal::NameValuePair<T>> : std::true_type {};

// cereal's archive syntax besides ar(a, b): ar & a, ar << a, ar >> a, all
// forwarded to Derived's operator(), for the archives below that walk a
// struct's serialize function.
template <class Derived>
class ArchiveSyntax {
 public:
  template <class T>
  Derived& operator&(T&& x) { return self()(std::forward<T>(x)); }
  template <class T>
  Derived& operator<<(T&& x) { return self()(std::forward<T>(x)); }
  template <class T>
  Derived& operator>>(T&& x) { return self()(std::forward<T>(x)); }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

// Collects the fields a struct's serialize/save names into a Value map.
class StructWriter : public ArchiveSyntax<StructWriter> {
 public:
  template <class... Args>
  StructWriter& operator()(Args&&... args) {
    (put(std::forward<Args>(args)), ...);
    return *this;
  }
  Value::Map fields;

 private:
  template <class T>
  void put(T&& x) {
    using U = std::remove_cvref_t<T>;
    if constexpr (is_nvp<U>::value)
      fields.emplace_back(x.name, to_value(x.value));
    else
      fields.emplace_back("value" + std::to_string(fields.size()), to_value(x));
  }
};

// Fills a struct's fields from a Value map, by the names serialize/load uses.
class StructReader : public ArchiveSyntax<StructReader> {
 public:
  explicit StructReader(const Value::Map& m) : map_(m) {}
  template <class... Args>
  StructReader& operator()(Args&&... args) {
    (get(std::forward<Args>(args)), ...);
    return *this;
  }

 private:
  template <class T>
  void get(T&& x) {
    using U = std::remove_cvref_t<T>;
    std::string name;
    if constexpr (is_nvp<U>::value) name = x.name;
    else name = "value" + std::to_string(index_);
    ++index_;
    const Value* field = nullptr;
    for (const auto& [k, v] : map_)
      if (k == name) field = &v;
    if (!field) throw ValueError("missing field '" + name + "'");
    read_.push_back(std::move(name));
    try {
      if constexpr (is_nvp<U>::value) from_value(*field, x.value);
      else from_value(*field, x);
    } catch (const ValueError& e) {
      throw ValueError("." + read_.back() + ": " + e.what());
    }
  }

 public:
  // Throws when the map has a key no field took: a misspelled field would
  // otherwise be dropped silently.
  void finish() const {
    for (const auto& [k, v] : map_) {
      bool known = false;
      for (const auto& n : read_) known = known || n == k;
      if (known) continue;
      std::string fields;
      for (const auto& n : read_) (fields += fields.empty() ? "" : ", ") += n;
      throw ValueError("unknown field '" + k + "' (the struct's fields are " + fields + ")");
    }
  }

 private:
  const Value::Map& map_;
  std::size_t index_ = 0;
  std::vector<std::string> read_;  // the fields taken, in order
};

template <class T, class A>
concept member_serialize = requires(T& t, A& a) { t.serialize(a); };
template <class T, class A>
concept member_serialize_versioned = requires(T& t, A& a) { t.serialize(a, std::uint32_t{0}); };
template <class T, class A>
concept free_serialize = requires(T& t, A& a) { serialize(a, t); };
template <class T, class A>
concept member_save = requires(const T& t, A& a) { t.save(a); };
template <class T, class A>
concept member_load = requires(T& t, A& a) { t.load(a); };
template <class T, class A>
concept free_save = requires(const T& t, A& a) { save(a, t); };
template <class T, class A>
concept free_load = requires(T& t, A& a) { load(a, t); };

// Walks x's fields with the archive ar as cereal's saving side would: its
// save, else its serialize (member or free, versioned or not). The archives
// that only read fields (StructWriter, SchemaRecorder) share it.
template <class A, class T>
void save_fields(A& ar, const T& x) {
  auto& m = const_cast<T&>(x);  // serialize() is non-const by cereal convention; these archives only read
  if constexpr (member_save<T, A>) x.save(ar);
  else if constexpr (free_save<T, A>) save(ar, x);
  else if constexpr (member_serialize<T, A>) m.serialize(ar);
  else if constexpr (member_serialize_versioned<T, A>) m.serialize(ar, 0);
  else if constexpr (free_serialize<T, A>) serialize(ar, m);
  else static_assert(sizeof(T) == 0, "ferry: a struct crossing the wire needs a cereal serialize function");
}

template <class T>
Value struct_to_value(const T& x) {
  StructWriter w;
  save_fields(w, x);
  return Value(std::move(w.fields));
}

template <class T>
void struct_from_value(const Value& v, T& out) {
  StructReader r(v.as_map());
  if constexpr (member_load<T, StructReader>) out.load(r);
  else if constexpr (free_load<T, StructReader>) load(r, out);
  else if constexpr (member_serialize<T, StructReader>) out.serialize(r);
  else if constexpr (member_serialize_versioned<T, StructReader>) out.serialize(r, 0);
  else if constexpr (free_serialize<T, StructReader>) serialize(r, out);
  else static_assert(sizeof(T) == 0, "ferry: this type has no Value conversion and no cereal serialize function");
  r.finish();
}

template <class K>
std::string key_to_string(const K& k) {
  if constexpr (std::is_same_v<K, std::string>) return k;
  else if constexpr (std::is_integral_v<K> && !std::is_same_v<K, bool>) return std::to_string(k);
  else static_assert(sizeof(K) == 0, "ferry: map keys must be strings or integers to convert to a Value");
}

template <class K>
K key_from_string(const std::string& s) {
  if constexpr (std::is_same_v<K, std::string>) {
    return s;
  } else {
    K k{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), k);
    if (ec != std::errc() || p != s.data() + s.size())
      throw ValueError("map key '" + s + "' is not a " + type_name<K>());
    return k;
  }
}

template <class Tuple>
void tuple_from_list(const Value& v, Tuple& t) {
  const auto& l = v.as_list();
  constexpr auto n = std::tuple_size_v<Tuple>;
  if (l.size() != n)
    throw ValueError("expected a list of " + std::to_string(n) + " items, got " + std::to_string(l.size()));
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    [[maybe_unused]] auto one = [&](const Value& e, auto& slot, std::size_t i) {  // unused for tuple<>
      try {
        from_value(e, slot);
      } catch (const ValueError& err) {
        throw ValueError("[" + std::to_string(i) + "]: " + err.what());
      }
    };
    (one(l[I], std::get<I>(t), I), ...);
  }(std::make_index_sequence<n>{});
}

}  // namespace detail

// The Value form of x.
template <class T>
Value to_value(const T& x) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, Value>) {
    return x;
  } else if constexpr (std::is_same_v<U, bool>) {
    return Value(x);
  } else if constexpr (std::is_integral_v<U>) {
    if constexpr (std::is_unsigned_v<U> && sizeof(U) >= sizeof(std::int64_t))
      if (x > static_cast<U>(std::numeric_limits<std::int64_t>::max()))
        throw ValueError(std::to_string(x) + " does not fit a 64-bit signed integer");
    return Value(static_cast<std::int64_t>(x));
  } else if constexpr (std::is_floating_point_v<U>) {
    return Value(static_cast<double>(x));
  } else if constexpr (std::is_same_v<U, std::string> || std::is_same_v<U, Bytes>) {
    return Value(x);
  } else if constexpr (detail::is_instance<U, std::optional>::value) {
    return x ? to_value(*x) : Value();
  } else if constexpr (detail::is_mapping_v<U>) {
    Value::Map m;
    for (const auto& [k, e] : x) m.emplace_back(detail::key_to_string(k), to_value(e));
    return Value(std::move(m));
  } else if constexpr (detail::is_sequence_v<U>) {
    Value::List l;
    for (const auto& e : x) l.push_back(to_value(e));
    return Value(std::move(l));
  } else if constexpr (detail::is_tuple_like_v<U>) {
    return std::apply([](const auto&... e) { return Value(Value::List{to_value(e)...}); }, x);
  } else {
    return detail::struct_to_value(x);
  }
}

// Fills out from v. Throws ValueError naming where and why v does not fit
// (wrong kind, integer out of range, missing struct field, wrong list length).
template <class T>
void from_value(const Value& v, T& out) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, Value>) {
    out = v;
  } else if constexpr (std::is_same_v<U, bool>) {
    out = v.as_bool();
  } else if constexpr (std::is_integral_v<U>) {
    const std::int64_t i = v.as_int();
    if (!std::in_range<U>(i)) throw ValueError(std::to_string(i) + " is out of range for " + type_name<U>());
    out = static_cast<U>(i);
  } else if constexpr (std::is_floating_point_v<U>) {
    out = v.is_int() ? static_cast<U>(v.as_int()) : static_cast<U>(v.as_float());
  } else if constexpr (std::is_same_v<U, std::string>) {
    out = v.as_string();
  } else if constexpr (std::is_same_v<U, Bytes>) {
    out = v.is_string() ? Bytes{{v.as_string().begin(), v.as_string().end()}} : v.as_bytes();
  } else if constexpr (detail::is_instance<U, std::optional>::value) {
    if (v.is_null()) {
      out.reset();
    } else {
      typename U::value_type inner{};
      from_value(v, inner);
      out = std::move(inner);
    }
  } else if constexpr (detail::is_mapping_v<U>) {
    out.clear();
    for (const auto& [k, e] : v.as_map()) {
      typename U::mapped_type item{};
      try {
        from_value(e, item);
      } catch (const ValueError& err) {
        throw ValueError("[" + k + "]: " + err.what());
      }
      out.emplace(detail::key_from_string<typename U::key_type>(k), std::move(item));
    }
  } else if constexpr (detail::is_std_array<U>::value) {
    const auto& l = v.as_list();
    if (l.size() != out.size())
      throw ValueError("expected a list of " + std::to_string(out.size()) + " items, got " + std::to_string(l.size()));
    for (std::size_t i = 0; i < l.size(); ++i) from_value(l[i], out[i]);
  } else if constexpr (detail::is_sequence_v<U>) {
    out.clear();
    std::size_t i = 0;
    for (const auto& e : v.as_list()) {
      typename U::value_type item{};
      try {
        from_value(e, item);
      } catch (const ValueError& err) {
        throw ValueError("[" + std::to_string(i) + "]: " + err.what());
      }
      out.insert(out.end(), std::move(item));
      ++i;
    }
  } else if constexpr (detail::is_tuple_like_v<U>) {
    detail::tuple_from_list(v, out);
  } else {
    detail::struct_from_value(v, out);
  }
}

// Convenience: a T made from v.
template <class T>
T from_value(const Value& v) {
  T out{};
  from_value(v, out);
  return out;
}

}  // namespace ferry
