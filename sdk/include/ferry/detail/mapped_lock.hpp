// How a Lock handle finds its word in shared memory (lock_word.hpp) through
// its link, and the per-link caches that make that one request a process.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <ferry/codec.hpp>
#include <ferry/detail/lock_word.hpp>
#include <ferry/detail/segment.hpp>
#include <ferry/errors.hpp>
#include <ferry/manager_link.hpp>
#include <ferry/manager_protocol.hpp>

namespace ferry::detail {

// A lock's word as this process reaches it through a link, with the tag the
// link's client writes in it.
struct MappedLock {
  LockWord word;
  std::uint32_t tag = 0;
};

// Values kept per link and key for as long as the link lives. Links come
// and go (the host makes one per handle), so entries of links that are gone
// are swept as the cache grows. The caller holds mu around find and put.
template <class Key, class Stored>
class PerLinkCache {
 public:
  std::mutex mu;

  Stored* find(const ManagerLink* link, const Key& key) {
    auto it = entries_.find({link, key});
    return it != entries_.end() && !it->second.link.expired() ? &it->second.value : nullptr;
  }
  void put(const std::shared_ptr<ManagerLink>& link, const Key& key, Stored value) {
    if (entries_.size() >= sweep_at_) {
      std::erase_if(entries_, [](const auto& e) { return e.second.link.expired(); });
      sweep_at_ = std::max<std::size_t>(64, 2 * entries_.size());
    }
    entries_[{link.get(), key}] = Entry{link, std::move(value)};
  }

 private:
  struct Entry {
    std::weak_ptr<ManagerLink> link;
    Stored value;
  };
  std::map<std::pair<const ManagerLink*, Key>, Entry> entries_;
  std::size_t sweep_at_ = 64;
};

// Maps the shared memory segment link shares as id (a SharedValue's, a lock
// table) into this process, once per link while any handle uses it: ids are
// an engine's, so a host with two engines has two segments 1.
inline std::shared_ptr<Segment> map_segment(const std::shared_ptr<ManagerLink>& link, std::uint64_t id) {
  static PerLinkCache<std::uint64_t, std::weak_ptr<Segment>> cache;
  std::lock_guard lock(cache.mu);
  if (auto* weak = cache.find(link.get(), id))
    if (auto s = weak->lock()) return s;
  const int fd = link->open_descriptor(id);
  std::shared_ptr<Segment> s;
  try {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < kSegmentDataOffset)
      throw ManagerError("shared memory segment " + std::to_string(id) + " is unusable");
    s = std::make_shared<Segment>(fd, static_cast<std::size_t>(st.st_size));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  cache.put(link, id, s);
  return s;
}

// Where lock `name`'s word is, mapped, when the manager behind link keeps
// its locks in shared memory; null otherwise (a broker's locks, an older
// host): the handle then asks the manager for every acquire and release.
inline std::shared_ptr<const MappedLock> map_lock(const std::shared_ptr<ManagerLink>& link, const std::string& name) {
  if (!link) return nullptr;
  try {
    manager::Reply r = link->call(manager::Request{manager::Op::lock_word, name, "lock", {}, -1, 0});
    if (r.status != manager::Status::ok || r.values.size() != 3) return nullptr;
    std::uint64_t id = 0, slot = 0, tag = 0;
    codec::decode(r.values[0], id);
    codec::decode(r.values[1], slot);
    codec::decode(r.values[2], tag);
    if (tag == 0 || tag > kMaxLockTag) return nullptr;
    auto table = map_segment(link, id);
    const SegmentHeader& h = table->header();
    if (std::string_view(h.type) != kLockTableType || h.elem_size != sizeof(LockSlot) || slot >= h.count)
      return nullptr;
    return std::make_shared<const MappedLock>(MappedLock{LockWord(std::move(table), slot), static_cast<std::uint32_t>(tag)});
  } catch (const std::exception&) {  // the manager is gone or refuses: its own errors come on first use
    return nullptr;
  }
}

// map_lock, asked once per process, link and name.
inline std::shared_ptr<const MappedLock> mapped_lock(const std::shared_ptr<ManagerLink>& link, const std::string& name) {
  static PerLinkCache<std::string, std::shared_ptr<const MappedLock>> cache;
  if (!link) return nullptr;
  std::lock_guard lock(cache.mu);
  if (auto* mapped = cache.find(link.get(), name)) return *mapped;
  auto mapped = map_lock(link, name);
  cache.put(link, name, mapped);
  return mapped;
}

}  // namespace ferry::detail
