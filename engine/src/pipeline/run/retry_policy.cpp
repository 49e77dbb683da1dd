#include "pipeline/run/retry_policy.hpp"

#include <ferry/errors.hpp>

namespace ferry::pipeline {

bool is_worker_loss(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const WorkerError&) {
    return true;
  } catch (const Timeout&) {
    return true;
  } catch (...) {
    return false;
  }
}

bool is_retriable(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const TaskError& t) {
    return t.type() != "ferry::ArgumentError";
  } catch (const StateError&) {
    return false;
  } catch (...) {
    return true;
  }
}

}  // namespace ferry::pipeline
