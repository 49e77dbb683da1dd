// The fields of user structs, read from their cereal serialize (or save)
// function: what a struct's name alone cannot say. Two builds with an
// `Order` whose fields are swapped have the same signature "(Order)" but
// different schemas, so comparing schemas finds the mismatch and names the
// field. A plugin carries them in ferry_task_v1::schema (TaskInfo::structs
// on the host), and the host compares them wherever types meet.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <ferry/convert.hpp>
#include <ferry/signature.hpp>
#include <ferry/task_info.hpp>

namespace ferry {

namespace detail {

// True for the types type_name<T>() names by their C++ name: user structs.
template <class T>
constexpr bool is_user_struct_v =
    std::is_class_v<T> && !has_name_override<T> && !std::is_same_v<T, std::string> && !std::is_same_v<T, Bytes> &&
    !std::is_same_v<T, Value> && !is_instance<T, std::optional>::value && !is_mapping_v<T> && !is_sequence_v<T> &&
    !is_tuple_like_v<T>;

template <class T>
void collect_schemas(std::vector<StructSchema>& out);

// Walks a struct's serialize/save as an archive, recording each field.
class SchemaRecorder : public ArchiveSyntax<SchemaRecorder> {
 public:
  explicit SchemaRecorder(std::vector<StructSchema>& all) : all_(all) {}
  template <class... Args>
  SchemaRecorder& operator()(Args&&... args) {
    (put(std::forward<Args>(args)), ...);
    return *this;
  }
  std::vector<FieldSchema> fields;

 private:
  template <class T>
  void put(T&& x) {
    using U = std::remove_cvref_t<T>;
    if constexpr (is_nvp<U>::value) {
      using F = std::remove_cvref_t<decltype(x.value)>;
      fields.push_back({x.name, type_name<F>()});
      collect_schemas<F>(all_);
    } else {
      fields.push_back({"value" + std::to_string(fields.size()), type_name<U>()});
      collect_schemas<U>(all_);
    }
  }
  std::vector<StructSchema>& all_;
};

// Adds to out the schema of T if it is a user struct, and of every user
// struct inside T (fields, elements, keys and values), each once, a struct
// after the structs it holds.
template <class T>
void collect_schemas(std::vector<StructSchema>& out) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_void_v<U>) {
    return;
  } else if constexpr (is_instance<U, std::optional>::value || is_sequence_v<U>) {
    collect_schemas<typename U::value_type>(out);
  } else if constexpr (is_mapping_v<U>) {
    collect_schemas<typename U::key_type>(out);
    collect_schemas<typename U::mapped_type>(out);
  } else if constexpr (is_tuple_like_v<U>) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (collect_schemas<std::tuple_element_t<I, U>>(out), ...);
    }(std::make_index_sequence<std::tuple_size_v<U>>{});
  } else if constexpr (is_user_struct_v<U>) {
    const std::string name = type_name<U>();
    for (const auto& s : out)
      if (s.name == name) return;  // seen (and a struct cannot hold itself by value)
    const U sample{};  // serialize() is called on a default value: it only reads names and types
    SchemaRecorder r(out);
    save_fields(r, sample);
    out.push_back({name, std::move(r.fields)});
  }
}

}  // namespace detail

// The schemas of the user structs in Ts (parameters and result of a task,
// say), nested structs first; empty when there are none.
template <class... Ts>
std::vector<StructSchema> struct_schemas() {
  std::vector<StructSchema> out;
  (detail::collect_schemas<Ts>(out), ...);
  return out;
}

// struct_schemas<Ts...>() computed once per Ts...: what host calls compare
// against a plugin's schemas on every call.
template <class... Ts>
const std::vector<StructSchema>& cached_struct_schemas() {
  static const std::vector<StructSchema> schemas = struct_schemas<Ts...>();
  return schemas;
}

}  // namespace ferry
