// ferry::Value as text: JSON out (the CLI's results), JSON and YAML in (CLI
// arguments, pipeline literals).
//
// JSON conventions, chosen so the output is what Python's json module would
// print for the same data:
//   - maps keep their insertion order;
//   - floats always carry a fraction or exponent (2.0, not 2), so a reader
//     can tell them from ints; NaN and +-infinity, which JSON cannot express,
//     become null;
//   - bytes become a base64 string (RFC 4648, padded): compact, and decoded by
//     any JSON consumer with one call;
//   - strings that are not valid UTF-8 have each bad byte replaced by U+FFFD,
//     rather than failing the whole result.
#pragma once

#include <string>
#include <string_view>

#include <ferry/export.hpp>
#include <ferry/value.hpp>

namespace ferry {

// v as JSON. indent < 0 gives one compact line; indent >= 0 pretty-prints
// with that many spaces per level.
FERRY_API std::string to_json(const Value& v, int indent = -1);

// Appends v as compact JSON (to_json(v)) to out: for writers of many values,
// which keep one buffer.
FERRY_API void append_json(std::string& out, const Value& v);

// Parses one JSON document. Integers become ints, other numbers floats.
// Throws ferry::ConfigError "line L, column C: ..." on malformed JSON, and
// ferry::ConfigError for integers outside int64 or nesting deeper than
// ferry::kMaxValueDepth.
FERRY_API Value value_from_json(std::string_view text);

// Parses one YAML document (scalar, sequence or map) the way YAML 1.2's core
// schema reads it: plain null / ~ / empty -> null, true / false -> bool,
// 12, -3, 0x1F, 0o17 -> int, 1.5, 1e3, .inf, .nan -> float, anything else ->
// string. Quoted and block scalars are always strings; tags !!str, !!int,
// !!float, !!bool and !!null force or check a type. Map keys become strings.
// Throws ferry::ConfigError "line L, column C: ..." on malformed YAML,
// duplicate keys, non-scalar keys, integers outside int64 or nesting deeper
// than ferry::kMaxValueDepth.
FERRY_API Value value_from_yaml(std::string_view text);

}  // namespace ferry
