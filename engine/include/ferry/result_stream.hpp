// ferry::ResultStream<T>: what Pool::imap and imap_unordered return, a
// single-pass range of results that arrive while you iterate.
#pragma once

#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>

#include <ferry/async_result.hpp>

namespace ferry {

// Iterating blocks until the next result is ready; a failed item re-raises
// its error at its position. Single pass; not thread-safe.
template <class R>
class ResultStream {
 public:
  // Made by Pool::imap (ordered) and imap_unordered.
  ResultStream(std::shared_ptr<detail::ResultBuffer> buffer, bool ordered)
      : buffer_(std::move(buffer)), ordered_(ordered) {}

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = R;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = R;

    iterator() = default;
    R operator*() const {
      const std::size_t slot = stream_->ordered_ ? index_ : detail::result_wait_completed(*stream_->buffer_, index_);
      return detail::take_result<R>(detail::result_wait(*stream_->buffer_, slot));
    }
    iterator& operator++() {
      ++index_;
      return *this;
    }
    void operator++(int) { ++index_; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.index_ == b.index_; }

   private:
    friend class ResultStream;
    iterator(const ResultStream* s, std::size_t i) : stream_(s), index_(i) {}
    const ResultStream* stream_ = nullptr;
    std::size_t index_ = 0;
  };

  // The first and past-the-last results; single pass.
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, detail::result_count(*buffer_)); }
  // How many results the stream yields (the number of items submitted).
  std::size_t size() const { return detail::result_count(*buffer_); }

  // Random access, for callers that wait in slices (the Python binding):
  // the k-th result in iteration order (k < size()). Thread-safe.
  // Waits until it is ready or deadline passes; true when ready.
  bool wait_until(std::size_t k, std::chrono::steady_clock::time_point deadline) const {
    if (ordered_) return detail::result_wait_until(*buffer_, k, deadline);
    std::size_t slot = 0;
    return detail::result_wait_completed_until(*buffer_, k, deadline, slot);
  }
  // Blocks until it is ready; returns it or re-raises its error.
  R get(std::size_t k) const { return *iterator(this, k); }

 private:
  std::shared_ptr<detail::ResultBuffer> buffer_;
  bool ordered_;
};

}  // namespace ferry
