#include "process/outcome.hpp"

#include <ferry/abi.h>
#include <ferry/errors.hpp>

namespace ferry::process {

detail::Outcome outcome_from(std::int32_t status, std::string_view bytes, const std::string& task) {
  detail::Outcome o;
  if (status == FERRY_OK) {
    o.bytes.assign(bytes);
  } else if (status == FERRY_TASK_ERROR) {
    // "<exception type>\0<message>", as the SDK reports it
    const auto nul = bytes.find('\0');
    o.error = std::make_exception_ptr(nul == std::string::npos
                                          ? TaskError(task, "unknown exception", std::string(bytes))
                                          : TaskError(task, std::string(bytes.substr(0, nul)),
                                                      std::string(bytes.substr(nul + 1))));
  } else {
    o.error = std::make_exception_ptr(TaskError(task, "ferry::ArgumentError", std::string(bytes)));
  }
  return o;
}

}  // namespace ferry::process
