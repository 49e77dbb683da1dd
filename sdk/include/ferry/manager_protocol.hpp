// The manager protocol: how a handle (ferry::Dict, Queue, Lock, ...) asks the
// manager service in the host to act on a named shared object. Plugins and
// the host encode the same structs, so it lives in the SDK.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <ferry/detail/held_bytes.hpp>

namespace ferry::manager {

// What a request does. Arguments and results are cereal-encoded keys and
// values, in the order each op documents.
enum class Op : std::uint8_t {
  dict_get = 1,     // [key] -> [value] | missing
  dict_set,         // [key, value] -> []
  dict_setdefault,  // [key, value] -> [the value now stored]
  dict_pop,         // [key] -> [value] | missing
  dict_contains,    // [key] -> [] ok | missing
  dict_size,        // [] -> [u64]
  dict_keys,        // [] -> keys, insertion order
  dict_items,       // [] -> key, value, key, value, ...
  dict_update,      // key, value, ... -> []
  dict_add,         // [key, delta] -> [the new value]; a missing key counts as 0
  dict_clear,       // [] -> []
  list_append = 32,  // [value] -> []
  list_extend,       // values -> []
  list_get,          // [u64 index] -> [value] | missing
  list_set,          // [u64 index, value] -> [] | missing
  list_size,         // [] -> [u64]
  list_items,        // [] -> values
  queue_put = 64,    // [value] -> [] | timeout (full)
  queue_get,         // [] -> [value] | timeout (empty)
  queue_size,        // [] -> [u64]
  queue_task_done,   // [] -> [] | error (called too often)
  queue_join,        // [] -> [] | timeout
  lock_acquire = 96,  // [] -> [] | timeout
  lock_release,       // [] -> [] | error (not locked)
  lock_word,          // [] -> [u64 descriptor id, u64 slot, u64 tag]: where the lock's word is
                      // (detail/lock_word.hpp) and what this client writes in it | error (none)
  event_set = 112,    // [] -> []
  event_clear,        // [] -> []
  event_is_set,       // [] -> [] ok when set | missing
  event_wait,         // [] -> [] | timeout
  semaphore_acquire = 120,  // [] -> [] | timeout; capacity holds the initial count
  semaphore_release,        // [] -> []
  semaphore_value,          // [] -> [i64]
  barrier_wait = 124,       // [] -> [u64 arrival index] | timeout | error (broken); capacity holds the parties
  sync = 127,               // [] -> [], after every earlier post took effect; error if one failed
  descriptor_open = 128,  // [u64 id] -> [] with the segment's fd attached | missing
};

// Request::capacity of a sync that only waits for the posts: a failed post
// is kept for the sync that ends the task.
inline constexpr std::uint64_t kSyncKeepsFailure = 1;

struct Request {
  Op op{};
  std::string name;  // the shared object's name
  std::string type;  // its signature, e.g. "dict<str,i64>"; must match
  std::vector<std::string> args;
  std::int64_t timeout_ms = -1;  // blocking ops: -1 waits forever
  std::uint64_t capacity = 0;    // queues, when created: 0 = unbounded

  template <class Archive>
  void serialize(Archive& ar) {
    ar(op, name, type, args, timeout_ms, capacity);
  }
};

enum class Status : std::int32_t { ok = 0, missing = 1, timeout = 2, error = 3 };

struct Reply {
  Status status = Status::ok;
  std::vector<std::string> values;
  std::string error;  // with Status::error
  // Never encoded: in the host's own replies, a large queue item a worker
  // put kept as it arrived (detail::HeldBytes) stands here for values[0]
  // (left empty);
  // read it with value(). Replies that travel carry the bytes in values.
  std::shared_ptr<const detail::HeldBytes> held{};

  // Value i's bytes, wherever they are.
  std::string_view value(std::size_t i) const {
    if (i == 0 && held) return held->view();
    return values.at(i);
  }

  template <class Archive>
  void serialize(Archive& ar) {
    ar(status, values, error);
  }
};

}  // namespace ferry::manager
