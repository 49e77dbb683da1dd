// The byte layout all of ferry's encodings share: cereal's binary archive as
// ferry uses it (little-endian scalars as their raw bytes, u64 lengths before
// strings and lists, a one-byte "empty" flag before an optional). Everything
// that writes or reads those bytes directly, without cereal, uses these.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ferry::wire_format {

static_assert(std::endian::native == std::endian::little,
              "ferry's encodings are little-endian and written as native bytes");

// The length or count before a string, a list or a map.
using Length = std::uint64_t;
inline constexpr std::size_t kLengthSize = sizeof(Length);

// Types whose encoding is exactly their own sizeof(T) bytes.
template <class T>
inline constexpr bool kRawScalar = std::is_arithmetic_v<T>;

// An optional's leading flag (cereal writes "nullopt": 1 when empty); a bool
// is one such byte too.
inline constexpr std::uint8_t kOptionalEmpty = 1;
inline constexpr std::uint8_t kOptionalFull = 0;

// Appends a scalar's encoding.
template <class T>
void append_scalar(std::string& out, T x) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.append(reinterpret_cast<const char*>(&x), sizeof x);
}
// Reads a scalar from the sizeof(T) bytes at p.
template <class T>
T read_scalar(const char* p) {
  static_assert(std::is_trivially_copyable_v<T>);
  T x;
  std::memcpy(&x, p, sizeof x);
  return x;
}

inline void append_length(std::string& out, std::size_t n) { append_scalar(out, static_cast<Length>(n)); }
// A length-prefixed string.
inline void append_string(std::string& out, std::string_view s) {
  append_length(out, s.size());
  out.append(s);
}
// A counted list of strings.
inline void append_strings(std::string& out, const std::vector<std::string>& v) {
  append_length(out, v.size());
  for (const auto& s : v) append_string(out, s);
}
// Room for a length not known yet; returns where patch_length fills it in.
inline std::size_t reserve_length(std::string& out) {
  const std::size_t at = out.size();
  append_length(out, 0);
  return at;
}
// Sets the length reserved at `at` to the bytes written after it.
inline void patch_length(std::string& out, std::size_t at) {
  const auto n = static_cast<Length>(out.size() - at - kLengthSize);
  std::memcpy(out.data() + at, &n, sizeof n);
}

// A task's error as it travels (status FERRY_TASK_ERROR): "<type>\0<message>".
inline std::string task_error(std::string_view type, std::string_view message) {
  std::string out;
  out.reserve(type.size() + 1 + message.size());
  out.append(type);
  out.push_back('\0');
  out.append(message);
  return out;
}
struct TaskErrorText {
  bool typed = false;        // the bytes hold the NUL: a type, then the message
  std::string_view type;     // "" when not typed
  std::string_view message;  // all of the bytes when not typed
};
// Splits bytes made by task_error (views into bytes).
inline TaskErrorText parse_task_error(std::string_view bytes) {
  const auto nul = bytes.find('\0');
  if (nul == std::string_view::npos) return {false, {}, bytes};
  return {true, bytes.substr(0, nul), bytes.substr(nul + 1)};
}

}  // namespace ferry::wire_format
