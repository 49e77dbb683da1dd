// YAML node -> ferry::Value, for code inside the engine that already holds a
// parsed yaml-cpp document (the pipeline loader). Private: yaml-cpp types
// must not appear in ferry's public headers, so users need not have it.
#pragma once

#include <cstddef>

#include <yaml-cpp/node/node.h>

#include <ferry/value.hpp>

namespace ferry {

// node as a Value, resolving plain scalars by YAML 1.2's core schema exactly
// as ferry::value_from_yaml does. Throws ferry::ConfigError "line L, column
// C: ..." (positions are 1-based; absent for nodes not made by the parser).
Value value_from_yaml_node(const YAML::Node& node);
// The same, counting the values made into count, which carries over from call
// to call: a document converted piece by piece (the pipeline loader converts
// each list item apart) stays under one limit of values, so that aliases
// cannot multiply past it one piece at a time.
Value value_from_yaml_node(const YAML::Node& node, std::size_t& count);

}  // namespace ferry
