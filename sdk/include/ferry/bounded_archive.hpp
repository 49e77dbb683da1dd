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

#include <cereal/archives/binary.hpp>
#include <cereal/cereal.hpp>

#include <ferry/value.hpp>

namespace ferry::codec {

class BoundedInputArchive : public cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  // Reads from buf; remaining() must report the bytes not yet read.
  explicit BoundedInputArchive(std::streambuf& buf)
      : cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision>(this), buf_(buf) {}

  void loadBinary(void* const data, std::streamsize size) {
    const auto read = buf_.sgetn(static_cast<char*>(data), size);
    if (read != size)
      throw cereal::Exception("Failed to read " + std::to_string(size) + " bytes from input stream! Read " +
                              std::to_string(read));
  }

  // A claimed element count: every element takes at least one byte.
  void check_count(std::uint64_t n) {
    const auto left = static_cast<std::uint64_t>(buf_.in_avail() < 0 ? 0 : buf_.in_avail());
    if (n > left)
      throw ValueError("a length of " + std::to_string(n) + " is more than the " + std::to_string(left) +
                       " bytes left hold");
  }

 private:
  std::streambuf& buf_;
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
