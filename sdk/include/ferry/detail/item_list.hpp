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
// sent, received and read without copying an item on its own. Items all of
// one size (a chunk of int64) are held as that size and a count, with no
// list of ends at all: for 12,500 of them that is 50 KB less to allocate,
// write and fault in on each side of every call.
class ItemList {
 public:
  std::size_t size() const { return each_ ? count_ : ends_.size(); }
  bool empty() const { return size() == 0; }

  // Item i's bytes; valid until the list is changed.
  std::string_view operator[](std::size_t i) const {
    if (each_) return {data_.data() + base_ + i * each_, each_};
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
    if (each_) [[unlikely]] list_ends();
    const std::size_t end = data_.size() - base_;
    if (end > std::numeric_limits<std::uint32_t>::max()) [[unlikely]] too_big();
    ends_.push_back(static_cast<std::uint32_t>(end));
  }

  // Ends an item at byte `end` of the items' bytes, for a writer that
  // appended several items to buffer() at once.
  void seal_at(std::size_t end) {
    if (each_) [[unlikely]] list_ends();
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
  // multiple of each, each > 0): a block of fixed-size encodings in one copy.
  void append_fixed(std::string_view bytes, std::size_t each) {
    const std::size_t start = data_.size() - base_;
    if (start + bytes.size() > std::numeric_limits<std::uint32_t>::max()) too_big();
    const std::size_t n = bytes.size() / each;
    if (n == 0) return;
    data_.append(bytes);
    if ((start == 0 && ends_.empty()) || each_ == each) {
      each_ = static_cast<std::uint32_t>(each);
      count_ += n;
      return;
    }
    if (each_) list_ends();
    const std::size_t old = ends_.size();
    ends_.resize(old + n);
    for (std::size_t i = 0; i < n; ++i) ends_[old + i] = static_cast<std::uint32_t>(start + (i + 1) * each);
  }
  // Appends every item of other, in order.
  void append(const ItemList& other) {
    if (other.each_) return append_fixed(other.bytes(), other.each_);
    const std::size_t start = data_.size() - base_;
    if (start + other.bytes().size() > std::numeric_limits<std::uint32_t>::max()) too_big();
    if (other.ends_.empty()) return;
    data_.append(other.bytes());
    if (each_) list_ends();
    for (const std::uint32_t end : other.ends_) ends_.push_back(static_cast<std::uint32_t>(start + end));
  }
  // Bytes that can be appended without moving the items already held (a
  // reader's views into them stay valid).
  std::size_t spare() const { return data_.capacity() - data_.size(); }
  // Makes room for at least `bytes` more bytes of items; moves them.
  void reserve_bytes(std::size_t bytes) { data_.reserve(data_.size() + bytes); }

  // True when every item is exactly each bytes long.
  bool all_of_size(std::size_t each) const {
    if (bytes().size() != size() * each) return false;
    if (each_) return each_ == each || count_ == 0;
    for (std::size_t i = 0; i < ends_.size(); ++i)
      if (ends_[i] != (i + 1) * each) return false;
    return true;
  }
  // The size of every item when the list holds them as one size and a
  // count (see above), else 0.
  std::uint32_t uniform_size() const { return each_; }

  void clear() {
    data_.clear();
    ends_.clear();
    base_ = 0;
    each_ = 0;
    count_ = 0;
  }
  void reserve(std::size_t items, std::size_t bytes) {
    ends_.reserve(items);
    data_.reserve(base_ + bytes);
  }

  // Every item's bytes, back to back.
  std::string_view bytes() const { return {data_.data() + base_, data_.size() - base_}; }
  // Where each item ends within bytes(), for a list of ends (empty for a
  // list of one size).
  const std::vector<std::uint32_t>& listed_ends() const { return ends_; }
  // Where each item ends within bytes(): the list's own, or, for a list of
  // one size, written into scratch.
  const std::vector<std::uint32_t>& ends(std::vector<std::uint32_t>& scratch) const {
    if (!each_) return ends_;
    scratch.resize(count_);
    for (std::size_t i = 0; i < count_; ++i) scratch[i] = static_cast<std::uint32_t>((i + 1) * each_);
    return scratch;
  }

  // Takes over data, whose bytes from base on are the items ending at ends
  // (a received frame: no copy). The caller has checked ends against it.
  void adopt(std::string data, std::size_t base, std::vector<std::uint32_t> ends) {
    clear();
    data_ = std::move(data);
    base_ = base;
    ends_ = std::move(ends);
  }
  // As adopt, for n items of each bytes (each > 0), checked by the caller.
  void adopt_uniform(std::string data, std::size_t base, std::uint32_t each, std::size_t n) {
    clear();
    data_ = std::move(data);
    base_ = base;
    each_ = n ? each : 0;
    count_ = n;
  }

  // Empties the list and hands back its buffer, so a receiver can read the
  // next frame into memory it already has.
  std::string take_buffer() {
    std::string out = std::move(data_);
    clear();
    return out;
  }

  friend bool operator==(const ItemList& a, const ItemList& b) {
    if (a.bytes() != b.bytes() || a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].size() != b[i].size()) return false;
    return true;
  }

 private:
  [[noreturn, gnu::noinline]] static void too_big() { throw Error("a call's items exceed 4 GiB"); }
  // Turns a list of one size into a list of ends, before an item of
  // another size joins it.
  [[gnu::noinline]] void list_ends() {
    ends_.resize(count_);
    for (std::size_t i = 0; i < count_; ++i) ends_[i] = static_cast<std::uint32_t>((i + 1) * each_);
    each_ = 0;
    count_ = 0;
  }

  std::string data_;
  std::size_t base_ = 0;  // bytes before the items (a frame's header)
  std::vector<std::uint32_t> ends_;  // when each_ == 0
  std::uint32_t each_ = 0;           // else: count_ items of each_ bytes
  std::size_t count_ = 0;
};

}  // namespace ferry::detail
