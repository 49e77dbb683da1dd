// The manager's state: named shared dicts, lists, queues, locks, events,
// semaphores and barriers holding cereal-encoded values, and the
// descriptors (shared memory, pipe ends) it shares by id. One mutex guards it all and one condition
// variable wakes every blocked operation; shared objects are coordination
// points, not bulk data paths, so simplicity wins here.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <ferry/detail/lock_word.hpp>
#include <ferry/detail/held_bytes.hpp>
#include <ferry/manager_protocol.hpp>

#include "manager/replies.hpp"

namespace ferry::manager {

class Store {
 public:
  // Performs one request for client; blocks for queue get/put on a full
  // queue, lock acquire, event wait and queue join, up to the request's
  // timeout. Never throws: problems become Status::error replies. Given an
  // rvalue, the items it keeps (a put's, an append's) are moved out of
  // request.args rather than copied: a 10 MB item is not copied again.
  Reply handle(const Request& request, ClientId client) { return apply(request, nullptr, client, nullptr, false); }
  Reply handle(Request&& request, ClientId client) { return apply(request, &request.args, client, nullptr, false); }
  // As above, for a worker's request. held: a large queue put's item, kept
  // in the frame it came in (detail::HeldBytes), request.args[0] left
  // empty; the queue keeps it, and the host's own get reads it in place
  // (Reply::held) while a worker's get gets the bytes. defer_wake: a put
  // of a burst whose waiters wake once, at wake_deferred(), not per item.
  Reply handle(Request&& request, ClientId client, std::shared_ptr<const detail::HeldBytes> held,
               bool defer_wake) {
    return apply(request, &request.args, client, std::move(held), defer_wake);
  }
  // A request a worker posted (nobody waits for its reply), with its held
  // item as handle() takes it.
  struct Post {
    Request request;
    std::shared_ptr<const detail::HeldBytes> held;
  };
  // Applies a burst of posts in order, as handle() with defer_wake each,
  // under one hold of the lock: a getter draining the queue meanwhile
  // contends once per burst, not once per item. Returns the first
  // failure's message, or "" when all succeeded.
  std::string apply_posts(std::span<Post> posts, ClientId client);
  // Wakes the waiters puts with defer_wake left asleep. A caller that
  // defers calls it before it waits for anything itself.
  void wake_deferred();

  // The client is gone: its blocked calls return an error and the locks it
  // held are released.
  void release_client(ClientId client);

  // The engine is going away: every blocked call returns an error, and later
  // calls fail.
  void shut_down();

  // Takes ownership of a shared memory segment's descriptor; returns its id.
  std::uint64_t add_descriptor(int fd);
  // The descriptor of segment id (still owned by the store), or -1.
  int descriptor_fd(std::uint64_t id);

  Store() = default;
  ~Store();  // closes the segments' descriptors
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

 private:
  struct DictData {
    std::vector<std::pair<std::string, std::string>> entries;  // insertion order
    std::unordered_map<std::string, std::size_t> index;         // key -> entries position
  };
  struct ListData {
    std::vector<std::string> items;
  };
  // A queue's item: its bytes, or the frame holding them.
  struct QueueItem {
    std::string bytes;
    std::shared_ptr<const detail::HeldBytes> held;
  };
  struct QueueData {
    std::deque<QueueItem> items;
    std::uint64_t capacity = 0;
    std::uint64_t unfinished = 0;
  };
  // A lock is a word in a lock table (detail/lock_word.hpp) that clients
  // able to map it take without asking the store; the store's own
  // lock_acquire/lock_release act on the same word.
  struct LockData {
    std::uint64_t table = 0;  // the table's descriptor id
    std::size_t slot = 0;
    detail::LockWord word;
  };
  struct LockTable {
    std::uint64_t id = 0;
    std::shared_ptr<detail::Segment> segment;
    std::size_t used = 0;
  };
  struct EventData {
    bool set = false;
  };
  struct SemaphoreData {
    std::int64_t value = 0;
  };
  struct BarrierData {
    std::uint64_t parties = 0;
    std::uint64_t waiting = 0;
    std::uint64_t generation = 0;  // bumps each time the barrier trips
    bool broken = false;           // a waiter timed out or died
  };
  struct Object {
    std::string type;
    std::variant<DictData, ListData, QueueData, LockData, EventData, SemaphoreData, BarrierData> data;
  };

  // The object for request, created on first use; nullptr (and error set)
  // when the name is taken by an object of another type.
  Object* open(const Request& request, std::string& error);
  // owned: r.args, when the caller gave them up (handle(Request&&)), else null.
  Reply on_dict(const Request& r, std::vector<std::string>* owned, Object& o);
  // held, defer_wake: as handle() says.
  Reply apply(const Request& r, std::vector<std::string>* owned, ClientId client,
              std::shared_ptr<const detail::HeldBytes> held, bool defer_wake);
  // apply() with mu_ held by lock.
  Reply apply_locked(const Request& r, std::vector<std::string>* owned, ClientId client,
                     std::shared_ptr<const detail::HeldBytes> held, bool defer_wake,
                     std::unique_lock<std::mutex>& lock);
  Reply on_list(const Request& r, std::vector<std::string>* owned, ListData& d);
  Reply on_queue(const Request& r, std::vector<std::string>* owned, std::shared_ptr<const detail::HeldBytes> held,
                 bool defer_wake, QueueData& d, ClientId client, std::unique_lock<std::mutex>& lock);
  Reply on_lock(const Request& r, LockData& d, ClientId client, std::unique_lock<std::mutex>& lock);
  // lock_acquire for client: waits on the word with mu_ released.
  Reply acquire_lock(const Request& r, LockData& d, ClientId client, std::unique_lock<std::mutex>& lock);
  // Wakes what a deferred put left asleep; mu_ held. Every operation that
  // is not itself deferred, and every wait, does this first.
  void wake_pending_locked();
  // A free slot in a lock table, making a table when all are full; mu_ held.
  LockData new_lock();
  Reply on_event(const Request& r, EventData& d, ClientId client, std::unique_lock<std::mutex>& lock);
  Reply on_semaphore(const Request& r, SemaphoreData& d, ClientId client, std::unique_lock<std::mutex>& lock);
  Reply on_barrier(const Request& r, BarrierData& d, ClientId client, std::unique_lock<std::mutex>& lock);
  // Waits until ready() or the request's deadline. nullopt once ready;
  // otherwise the reply to give: a timeout, or an error when the client
  // died or the store shut down meanwhile.
  template <class Ready>
  std::optional<Reply> wait(std::unique_lock<std::mutex>& lock, const Request& r, ClientId client, Ready ready);

  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Object> objects_;  // guarded by mu_
  std::set<ClientId> dead_;                // guarded by mu_
  bool shut_down_ = false;                 // guarded by mu_
  std::map<std::uint64_t, int> segments_;  // id -> memfd; guarded by mu_
  std::uint64_t next_segment_ = 1;         // guarded by mu_
  std::vector<LockTable> lock_tables_;     // guarded by mu_
  bool wake_pending_ = false;              // a deferred put has not woken its waiters; guarded by mu_
};

}  // namespace ferry::manager
