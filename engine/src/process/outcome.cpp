#include "process/outcome.hpp"

#include <ferry/abi.h>
#include <ferry/errors.hpp>

namespace ferry::process {

detail::Outcome outcome_from(wire::ItemReply&& item, const std::string& task) {
  detail::Outcome o;
  if (item.status == FERRY_OK) {
    o.bytes = std::move(item.bytes);
  } else if (item.status == FERRY_TASK_ERROR) {
    // "<exception type>\0<message>", as the SDK reports it
    const auto nul = item.bytes.find('\0');
    o.error = std::make_exception_ptr(nul == std::string::npos
                                          ? TaskError(task, "unknown exception", item.bytes)
                                          : TaskError(task, item.bytes.substr(0, nul), item.bytes.substr(nul + 1)));
  } else {
    o.error = std::make_exception_ptr(TaskError(task, "ferry::ArgumentError", item.bytes));
  }
  return o;
}

}  // namespace ferry::process
