// Which failures of a task stage's item another attempt may fix, and which
// were the worker's fault rather than the item's (retries, on_error).
#pragma once

#include <exception>

namespace ferry::pipeline {

// The worker was lost (crash, kill, timeout): every item of its call failed
// with it, not because of what the item holds.
bool is_worker_loss(const std::exception_ptr& e);

// Another attempt may succeed: not an argument that cannot decode (it never
// will) and not a pool that is shutting down.
bool is_retriable(const std::exception_ptr& e);

}  // namespace ferry::pipeline
