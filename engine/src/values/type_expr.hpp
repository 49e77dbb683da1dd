// Signature strings (<ferry/signature.hpp>) as a tree the engine can reason
// about: a pipeline checks, before running anything, that each task's output
// can feed the next task's input and that inline YAML literals fit the
// parameters they are given to.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/task_info.hpp>
#include <ferry/value.hpp>

namespace ferry::types {

// One parsed signature type. Only the fields that matter for a kind are set.
struct TypeExpr {
  enum class Kind {
    none, boolean, integer, floating, str, bytes, any,
    optional,  // args[0]
    list,      // args[0]
    array,     // args[0], array_size
    map,       // args[0] key, args[1] value
    tuple,     // args (possibly empty)
    handle,    // shared-object handle: name is dict/shared_list/queue/connection/lock/event/semaphore/barrier
    named,     // opaque user struct: name is the full text, e.g. "ns::Box<int>"
  };
  Kind kind = Kind::none;
  int bits = 0;                 // integer: 8/16/32/64; floating: 32/64
  bool is_signed = true;        // integer only
  std::size_t array_size = 0;   // array only
  std::string name;             // handle and named only
  std::vector<TypeExpr> args;

  friend bool operator==(const TypeExpr&, const TypeExpr&) = default;
};

// Parses one signature type; nullopt when the text is malformed.
std::optional<TypeExpr> parse_type(std::string_view text);
// parse_type's result, or for text it does not know an opaque named type
// that only matches itself (a struct name in a signature).
TypeExpr type_or_named(std::string_view text);

// Parses a parameter list "(T1,T2,...)" or "()"; nullopt when malformed.
std::optional<std::vector<TypeExpr>> parse_params(std::string_view text);

// The canonical signature string of t, as <ferry/signature.hpp> writes it.
std::string to_string(const TypeExpr& t);

// How a value of one type can reach a place expecting another.
enum class Fit {
  exact,        // same type: the bytes pass through unchanged
  convertible,  // through ferry::Value (may still fail at run time: ranges, lengths, null)
  no,           // can never succeed
};

// Whether a value produced as `from` can be passed where `to` is expected;
// on Fit::no, *why (if given) names the first mismatch.
Fit fits(const TypeExpr& from, const TypeExpr& to, std::string* why = nullptr);

// Whether literal v converts to t (as ferry::from_value would); on Fit::no,
// *why (if given) names the first mismatch, e.g. "element 2: expected i64, got string".
// A struct among structs (a task's TaskInfo::structs) is checked field by
// field: a missing or unknown field or a field of the wrong type is a
// mismatch; a struct not described there only has to be a map.
Fit value_fits(const ferry::Value& v, const TypeExpr& t, std::string* why = nullptr,
               const std::vector<StructSchema>* structs = nullptr);

}  // namespace ferry::types
