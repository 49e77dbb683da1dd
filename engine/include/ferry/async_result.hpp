// ferry::AsyncResult<T>: the result of Pool::apply_async, as Python's.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <ferry/codec.hpp>
#include <ferry/detail/outcome.hpp>
#include <ferry/errors.hpp>
#include <ferry/export.hpp>

namespace ferry {
namespace detail {

// Where a pool delivers a call's results (private to libferry). The
// templates of the host API reach it only through these functions.
class ResultBuffer;
// A buffer of size empty slots.
FERRY_API std::shared_ptr<ResultBuffer> make_result_buffer(std::size_t size);
FERRY_API std::size_t result_count(const ResultBuffer& buffer);
// Blocks until slot i is filled; the view lives as long as the buffer.
FERRY_API OutcomeView result_wait(ResultBuffer& buffer, std::size_t i);
// As result_wait, with a deadline; false when it passed first.
FERRY_API bool result_wait_until(ResultBuffer& buffer, std::size_t i, std::chrono::steady_clock::time_point deadline);
FERRY_API bool result_ready(const ResultBuffer& buffer, std::size_t i);
// The slot filled (k+1)-th, once it is (completion order).
FERRY_API std::size_t result_wait_completed(ResultBuffer& buffer, std::size_t k);
// As result_wait_completed, with a deadline; false when it passed first,
// else slot holds the slot filled (k+1)-th.
FERRY_API bool result_wait_completed_until(ResultBuffer& buffer, std::size_t k,
                                           std::chrono::steady_clock::time_point deadline, std::size_t& slot);
// Blocks until every slot is filled.
FERRY_API void result_wait_all(ResultBuffer& buffer);
// The chunk that begins at slot first, once filled (map's streaming decode).
FERRY_API const ChunkOutcomes& result_wait_chunk(ResultBuffer& buffer, std::size_t first);

// Raises the item's error, or decodes its bytes as R.
template <class R>
R take_result(const OutcomeView& o) {
  if (o.error) std::rethrow_exception(o.error);
  if constexpr (std::is_void_v<R>) {
    return;
  } else if constexpr (std::is_same_v<R, Value>) {
    return codec::decode_value(o.bytes);  // the Value archive's own reader: no cereal archive an item
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
  R get() { return detail::take_result<R>(detail::result_wait(*buffer_, 0)); }

  // As get(), but throws ferry::Timeout if the result is not ready in time;
  // the task keeps running and a later get() may still succeed.
  template <class Rep, class Period>
  R get(std::chrono::duration<Rep, Period> timeout) {
    if (!wait(timeout)) throw Timeout("result not ready within the timeout");
    return get();
  }

  // Blocks until the result is ready.
  void wait() { detail::result_wait(*buffer_, 0); }
  // Blocks until the result is ready or the timeout passes; true if ready.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) {
    return detail::result_wait_until(
        *buffer_, 0, std::chrono::steady_clock::now() + std::chrono::ceil<std::chrono::steady_clock::duration>(timeout));
  }
  // True once the task has finished, successfully or not.
  bool ready() const { return detail::result_ready(*buffer_, 0); }
  // Whether the task finished without error; throws ferry::StateError if it
  // is not ready yet (Python raises ValueError).
  bool successful() const {
    if (!ready()) throw StateError("successful() called before the result is ready");
    return !detail::result_wait(*buffer_, 0).error;
  }

 private:
  std::shared_ptr<detail::ResultBuffer> buffer_;
};

}  // namespace ferry
