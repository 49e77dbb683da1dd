// Large queue items handed from a worker to the manager as sealed memfds
// (SCM_RIGHTS) instead of bytes through the manager socket: the worker
// writes the item once into the memfd and seals it, the manager maps it
// read-only and keeps the mapping as the item, and the host's get decodes
// straight from it. Sealing (no write, grow or shrink, no further seals) is
// what makes a hostile worker's segment safe to keep: it cannot change the
// item after handing it over, and the manager refuses a segment that is not
// sealed.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <ferry/detail/sealed_bytes.hpp>

namespace ferry::wire {

// Items from this size on travel sealed; below it the socket costs less
// than a memfd, a mapping and its page faults.
inline constexpr std::size_t kSealFrom = std::size_t{64} << 10;

// An encoded queue put split in two: the request with its item left empty,
// and the item's bytes (a view into the request).
struct SplitPut {
  std::string head;
  std::string_view item;
};

// The split of an encoded request when it is a queue put of one item of at
// least kSealFrom bytes; nullopt for anything else (including bytes that do
// not decode: the manager reports those).
std::optional<SplitPut> split_large_put(std::string_view request);

// A new memfd holding bytes, sealed against writes, growth, shrinking and
// further seals; -1 when the system refuses (no memory, no descriptors):
// the caller then sends the bytes through the socket.
int seal_into_memfd(std::string_view bytes);

// Maps the sealed memfd fd read-only and closes fd (always). Null, with
// error set, when fd is not a memfd sealed as seal_into_memfd seals it, is
// empty, or cannot be mapped.
std::shared_ptr<const detail::SealedBytes> map_sealed(int fd, std::string& error);

}  // namespace ferry::wire
