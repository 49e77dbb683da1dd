// Internal: the encoded items of one call, back to back in one buffer, with
// the end offset of each. Used by Pool's templates to encode items straight
// into the frame they travel in, by the wire messages that carry them and by
// the worker. Here, below them all, so no layer owns it. Not a stable API.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/errors.hpp>

namespace ferry::detail {

// A chunk of 10,000 encoded items costs two allocations, not 10,000, and is
// sent, received and read without copying an item on its own.
class ItemList {
 public:
  std::size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }

  // Item i's bytes; valid until the list is changed.
  std::string_view operator[](std::size_t i) const {
    const std::uint32_t begin = i ? ends_[i - 1] : 0;
    return {data_.data() + base_ + begin, ends_[i] - begin};
  }

  // Appends one item.
  void push_back(std::string_view item) {
    data_.append(item);
    seal();
  }
  // Encoders append an item's bytes to buffer() and then call seal().
  std::string& buffer() { return data_; }
  // Ends the item whose bytes were appended to buffer() since the last one.
  // Inlined into every per-item loop (the throw is not): GCC otherwise
  // calls it out of line from a large function such as the worker's loop.
  [[gnu::always_inline]] void seal() {
    const std::size_t end = data_.size() - base_;
    if (end > std::numeric_limits<std::uint32_t>::max()) [[unlikely]] too_big();
    ends_.push_back(static_cast<std::uint32_t>(end));
  }

  // Ends an item at byte `end` of the items' bytes, for a writer that
  // appended several items to buffer() at once.
  void seal_at(std::size_t end) {
    if (end > std::numeric_limits<std::uint32_t>::max()) [[unlikely]] too_big();
    ends_.push_back(static_cast<std::uint32_t>(end));
  }

  // Room for `bytes` more bytes at the end of the items, to be written and
  // then ended with seal_at: one resize for a whole call instead of an
  // append per item.
  char* grow(std::size_t bytes) {
    const std::size_t at = data_.size();
    data_.resize(at + bytes);
    return data_.data() + at;
  }

  // Appends bytes.size() / each items of each bytes (bytes.size() is a
  // multiple of each): a block of fixed-size encodings in one copy.
  void append_fixed(std::string_view bytes, std::size_t each) {
    const std::size_t start = data_.size() - base_;
    if (start + bytes.size() > std::numeric_limits<std::uint32_t>::max()) too_big();
    const std::size_t old = ends_.size(), n = bytes.size() / each;
    data_.append(bytes);
    ends_.resize(old + n);
    for (std::size_t i = 0; i < n; ++i) ends_[old + i] = static_cast<std::uint32_t>(start + (i + 1) * each);
  }
  // True when every item is exactly each bytes long.
  bool all_of_size(std::size_t each) const {
    if (bytes().size() != ends_.size() * each) return false;
    for (std::size_t i = 0; i < ends_.size(); ++i)
      if (ends_[i] != (i + 1) * each) return false;
    return true;
  }

  void clear() {
    data_.clear();
    ends_.clear();
    base_ = 0;
  }
  void reserve(std::size_t items, std::size_t bytes) {
    ends_.reserve(items);
    data_.reserve(base_ + bytes);
  }

  // Every item's bytes, back to back, and where each ends within them.
  std::string_view bytes() const { return {data_.data() + base_, data_.size() - base_}; }
  const std::vector<std::uint32_t>& ends() const { return ends_; }

  // Takes over data, whose bytes from base on are the items ending at ends
  // (a received frame: no copy). The caller has checked ends against it.
  void adopt(std::string data, std::size_t base, std::vector<std::uint32_t> ends) {
    data_ = std::move(data);
    base_ = base;
    ends_ = std::move(ends);
  }

  // Empties the list and hands back its buffer, so a receiver can read the
  // next frame into memory it already has.
  std::string take_buffer() {
    std::string out = std::move(data_);
    clear();
    return out;
  }

  friend bool operator==(const ItemList& a, const ItemList& b) { return a.bytes() == b.bytes() && a.ends_ == b.ends_; }

 private:
  [[noreturn, gnu::noinline]] static void too_big() { throw Error("a call's items exceed 4 GiB"); }

  std::string data_;
  std::size_t base_ = 0;  // bytes before the items (a frame's header)
  std::vector<std::uint32_t> ends_;
};

}  // namespace ferry::detail
