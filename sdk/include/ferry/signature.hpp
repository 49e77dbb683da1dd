// Signature strings built from C++ types: i64, f64, str, list<i64>,
// map<str,f64>, tuple<i64,i64>, optional<T>, and user structs by name.
// Plugins publish them in their task table; the host computes the same
// strings for the arguments it sends and refuses a mismatch before any byte
// reaches a worker, so a typed call can never be silently misdecoded.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <ferry/value.hpp>

namespace ferry {

// Specialise to give a user type a signature name of your choice; by default a
// class type is named by its (qualified) C++ name.
template <class T>
struct type_name_override {};

namespace detail {

template <class T>
constexpr std::string_view raw_type_name() {
  // "... [with T = geo::Point; ...]" (g++) or "... [T = geo::Point]" (clang)
  std::string_view f = __PRETTY_FUNCTION__;
  const auto start = f.find("T = ") + 4;
  // g++ ends the type at "; " (more template parameters follow), clang at
  // the final ']'; a type may itself contain ']' ("char [2]").
  auto end = f.find("; ", start);
  if (end == std::string_view::npos) end = f.rfind(']');
  return f.substr(start, end - start);
}

template <class T, template <class...> class Tmpl>
struct is_instance : std::false_type {};
template <class... A, template <class...> class Tmpl>
struct is_instance<Tmpl<A...>, Tmpl> : std::true_type {};

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

template <class T>
concept has_name_override = requires { type_name_override<T>::name; };

template <class T>
constexpr bool is_sequence_v = is_instance<T, std::vector>::value || is_instance<T, std::deque>::value ||
                               is_instance<T, std::list>::value || is_instance<T, std::set>::value ||
                               is_instance<T, std::unordered_set>::value || is_std_array<T>::value;

template <class T>
constexpr bool is_mapping_v = is_instance<T, std::map>::value || is_instance<T, std::unordered_map>::value;

template <class T>
constexpr bool is_tuple_like_v = is_instance<T, std::tuple>::value || is_instance<T, std::pair>::value;

// Types that look like ones ferry takes but are not: refused with a message
// of their own rather than a cereal or <utility> error deep in a template.
template <class T>
constexpr bool is_character_v = std::is_same_v<T, char> || std::is_same_v<T, wchar_t> ||
                                std::is_same_v<T, char8_t> || std::is_same_v<T, char16_t> ||
                                std::is_same_v<T, char32_t>;
template <class T>
constexpr bool is_multi_container_v =
    is_instance<T, std::multiset>::value || is_instance<T, std::multimap>::value ||
    is_instance<T, std::unordered_multiset>::value || is_instance<T, std::unordered_multimap>::value;

// The parts one after the other, built by appending only. (Prepending, as
// std::operator+(const char*, std::string&&) does through insert(0, ...),
// also makes GCC 12 at -O2 report a false -Wrestrict overlap.)
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::string s;
  ((s += parts), ...);
  return s;
}

}  // namespace detail

// The signature name of T (cv and references ignored).
template <class T>
std::string type_name() {
  using U = std::remove_cvref_t<T>;
  if constexpr (detail::has_name_override<U>) {
    return std::string(type_name_override<U>::name);
  } else if constexpr (std::is_same_v<U, void>) {
    return "none";
  } else if constexpr (std::is_same_v<U, bool>) {
    return "bool";
  } else if constexpr (detail::is_character_v<U>) {
    static_assert(sizeof(U) == 0,
                  "ferry: a character type (char, wchar_t, char8_t, char16_t, char32_t) is not a task type: "
                  "take std::string for text, or std::int8_t / std::uint8_t for a small number");
  } else if constexpr (detail::is_multi_container_v<U>) {
    static_assert(sizeof(U) == 0,
                  "ferry: std::multiset, std::multimap and their unordered forms are not task types: "
                  "take a std::vector (of std::pair for a multimap)");
  } else if constexpr (std::is_integral_v<U>) {
    return detail::concat(std::is_signed_v<U> ? "i" : "u", std::to_string(sizeof(U) * 8));
  } else if constexpr (std::is_floating_point_v<U>) {
    return detail::concat("f", std::to_string(sizeof(U) * 8));
  } else if constexpr (std::is_same_v<U, std::string>) {
    return "str";
  } else if constexpr (std::is_same_v<U, Bytes>) {
    return "bytes";
  } else if constexpr (std::is_same_v<U, Value>) {
    return "any";
  } else if constexpr (detail::is_instance<U, std::optional>::value) {
    return detail::concat("optional<", type_name<typename U::value_type>(), ">");
  } else if constexpr (detail::is_mapping_v<U>) {
    return detail::concat("map<", type_name<typename U::key_type>(), ",", type_name<typename U::mapped_type>(), ">");
  } else if constexpr (detail::is_std_array<U>::value) {
    return detail::concat("array<", type_name<typename U::value_type>(), ",", std::to_string(std::tuple_size_v<U>),
                          ">");
  } else if constexpr (detail::is_sequence_v<U>) {
    return detail::concat("list<", type_name<typename U::value_type>(), ">");
  } else if constexpr (detail::is_tuple_like_v<U>) {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      std::string s = "tuple<";
      ((s += I ? "," : "", s += type_name<std::tuple_element_t<I, U>>()), ...);
      s += '>';
      return s;
    }(std::make_index_sequence<std::tuple_size_v<U>>{});
  } else {
    // One spelling of anonymous namespaces, so a plugin built by clang and a
    // host built by g++ name a struct alike: g++ writes "{anonymous}::T",
    // clang "(anonymous namespace)::T".
    std::string name(detail::raw_type_name<U>());
    constexpr std::string_view clang_anon = "(anonymous namespace)";
    for (auto at = name.find(clang_anon); at != std::string::npos; at = name.find(clang_anon, at))
      name.replace(at, clang_anon.size(), "{anonymous}");
    return name;
  }
}

// "(T1,T2,...)": the parameter list of a task taking Args.
template <class... Args>
std::string params_signature() {
  std::string s = "(";
  std::size_t i = 0;
  ((s += i++ ? "," : "", s += type_name<Args>()), ...);
  s += ')';
  return s;
}

}  // namespace ferry
