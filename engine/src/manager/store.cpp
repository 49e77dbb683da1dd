#include "manager/store.hpp"

#include "manager/replies.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <ferry/codec.hpp>

namespace ferry::manager {
Store::Object* Store::open(const Request& r, std::string& err) {
  auto it = objects_.find(r.name);
  if (it == objects_.end()) {
    Object o{r.type, DictData{}};
    const std::string kind = kind_of(r.op);
    if (kind == "list") o.data = ListData{};
    else if (kind == "queue") o.data = QueueData{{}, r.capacity, 0};
    else if (kind == "lock") o.data = new_lock();
    else if (kind == "event") o.data = EventData{};
    else if (kind == "semaphore") o.data = SemaphoreData{static_cast<std::int64_t>(r.capacity)};
    else if (kind == "barrier") o.data = BarrierData{r.capacity};
    it = objects_.emplace(r.name, std::move(o)).first;
  } else if (it->second.type != r.type) {
    err = "shared object '" + r.name + "' is a " + it->second.type + ", not a " + r.type;
    return nullptr;
  }
  return &it->second;
}

template <class Ready>
std::optional<Reply> Store::wait(std::unique_lock<std::mutex>& lock, const Request& r, ClientId client, Ready ready) {
  wake_pending_locked();  // whoever this waits for may be asleep behind a deferred wake
  auto stop = [&] { return shut_down_ || dead_.count(client) > 0; };
  auto done = [&] { return stop() || ready(); };
  if (r.timeout_ms < 0) {
    changed_.wait(lock, done);
  } else if (!changed_.wait_until(lock, std::chrono::steady_clock::now() + std::chrono::milliseconds(r.timeout_ms),
                                  done)) {
    return timed_out();
  }
  if (shut_down_) return error("the engine holding shared object '" + r.name + "' has shut down");
  if (stop()) return error("the caller is gone");
  return std::nullopt;
}

namespace {
// Argument i of r, moved out when the caller gave the arguments up.
std::string kept(const Request& r, std::vector<std::string>* owned, std::size_t i) {
  return owned ? std::move(owned->at(i)) : r.args.at(i);
}
}  // namespace

void Store::wake_deferred() {
  std::lock_guard lock(mu_);
  wake_pending_locked();
}

void Store::wake_pending_locked() {
  if (!wake_pending_) return;
  wake_pending_ = false;
  changed_.notify_all();
}

Reply Store::apply(const Request& r, std::vector<std::string>* owned, ClientId client,
                   std::shared_ptr<const detail::HeldBytes> held, bool defer_wake) {
  std::unique_lock lock(mu_);
  return apply_locked(r, owned, client, std::move(held), defer_wake, lock);
}

std::string Store::apply_posts(std::span<Post> posts, ClientId client) {
  std::string first_error;
  std::unique_lock lock(mu_);
  for (Post& p : posts) {
    Reply r = apply_locked(p.request, &p.request.args, client, std::move(p.held), true, lock);
    if (r.status == Status::error && first_error.empty()) first_error = std::move(r.error);
  }
  return first_error;
}

Reply Store::apply_locked(const Request& r, std::vector<std::string>* owned, ClientId client,
                          std::shared_ptr<const detail::HeldBytes> held, bool defer_wake,
                          std::unique_lock<std::mutex>& lock) {
  if (r.op == Op::sync || r.op == Op::descriptor_open) return error("not an operation on a shared object");
  if (!defer_wake) wake_pending_locked();  // what a burst deferred goes first
  if (shut_down_) return error("the engine holding shared object '" + r.name + "' has shut down");
  std::string err;
  Object* o = open(r, err);
  if (!o) return error(err);
  try {
    if (auto* d = std::get_if<ListData>(&o->data)) return on_list(r, owned, *d);
    if (auto* d = std::get_if<QueueData>(&o->data)) return on_queue(r, owned, std::move(held), defer_wake, *d, client, lock);
    if (auto* d = std::get_if<LockData>(&o->data)) return on_lock(r, *d, client, lock);
    if (auto* d = std::get_if<EventData>(&o->data)) return on_event(r, *d, client, lock);
    if (auto* d = std::get_if<SemaphoreData>(&o->data)) return on_semaphore(r, *d, client, lock);
    if (auto* d = std::get_if<BarrierData>(&o->data)) return on_barrier(r, *d, client, lock);
    return on_dict(r, owned, *o);
  } catch (const std::exception& e) {  // malformed arguments from a peer
    return error("bad request for shared object '" + r.name + "': " + e.what());
  }
}

Reply Store::on_dict(const Request& r, std::vector<std::string>* owned, Object& o) {
  auto& d = std::get<DictData>(o.data);
  auto find = [&](const std::string& key) -> std::string* {
    auto it = d.index.find(key);
    return it == d.index.end() ? nullptr : &d.entries[it->second].second;
  };
  auto put = [&](const std::string& key, std::string value) {
    if (auto* v = find(key)) *v = std::move(value);
    else {
      d.index.emplace(key, d.entries.size());
      d.entries.emplace_back(key, std::move(value));
    }
  };
  switch (r.op) {
    case Op::dict_get: {
      auto* v = find(r.args.at(0));
      return v ? ok_with(*v) : missing();
    }
    case Op::dict_set: put(r.args.at(0), kept(r, owned, 1)); return ok();
    case Op::dict_setdefault:
      if (auto* v = find(r.args.at(0))) return ok_with(*v);
      put(r.args.at(0), r.args.at(1));
      return ok_with(r.args.at(1));
    case Op::dict_pop: {
      auto it = d.index.find(r.args.at(0));
      if (it == d.index.end()) return missing();
      const std::size_t pos = it->second;
      std::string value = std::move(d.entries[pos].second);
      d.entries.erase(d.entries.begin() + static_cast<std::ptrdiff_t>(pos));
      d.index.erase(it);
      for (auto& [k, i] : d.index)
        if (i > pos) --i;
      return ok_with(std::move(value));
    }
    case Op::dict_contains: return find(r.args.at(0)) ? ok() : missing();
    case Op::dict_size: return ok_with(codec::encode(std::uint64_t{d.entries.size()}));
    case Op::dict_keys: {
      std::vector<std::string> keys;
      for (const auto& [k, v] : d.entries) keys.push_back(k);
      return ok(std::move(keys));
    }
    case Op::dict_items: {
      std::vector<std::string> items;
      for (const auto& [k, v] : d.entries) {
        items.push_back(k);
        items.push_back(v);
      }
      return ok(std::move(items));
    }
    case Op::dict_update:
      for (std::size_t i = 0; i + 1 < r.args.size(); i += 2) put(r.args[i], kept(r, owned, i + 1));
      return ok();
    case Op::dict_add: {
      std::string sum = add_numbers(dict_value_type(o.type), find(r.args.at(0)), r.args.at(1));
      put(r.args.at(0), sum);
      return ok_with(std::move(sum));
    }
    case Op::dict_clear: d = DictData{}; return ok();
    default: return error("not a dict operation");
  }
}

Reply Store::on_list(const Request& r, std::vector<std::string>* owned, ListData& d) {
  switch (r.op) {
    case Op::list_append: d.items.push_back(kept(r, owned, 0)); return ok();
    case Op::list_extend:
      for (std::size_t i = 0; i < r.args.size(); ++i) d.items.push_back(kept(r, owned, i));
      return ok();
    case Op::list_get: {
      const auto i = index_arg(r);
      return i < d.items.size() ? ok_with(d.items[i]) : missing();
    }
    case Op::list_set: {
      const auto i = index_arg(r);
      if (i >= d.items.size()) return missing();
      d.items[i] = kept(r, owned, 1);
      return ok();
    }
    case Op::list_size: return ok_with(codec::encode(std::uint64_t{d.items.size()}));
    case Op::list_items: return ok(d.items);
    default: return error("not a list operation");
  }
}

Reply Store::on_queue(const Request& r, std::vector<std::string>* owned, std::shared_ptr<const detail::HeldBytes> held,
                      bool defer_wake, QueueData& d, ClientId client, std::unique_lock<std::mutex>& lock) {
  switch (r.op) {
    case Op::queue_put: {
      auto room = [&] { return d.capacity == 0 || d.items.size() < d.capacity; };
      if (auto stopped = wait(lock, r, client, room)) return *stopped;
      if (held) d.items.push_back({{}, std::move(held)});
      else d.items.push_back({kept(r, owned, 0), nullptr});
      ++d.unfinished;
      // A getter woken per item of a burst would take one and sleep again.
      if (defer_wake) wake_pending_ = true;
      else changed_.notify_all();
      return ok();
    }
    case Op::queue_get: {
      if (auto stopped = wait(lock, r, client, [&] { return !d.items.empty(); })) return *stopped;
      QueueItem item = std::move(d.items.front());
      d.items.pop_front();
      changed_.notify_all();
      Reply reply = ok_with(std::move(item.bytes));
      reply.held = std::move(item.held);
      return reply;
    }
    case Op::queue_size: return ok_with(codec::encode(std::uint64_t{d.items.size()}));
    case Op::queue_task_done:
      if (d.unfinished == 0) return error("task_done() called more times than there were items");
      if (--d.unfinished == 0) changed_.notify_all();
      return ok();
    case Op::queue_join:
      if (auto stopped = wait(lock, r, client, [&] { return d.unfinished == 0; })) return *stopped;
      return ok();
    default: return error("not a queue operation");
  }
}

namespace {
constexpr std::size_t kLocksPerTable = 4096;  // 64 KiB of slots
// A client's tag in a lock word.
std::uint64_t lock_tag(ClientId client) { return client + 1; }
}  // namespace

Store::LockData Store::new_lock() {
  if (lock_tables_.empty() || lock_tables_.back().used == kLocksPerTable) {
    auto [fd, segment] = detail::create_segment(kLocksPerTable, sizeof(detail::LockSlot), detail::kLockTableType);
    const auto id = next_segment_++;
    segments_.emplace(id, fd);
    lock_tables_.push_back(LockTable{id, std::move(segment), 0});
  }
  LockTable& t = lock_tables_.back();
  const std::size_t slot = t.used++;
  return LockData{t.id, slot, detail::LockWord(t.segment, slot)};
}

Reply Store::on_lock(const Request& r, LockData& d, ClientId client, std::unique_lock<std::mutex>& lock) {
  switch (r.op) {
    case Op::lock_acquire: return acquire_lock(r, d, client, lock);
    case Op::lock_release:
      // As with Python's Lock, any process may release it.
      if (!d.word.release()) return error("release of lock '" + r.name + "', which is not locked");
      return ok();
    case Op::lock_word:
      if (lock_tag(client) > detail::kMaxLockTag) return error("no lock word for client " + std::to_string(client));
      return ok({codec::encode(d.table), codec::encode(std::uint64_t{d.slot}), codec::encode(lock_tag(client))});
    default: return error("not a lock operation");
  }
}

Reply Store::acquire_lock(const Request& r, LockData& d, ClientId client, std::unique_lock<std::mutex>& lock) {
  if (lock_tag(client) > detail::kMaxLockTag) return error("too many manager clients for lock '" + r.name + "'");
  const auto tag = static_cast<std::uint32_t>(lock_tag(client));
  // Waits in slices with mu_ released, to see the caller die or the store
  // shut down in between (objects are never erased, so d stays valid).
  constexpr std::int64_t kSliceMs = 100;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, r.timeout_ms));
  for (;;) {
    std::int64_t slice = kSliceMs;
    if (r.timeout_ms >= 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      slice = std::clamp<std::int64_t>(left.count(), 0, kSliceMs);
    }
    lock.unlock();
    bool taken = false;
    std::string closed;
    try {
      taken = d.word.acquire(tag, slice, r.name);
    } catch (const std::exception& e) {
      closed = e.what();
    }
    lock.lock();
    if (!closed.empty() || shut_down_) {
      if (taken) d.word.release();
      return error("the engine holding shared object '" + r.name + "' has shut down");
    }
    if (dead_.count(client) > 0) {
      if (taken) d.word.release();
      return error("the caller is gone");
    }
    if (taken) return ok();
    if (r.timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) return timed_out();
  }
}

