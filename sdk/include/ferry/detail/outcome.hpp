// Internal: one item's result (bytes or the error to raise) and one call's
// results together. Shared by the process, pool and pipeline layers and by
// the host API's templates, so it lives below all of them. Not a stable API.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/detail/item_list.hpp>

namespace ferry::detail {

// One item's result, owned: its encoded bytes, or the exception to raise.
struct Outcome {
  std::string bytes;
  std::exception_ptr error;
};

// One item's result as a waiter reads it, from memory the buffer owns.
struct OutcomeView {
  std::string_view bytes;
  std::exception_ptr error;
};

// The outcomes of one call, kept as the reply brought them: every item's
// bytes back to back, so a chunk of 10,000 results is two allocations, not
// 10,000 strings.
struct ChunkOutcomes {
  ItemList results;                        // item i's result bytes (for a failed item: unused)
  std::vector<std::exception_ptr> errors;  // empty when every item succeeded; else one per item, null if it did

  std::size_t size() const { return results.size(); }
  OutcomeView operator[](std::size_t i) const { return {results[i], errors.empty() ? nullptr : errors[i]}; }

  // n items that all failed with error.
  static ChunkOutcomes failed(std::size_t n, const std::exception_ptr& error) {
    ChunkOutcomes c;
    c.results.reserve(n, 0);
    for (std::size_t i = 0; i < n; ++i) c.results.seal();
    c.errors.assign(n, error);
    return c;
  }
};

}  // namespace ferry::detail
