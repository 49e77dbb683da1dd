// Turns a worker's reply for one item into what the host API hands back:
// the result bytes, or the ferry error to raise.
#pragma once

#include <string>

#include <ferry/detail/result_buffer.hpp>

#include "wire/messages.hpp"

namespace ferry::process {

// Consumes item.bytes.
detail::Outcome outcome_from(wire::ItemReply&& item, const std::string& task);

}  // namespace ferry::process