Reply Store::on_event(const Request& r, EventData& d, ClientId client, std::unique_lock<std::mutex>& lock) {
  switch (r.op) {
    case Op::event_set: d.set = true; changed_.notify_all(); return ok();
    case Op::event_clear: d.set = false; return ok();
    case Op::event_is_set: return d.set ? ok() : missing();
    case Op::event_wait:
      if (auto stopped = wait(lock, r, client, [&] { return d.set; })) return *stopped;
      return ok();
    default: return error("not an event operation");
  }
}

Reply Store::on_semaphore(const Request& r, SemaphoreData& d, ClientId client, std::unique_lock<std::mutex>& lock) {
  switch (r.op) {
    case Op::semaphore_acquire:
      if (auto stopped = wait(lock, r, client, [&] { return d.value > 0; })) return *stopped;
      --d.value;
      return ok();
    case Op::semaphore_release: ++d.value; changed_.notify_all(); return ok();
    case Op::semaphore_value: return ok_with(codec::encode(d.value));
    default: return error("not a semaphore operation");
  }
}

Reply Store::on_barrier(const Request& r, BarrierData& d, ClientId client, std::unique_lock<std::mutex>& lock) {
  if (r.op != Op::barrier_wait) return error("not a barrier operation");
  if (d.parties == 0) return error("barrier '" + r.name + "' needs at least one party");
  if (d.broken) return error("barrier '" + r.name + "' is broken: a waiter timed out or died");
  const std::uint64_t index = d.waiting++;
  const std::uint64_t generation = d.generation;
  if (d.waiting == d.parties) {  // the last one in lets everyone go
    d.waiting = 0;
    ++d.generation;
    changed_.notify_all();
    return ok_with(codec::encode(index));
  }
  if (auto stopped = wait(lock, r, client, [&] { return d.generation != generation || d.broken; })) {
    // As Python's Barrier: one waiter giving up breaks it for everyone.
    d.broken = true;
    changed_.notify_all();
    return *stopped;
  }
  if (d.generation == generation) return error("barrier '" + r.name + "' is broken: a waiter timed out or died");
  return ok_with(codec::encode(index));
}

void Store::release_client(ClientId client) {
  {
    std::lock_guard lock(mu_);
    dead_.insert(client);
    for (auto& [name, o] : objects_)
      if (auto* l = std::get_if<LockData>(&o.data); l && lock_tag(client) <= detail::kMaxLockTag)
        l->word.release_if_held_by(static_cast<std::uint32_t>(lock_tag(client)));
  }
  changed_.notify_all();
}

Store::~Store() {
  for (auto& [id, fd] : segments_) ::close(fd);
}

std::uint64_t Store::add_descriptor(int fd) {
  std::lock_guard lock(mu_);
  const auto id = next_segment_++;
  segments_.emplace(id, fd);
  return id;
}

int Store::descriptor_fd(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = segments_.find(id);
  return it == segments_.end() ? -1 : it->second;
}

void Store::shut_down() {
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    for (auto& [name, o] : objects_)
      if (auto* l = std::get_if<LockData>(&o.data)) l->word.close();
  }
  changed_.notify_all();
}

}  // namespace ferry::manager
