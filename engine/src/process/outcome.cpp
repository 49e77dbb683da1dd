#include "process/outcome.hpp"

#include <ferry/abi.h>
#include <ferry/errors.hpp>
#include <ferry/wire_format.hpp>

#include "wire/frame.hpp"
#include "wire/messages.hpp"

namespace ferry::process {

detail::Outcome outcome_from(std::int32_t status, std::string_view bytes, const std::string& task) {
  detail::Outcome o;
  if (status == FERRY_OK) {
    o.bytes.assign(bytes);
  } else if (status == FERRY_TASK_ERROR) {
    const auto text = wire_format::parse_task_error(bytes);  // as the SDK reports it
    o.error = std::make_exception_ptr(TaskError(task, !text.typed ? "unknown exception" : std::string(text.type),
                                                std::string(text.message)));
  } else if (status == wire::kStatusReplyTooLarge) {
    // Not the item's fault: the worker stays, and each item alone fits.
    o.error = std::make_exception_ptr(WorkerError(
        task, "the results of one call add up to more than the " + std::to_string(wire::kDefaultMaxFrame) +
                  " bytes a reply can carry; use a smaller chunksize"));
  } else if (status == wire::kStatusNotRun) {  // the pool runs it again; only a stray reply gets here
    o.error = std::make_exception_ptr(WorkerError(task, "the item did not run: its worker retired"));
  } else {
    o.error = std::make_exception_ptr(TaskError(task, "ferry::ArgumentError", std::string(bytes)));
  }
  return o;
}

}  // namespace ferry::process
