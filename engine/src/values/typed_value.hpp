// Typed cereal bytes <-> ferry::Value in the host, driven by a signature type
// instead of a compiled C++ type. The engine needs this where only the
// signature string is known: printing a task's result, converting one task's
// output for the next task's parameter, encoding YAML literals as typed
// arguments. The bytes are exactly those ferry::codec::encode writes for the
// corresponding C++ value.
#pragma once

#include <string>
#include <string_view>

#include <ferry/value.hpp>

#include "values/type_expr.hpp"

namespace ferry::types {

// False when a user struct or a shared-object handle appears anywhere in t:
// only its plugin knows how a struct is laid out, and a handle must be bound
// to a manager, so neither can be decoded or encoded in the host.
bool host_codable(const TypeExpr& t);

// The Value held by bytes, which encode a value of type t. Integer map keys
// become decimal strings (as ferry::to_value makes them). Throws
// ferry::ValueError on a struct or handle type, truncated input, leftover
// bytes, a count larger than the bytes left, or nesting deeper than
// ferry::kMaxValueDepth; nothing is allocated for a count before it is checked.
ferry::Value decode_typed(const TypeExpr& t, std::string_view bytes);

// The bytes of v as a value of type t, converted the way ferry::from_value
// would (an int into f64, a string into bytes, a map's keys sorted as
// std::map sorts them). Throws ferry::ValueError naming the first mismatch
// (wrong kind, integer out of range, wrong length) or an uncodable type.
std::string encode_typed(const TypeExpr& t, const ferry::Value& v);

}  // namespace ferry::types
