#include "broker/entry.hpp"

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>

namespace ferry::broker {
namespace {

void put_big_endian(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string encode_entry(const Entry& entry) { return codec::encode(entry); }

Entry decode_entry(const std::string& bytes) {
  Entry entry;
  try {
    codec::decode(bytes, entry);
  } catch (const std::exception& e) {
    throw Error(std::string("a broker entry that ferry did not write (") + e.what() + ")");
  }
  return entry;
}

std::string path_key(std::uint64_t origin, const std::vector<PathStep>& path) {
  std::string key;
  key.reserve(8 + 4 * path.size());
  put_big_endian(key, origin, 8);
  for (const auto& step : path) put_big_endian(key, step.index, 4);
  return key;
}

}  // namespace ferry::broker
