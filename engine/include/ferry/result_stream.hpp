// ferry::ResultStream<T>: what Pool::imap and imap_unordered return, a
// single-pass range of results that arrive while you iterate.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <type_traits>
#include <vector>

#include <ferry/async_result.hpp>
#include <ferry/codec.hpp>
#include <ferry/detail/huge_pages.hpp>
#include <ferry/wire_format.hpp>

namespace ferry {

namespace detail {

// Types whose cereal encoding is their raw bytes, sizeof(T) of them (bool
// is left out: not every byte is a bool, and vector<bool> has no data()).
template <class T>
constexpr bool kRawItem = wire_format::kRawScalar<T> && !std::is_same_v<T, bool>;

// For every chunk of buffer in slot order, each as soon as it is filled:
// whole(chunk) when it takes the chunk at once, else item(chunk, i) for
// each item that did not fail. The first error (a failed item's, or a
// decoder's) is raised once every item has finished.
template <class Whole, class Item>
void each_result(const std::shared_ptr<ResultBuffer>& buffer, Whole&& whole, Item&& item) {
  try {
    for (std::size_t first = 0, n = result_count(*buffer); first < n;) {
      const ChunkOutcomes& chunk = result_wait_chunk(*buffer, first);
      first += chunk.size();
      if (whole(chunk)) continue;
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (!chunk.errors.empty() && chunk.errors[i]) std::rethrow_exception(chunk.errors[i]);
        item(chunk, i);
      }
    }
  } catch (...) {
    result_wait_all(*buffer);  // as Python: the error comes when the whole map is done
    throw;
  }
}

// Every result of buffer in slot order (Pool::map's): waits for each chunk
// and decodes it as it comes; raises the first failed item's error once
// every item has finished.
template <class R>
auto collect_results(const std::shared_ptr<ResultBuffer>& buffer) {
  if constexpr (std::is_void_v<R>) {
    each_result(buffer, [](const ChunkOutcomes&) { return false; }, [](const ChunkOutcomes&, std::size_t) {});
  } else {
    std::vector<R> out;
    out.reserve(result_count(*buffer));
    // While the workers run the first chunk, the results' memory is mapped
    // in with one system call instead of a page fault per page as they come.
    if constexpr (kRawItem<R>)
      if (out.capacity() * sizeof(R) >= kPopulateFrom) populate_for_write(out.data(), out.capacity() * sizeof(R));
    // A chunk of arithmetic results that all succeeded, each of the right
    // size, is one copy (what codec::decode would do item by item).
    const auto whole = [&](const ChunkOutcomes& chunk) {
      if constexpr (kRawItem<R>) {
        if (!chunk.errors.empty() || !chunk.results.all_of_size(sizeof(R))) return false;
        const std::size_t old = out.size();
        out.resize(old + chunk.size());
        std::memcpy(out.data() + old, chunk.results.bytes().data(), chunk.size() * sizeof(R));
        return true;
      } else {
        (void)chunk;
        return false;
      }
    };
    each_result(buffer, whole, [&](const ChunkOutcomes& chunk, std::size_t i) {
      R r{};
      codec::decode(chunk.results[i], r);
      out.push_back(std::move(r));
    });
    return out;
  }
}

}  // namespace detail


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

  // Waits until every result is ready or deadline passes; true when all are.
  bool wait_all_until(std::chrono::steady_clock::time_point deadline) const {
    const std::size_t n = size();
    std::size_t slot = 0;
    return n == 0 || detail::result_wait_completed_until(*buffer_, n - 1, deadline, slot);
  }
  // Every result in iteration order, as a vector (waiting for those not yet
  // ready); re-raises the first failed item's error once every item has
  // finished. Thread-safe; does not move the iteration on. In input order
  // this decodes a chunk at a time, as Pool::map does.
  auto all() const
    requires(!std::is_void_v<R>)
  {
    if (ordered_) return detail::collect_results<R>(buffer_);
    std::vector<R> out;
    out.reserve(size());
    std::exception_ptr first;
    for (std::size_t k = 0; k < size(); ++k) {
      try {
        out.push_back(get(k));
      } catch (...) {
        if (!first) first = std::current_exception();
      }
    }
    if (first) std::rethrow_exception(first);
    return out;
  }

 private:
  std::shared_ptr<detail::ResultBuffer> buffer_;
  bool ordered_;
};

}  // namespace ferry
