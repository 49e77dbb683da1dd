// Byte-level moves the host makes on items at stage edges. Items that cross
// an edge as ferry::Value archives are re-framed here without being decoded
// where the archive format allows it (a list is a kind byte, a count and its
// elements back to back), so the host mostly moves bytes.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/value.hpp>

#include "pipeline/run/item_queue.hpp"

namespace ferry::pipeline {

// The Value archive header of a list of n elements; the elements' own
// archives follow it back to back.
std::string value_list_header(std::uint64_t n);

// The elements of a Value archive holding a list, each as its own archive.
// Throws ferry::ValueError when the archive is not a list.
std::vector<std::string> split_value_list(std::string_view list_bytes);

// apply's one call: the error records among items (passed on first), then
// one item holding the rest as a list, the call's only argument.
std::vector<Item> gather_for_apply(std::vector<Item>& items);

// Why an item failed, for error records, logs and messages.
struct Failure {
  std::string type;     // "TaskError: std::runtime_error", "WorkerError", "Timeout", ...
  std::string message;
};
Failure describe_failure(const std::exception_ptr& error);

// The error record an item becomes under on_error: collect:
// {"error": {"stage", "task", "item", "type", "message"[, "input"]}} as a
// Value archive; item is the failed item's position in the stage's input.
std::string error_record(const std::string& stage, const std::string& task, std::uint64_t item,
                         const Failure& failure, const Value* input);

}  // namespace ferry::pipeline
