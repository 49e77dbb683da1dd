// Reads raw little-endian integers and length-prefixed strings from bytes a
// possibly hostile peer sent: every length is checked against the bytes left
// before anything is allocated. Shared by the manager protocol's codec and
// the host's worker-protocol messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/errors.hpp>
#include <ferry/value.hpp>  // ValueError
#include <ferry/wire_format.hpp>

namespace ferry::detail {

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  // A trivially copyable value, as its raw bytes.
  template <class T>
  T raw() {
    return wire_format::read_scalar<T>(bytes(sizeof(T)).data());
  }
  // The next n bytes, in place.
  std::string_view bytes(std::size_t n) {
    if (left() < n)
      throw ValueError("needs " + std::to_string(n) + " more bytes, but " + std::to_string(left()) + " are left");
    pos_ += n;
    return in_.substr(pos_ - n, n);
  }
  // A u64 length or count, checked against the bytes left, each element
  // taking at least each bytes.
  std::size_t count(std::size_t each) {
    const auto n = raw<wire_format::Length>();
    if (n > left() / each)
      throw ValueError("a length of " + std::to_string(n) + " is more than the " + std::to_string(left()) +
                       " bytes left hold");
    return static_cast<std::size_t>(n);
  }
  // A length-prefixed string, in place.
  std::string_view view() { return bytes(count(1)); }
  void string(std::string& s) { s.assign(view()); }
  void strings(std::vector<std::string>& v) {
    v.resize(count(wire_format::kLengthSize));  // each string takes at least its length
    for (auto& s : v) string(s);
  }

  std::size_t position() const { return pos_; }
  std::size_t left() const { return in_.size() - pos_; }
  // Throws unless every byte was read.
  void finish() const {
    if (left() != 0) throw ValueError(std::to_string(left()) + " bytes left over after decoding");
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace ferry::detail
