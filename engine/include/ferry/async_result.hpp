// ferry::AsyncResult<T>: the result of Pool::apply_async, as Python's.
#pragma once

#include <chrono>
#include <memory>

#include <ferry/codec.hpp>
#include <ferry/detail/result_buffer.hpp>
#include <ferry/errors.hpp>

namespace ferry {
namespace detail {

// Raises the item's error, or decodes its bytes as R.
template <class R>
R take_result(const OutcomeView& o) {
  if (o.error) std::rethrow_exception(o.error);
  if constexpr (std::is_void_v<R>) {
    return;
  } else {
    R r{};
    codec::decode(o.bytes, r);
    return r;
  }
}
template <class R>
R take_result(const Outcome& o) {
  return take_result<R>(OutcomeView{o.bytes, o.error});
}

}  // namespace detail

// A result that will be ready later. Copies share the same result. All
// members are thread-safe.
template <class R>
class AsyncResult {
 public:
  // Made by Pool::apply_async.
  explicit AsyncResult(std::shared_ptr<detail::ResultBuffer> buffer) : buffer_(std::move(buffer)) {}

  // Waits for the result and returns it; re-raises the task's error
  // (ferry::TaskError, ferry::WorkerError, ferry::Timeout).
  R get() { return detail::take_result<R>(buffer_->wait(0)); }

  // As get(), but throws ferry::Timeout if the result is not ready in time;
  // the task keeps running and a later get() may still succeed.
  template <class Rep, class Period>
  R get(std::chrono::duration<Rep, Period> timeout) {
    if (!wait(timeout)) throw Timeout("result not ready within the timeout");
    return get();
  }

  // Blocks until the result is ready.
  void wait() { buffer_->wait(0); }
  // Blocks until the result is ready or the timeout passes; true if ready.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) {
    return buffer_->wait_until(0, std::chrono::steady_clock::now() +
                                      std::chrono::ceil<std::chrono::steady_clock::duration>(timeout));
  }
  // True once the task has finished, successfully or not.
  bool ready() const { return buffer_->ready(0); }
  // Whether the task finished without error; throws ferry::StateError if it
  // is not ready yet (Python raises ValueError).
  bool successful() const {
    if (!ready()) throw StateError("successful() called before the result is ready");
    return !buffer_->wait(0).error;
  }

 private:
  std::shared_ptr<detail::ResultBuffer> buffer_;
};

}  // namespace ferry
