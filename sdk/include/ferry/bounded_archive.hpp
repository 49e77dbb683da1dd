// A cereal binary input archive that refuses a length or count larger than
// the bytes left, before anything is allocated. cereal's own loaders resize a
// string, vector or map to the size the input claims and only then read, so
// a few hostile bytes from another process could make the reader allocate
// and zero gigabytes. Byte for byte the same format as
// cereal::BinaryInputArchive; ferry::codec::decode reads with it.
#pragma once

#include <cstdint>
#include <memory>
#include <streambuf>
#include <string>
#include <type_traits>
#include <vector>

#include <cereal/archives/binary.hpp>
#include <cereal/cereal.hpp>

#include <ferry/value.hpp>

namespace ferry::codec {

// Reads from a caller-owned span without copying it (std::istringstream would).
class SpanBuf : public std::streambuf {
 public:
  SpanBuf(const void* data, std::size_t size) {
    auto* p = const_cast<char*>(static_cast<const char*>(data));
    setg(p, p, p + size);
  }
  std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }
  // The next n bytes, in place, and past them; nullptr (nothing taken) when
  // fewer are left.
  const char* take(std::size_t n) {
    if (n > remaining()) return nullptr;
    char* p = gptr();
    setg(eback(), p + n, egptr());
    return p;
  }
};

class BoundedInputArchive : public cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  // Reads from buf, which outlives the archive.
  explicit BoundedInputArchive(SpanBuf& buf)
      : cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision>(this), buf_(buf) {}

  // The next n bytes, in place; throws as loadBinary does when fewer are left.
  const char* take(std::size_t n) {
    const char* p = buf_.take(n);
    if (!p)
      throw cereal::Exception("Failed to read " + std::to_string(n) + " bytes from input stream! Read " +
                              std::to_string(buf_.remaining()));
    return p;
  }

  void loadBinary(void* const data, std::streamsize size) {
    const auto read = buf_.sgetn(static_cast<char*>(data), size);
    if (read != size)
      throw cereal::Exception("Failed to read " + std::to_string(size) + " bytes from input stream! Read " +
                              std::to_string(read));
  }

  // A claimed element count: every element takes at least one byte.
  void check_count(std::uint64_t n) {
    const auto left = static_cast<std::uint64_t>(buf_.remaining());
    if (n > left)
      throw ValueError("a length of " + std::to_string(n) + " is more than the " + std::to_string(left) +
                       " bytes left hold");
  }

 private:
  SpanBuf& buf_;
};

}  // namespace ferry::codec

namespace cereal {

template <class T>
inline typename std::enable_if<std::is_arithmetic<T>::value, void>::type CEREAL_LOAD_FUNCTION_NAME(
    ferry::codec::BoundedInputArchive& ar, T& t) {
  ar.loadBinary(std::addressof(t), sizeof(t));
}

template <class Archive, class T>
inline CEREAL_ARCHIVE_RESTRICT(ferry::codec::BoundedInputArchive, ferry::codec::BoundedInputArchive)
    CEREAL_SERIALIZE_FUNCTION_NAME(Archive& ar, NameValuePair<T>& t) {
  ar(t.value);
}

template <class Archive, class T>
inline CEREAL_ARCHIVE_RESTRICT(ferry::codec::BoundedInputArchive, ferry::codec::BoundedInputArchive)
    CEREAL_SERIALIZE_FUNCTION_NAME(Archive& ar, SizeTag<T>& t) {
  ar(t.size);
  ar.check_count(static_cast<std::uint64_t>(t.size));
}

template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(ferry::codec::BoundedInputArchive& ar, BinaryData<T>& bd) {
  ar.loadBinary(bd.data, static_cast<std::streamsize>(bd.size));
}

// Strings and byte vectors are copied once, straight from the input: cereal's
// own loaders resize first, which zeroes every byte before it is overwritten
// (a 10 MB item, twice over).
template <class Traits, class Alloc>
inline void CEREAL_LOAD_FUNCTION_NAME(ferry::codec::BoundedInputArchive& ar, std::basic_string<char, Traits, Alloc>& s) {
  size_type n = 0;
  ar(make_size_tag(n));
  const char* p = ar.take(static_cast<std::size_t>(n));
  s.assign(p, static_cast<std::size_t>(n));
}

template <class T, class Alloc>
  requires(sizeof(T) == 1 && std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
inline void CEREAL_LOAD_FUNCTION_NAME(ferry::codec::BoundedInputArchive& ar, std::vector<T, Alloc>& v) {
  size_type n = 0;
  ar(make_size_tag(n));
  const auto* p = reinterpret_cast<const T*>(ar.take(static_cast<std::size_t>(n)));
  v.assign(p, p + n);
}

namespace traits::detail {
// Which output archive writes what this one reads (cereal checks
// load_minimal, used for enums, against the matching save_minimal).
template <>
struct get_output_from_input<ferry::codec::BoundedInputArchive> {
  using type = BinaryOutputArchive;
};
}  // namespace traits::detail

}  // namespace cereal

CEREAL_REGISTER_ARCHIVE(ferry::codec::BoundedInputArchive)
