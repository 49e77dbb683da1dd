// Turns a worker's reply for one item into what the host API hands back:
// the result bytes, or the ferry error to raise.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/detail/outcome.hpp>


namespace ferry::process {

// Item i of a worker's reply as an outcome.
detail::Outcome outcome_from(std::int32_t status, std::string_view bytes, const std::string& task);

}  // namespace ferry::process
