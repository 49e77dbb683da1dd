// Handles to shared objects that live in the host's manager service: named
// dicts, lists, queues, locks, events, semaphores and barriers, typed
// through cereal. (Shared memory and pipes: shared_memory.hpp, pipe.hpp.) The same
// handle types serve the host (ferry::Engine::dict, ...) and tasks
// (ferry::Context::dict, ...), and a handle passed as a task argument arrives
// bound to the worker's own connection, as a Python Manager proxy does.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <ferry/codec.hpp>
#include <ferry/detail/huge_pages.hpp>
#include <ferry/detail/mapped_lock.hpp>
#include <ferry/errors.hpp>
#include <ferry/manager_codec.hpp>
#include <ferry/manager_link.hpp>
#include <ferry/manager_protocol.hpp>
#include <ferry/signature.hpp>

namespace ferry {

template <class K, class V>
class Dict;
template <class T>
class List;
template <class T>
class Queue;
class Lock;
class Event;
class Semaphore;
class Barrier;

// Signature names: handles can be task parameters.
template <class K, class V>
struct type_name_override<Dict<K, V>> {
  static inline const std::string name = "dict<" + type_name<K>() + "," + type_name<V>() + ">";
};
template <class T>
struct type_name_override<List<T>> {
  static inline const std::string name = "shared_list<" + type_name<T>() + ">";
};
template <class T>
struct type_name_override<Queue<T>> {
  static inline const std::string name = "queue<" + type_name<T>() + ">";
};
template <>
struct type_name_override<Lock> {
  static inline const std::string name = "lock";
};
template <>
struct type_name_override<Event> {
  static inline const std::string name = "event";
};
template <>
struct type_name_override<Semaphore> {
  static inline const std::string name = "semaphore";
};
template <>
struct type_name_override<Barrier> {
  static inline const std::string name = "barrier";
};


namespace detail {

// The link a handle decoded from task arguments binds to: the worker's, set
// while its arguments are decoded.
inline std::shared_ptr<ManagerLink>& current_link() {
  thread_local std::shared_ptr<ManagerLink> link;
  return link;
}

// A timeout in whole milliseconds; a negative one means "do not wait"
// (the protocol's -1 means "wait forever").
template <class D>
std::int64_t to_ms(D d) {
  return std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(d).count());
}

// Marks handle types whose decoding binds them to current_link().
struct BindsToLink {};

// Common part of every handle: a name, a signature and a link.
class SharedHandle : public BindsToLink {
 public:
  SharedHandle() = default;
  SharedHandle(std::shared_ptr<ManagerLink> link, std::string name, std::string type)
      : link_(std::move(link)), name_(std::move(name)), type_(std::move(type)) {}

  const std::string& name() const { return name_; }

  // Cereal: a handle travels as its name and creation setting; decoding
  // binds it to current_link().
  template <class Archive>
  void save(Archive& ar) const { ar(name_, setting_); }
  template <class Archive>
  void load(Archive& ar) {
    ar(name_, setting_);
    link_ = current_link();
    known_type_.value.store(false, std::memory_order_relaxed);
  }

 protected:
  // Whether a request on this name with this handle's type has succeeded
  // through its link (ManagerLink::verified): a write that cannot fail then
  // (a dict set, a queue put) may be posted. Remembered by the handle, so a
  // flood of puts asks the link once.
  bool known_type() const {
    if (known_type_.value.load(std::memory_order_relaxed)) return true;
    if (!link_->verified(name_, type_)) return false;
    known_type_.value.store(true, std::memory_order_relaxed);
    return true;
  }
  void mark_known_type() const {
    link_->mark_verified(name_, type_);
    known_type_.value.store(true, std::memory_order_relaxed);
  }

  manager::Reply call(manager::Op op, std::vector<std::string> args = {}, std::int64_t timeout_ms = -1,
                      std::uint64_t capacity = 0) const {
    if (!link_) throw ManagerError("shared object '" + name_ + "' is not connected to a manager");
    manager::Request req{op, name_, type_, std::move(args), timeout_ms, capacity};
    manager::Reply reply = link_->call(req);
    if (reply.status == manager::Status::error) throw ManagerError(reply.error);
    return reply;
  }
  template <class T>
  static T decoded(std::string_view bytes) {
    T v{};
    codec::decode(bytes, v);
    return v;
  }
  // As decoded(), a string or bytes copied straight out of bytes into room
  // made for it (huge pages when large: detail::reserve_fresh).
  template <class T>
  static T taken(std::string_view bytes) {
    if constexpr (detail::is_raw_bytes_v<T>) {
      std::uint64_t n = 0;
      if (bytes.size() >= sizeof n) std::memcpy(&n, bytes.data(), sizeof n);
      if (bytes.size() >= sizeof n && n == bytes.size() - sizeof n) {
        T v{};
        auto& raw = detail::raw_bytes(v);
        using Unit = typename std::remove_reference_t<decltype(raw)>::value_type;
        const auto* first = reinterpret_cast<const Unit*>(bytes.data() + sizeof n);
        detail::reserve_fresh(raw, n);
        raw.assign(first, first + n);
        return v;
      }
    }
    return decoded<T>(bytes);
  }

  std::shared_ptr<ManagerLink> link_;
  std::string name_;
  std::string type_;
  // What the object is created with, if this handle's use creates it: a
  // queue's capacity, a semaphore's count, a barrier's parties.
  std::uint64_t setting_ = 0;

 private:
  // An atomic flag that copies with its handle (a task's threads may share one).
  struct Flag {
    std::atomic<bool> value{false};
    Flag() = default;
    Flag(const Flag& o) : value(o.value.load(std::memory_order_relaxed)) {}
    Flag& operator=(const Flag& o) {
      value.store(o.value.load(std::memory_order_relaxed), std::memory_order_relaxed);
      return *this;
    }
  };
  mutable Flag known_type_;  // known_type() held
};

}  // namespace detail

// A shared dict, like a multiprocessing.Manager().dict(). Keys keep insertion
// order. Every call is one atomic step in the manager; add() makes counters
// safe without a lock.
template <class K, class V>
class Dict : public detail::SharedHandle {
 public:
  Dict() : SharedHandle({}, {}, type_name<Dict>()) {}
  Dict(std::shared_ptr<ManagerLink> link, std::string name)
      : SharedHandle(std::move(link), std::move(name), type_name<Dict>()) {}

  // The value at key, or nullopt.
  std::optional<V> get(const K& key) const {
    auto r = call(manager::Op::dict_get, {codec::encode(key)});
    if (r.status == manager::Status::missing) return std::nullopt;
    return decoded<V>(r.values.at(0));
  }
  // The value at key; throws ManagerError when absent (Python's KeyError).
  V at(const K& key) const {
    if (auto v = get(key)) return *v;
    throw ManagerError("dict '" + name_ + "' has no such key");
  }
  // In a task, once the manager has confirmed this name's type, a set is
  // posted rather than waited for (a set cannot fail then). It takes effect
  // before anything else this worker asks the manager, before a Lock it
  // releases is free again, before a Pipe message it sends or a shared
  // value it writes can be seen, and before the task's result reaches the
  // host: whoever learns of the set through ferry sees it, as in Python.
  // It goes out with the task's next request to the manager, or by itself
  // within about a millisecond when none comes sooner.
  void set(const K& key, const V& value) {
    if (link_ && link_->can_post() && known_type()) {
      thread_local std::string bytes;
      bytes.clear();
      manager::encode_into(bytes, manager::Request{manager::Op::dict_set, name_, type_,
                                                   {codec::encode(key), codec::encode(value)}, -1, 0});
      link_->post(bytes);
      if (bytes.capacity() > (std::size_t{1} << 20)) std::string().swap(bytes);
      return;
    }
    call(manager::Op::dict_set, {codec::encode(key), codec::encode(value)});
    if (link_->can_post()) mark_known_type();
  }
  // Stores value unless key is present; returns the value now stored.
  V setdefault(const K& key, const V& value) {
    return decoded<V>(call(manager::Op::dict_setdefault, {codec::encode(key), codec::encode(value)}).values.at(0));
  }
  // Removes key; returns its value, or nullopt when absent.
  std::optional<V> pop(const K& key) {
    auto r = call(manager::Op::dict_pop, {codec::encode(key)});
    if (r.status == manager::Status::missing) return std::nullopt;
    return decoded<V>(r.values.at(0));
  }
  bool contains(const K& key) const {
    return call(manager::Op::dict_contains, {codec::encode(key)}).status == manager::Status::ok;
  }
  std::size_t size() const { return decoded<std::uint64_t>(call(manager::Op::dict_size).values.at(0)); }
  std::vector<K> keys() const {
    std::vector<K> out;
    for (const auto& k : call(manager::Op::dict_keys).values) out.push_back(decoded<K>(k));
    return out;
  }
  // (key, value) pairs in insertion order.
  std::vector<std::pair<K, V>> items() const {
    const auto values = call(manager::Op::dict_items).values;
    std::vector<std::pair<K, V>> out;
    for (std::size_t i = 0; i + 1 < values.size(); i += 2)
      out.emplace_back(decoded<K>(values[i]), decoded<V>(values[i + 1]));
    return out;
  }
  // Sets every pair, in one atomic step.
  template <class Pairs>
  void update(const Pairs& pairs) {
    std::vector<std::string> args;
    for (const auto& [k, v] : pairs) {
      args.push_back(codec::encode(static_cast<const K&>(k)));
      args.push_back(codec::encode(static_cast<const V&>(v)));
    }
    call(manager::Op::dict_update, std::move(args));
  }
  // Adds delta to the number at key (0 when absent), atomically; returns the
  // new value. V must be an arithmetic type.
  V add(const K& key, const V& delta) {
    static_assert(std::is_arithmetic_v<V> && !std::is_same_v<V, bool>, "Dict::add needs a numeric value type");
    return decoded<V>(call(manager::Op::dict_add, {codec::encode(key), codec::encode(delta)}).values.at(0));
  }
  void clear() { call(manager::Op::dict_clear); }
};

// A shared list, like a multiprocessing.Manager().list().
template <class T>
class List : public detail::SharedHandle {
 public:
  List() : SharedHandle({}, {}, type_name<List>()) {}
  List(std::shared_ptr<ManagerLink> link, std::string name)
      : SharedHandle(std::move(link), std::move(name), type_name<List>()) {}

  void append(const T& value) { call(manager::Op::list_append, {codec::encode(value)}); }
  void extend(const std::vector<T>& values) {
    std::vector<std::string> args;
    for (const auto& v : values) args.push_back(codec::encode(v));
    call(manager::Op::list_extend, std::move(args));
  }
  // The item at index; throws ManagerError when out of range.
  T at(std::size_t index) const {
    auto r = call(manager::Op::list_get, {codec::encode(std::uint64_t{index})});
    if (r.status == manager::Status::missing) throw ManagerError("list '" + name_ + "' index out of range");
    return decoded<T>(r.values.at(0));
  }
  void set(std::size_t index, const T& value) {
    auto r = call(manager::Op::list_set, {codec::encode(std::uint64_t{index}), codec::encode(value)});
    if (r.status == manager::Status::missing) throw ManagerError("list '" + name_ + "' index out of range");
  }
  std::size_t size() const { return decoded<std::uint64_t>(call(manager::Op::list_size).values.at(0)); }
  // A copy of every item, in order.
  std::vector<T> items() const {
    std::vector<T> out;
    for (const auto& v : call(manager::Op::list_items).values) out.push_back(decoded<T>(v));
    return out;
  }
};

// Settings of a queue, used when it is first created.
struct QueueOptions {
  std::uint64_t capacity = 0;  // 0 = unbounded; put() blocks while full
};

// A FIFO queue shared by processes, like multiprocessing.JoinableQueue.
template <class T>
class Queue : public detail::SharedHandle {
 public:
  Queue() : SharedHandle({}, {}, type_name<Queue>()) {}
  Queue(std::shared_ptr<ManagerLink> link, std::string name, QueueOptions options = {})
      : SharedHandle(std::move(link), std::move(name), type_name<Queue>()) {
    setting_ = options.capacity;
  }

  // Blocks while the queue is full. On an unbounded queue a worker does not
  // wait for the manager (as Python's put hands items to a feeder thread);
  // the items are in the queue by the time the task's result arrives.
  // Strings and bytes from this size on are posted as parts (post_parts).
  static constexpr std::size_t kPartsFrom = std::size_t{64} << 10;

  void put(const T& value) {
    if (setting_ == 0 && link_ && link_->can_post()) {
      // Once per worker and queue, a round trip checks that the name holds
      // this type: a refusal then fails this put, in the task, rather than
      // a posted put failing where nobody waits for it.
      if (!known_type()) {
        call(manager::Op::queue_size, {}, -1, setting_);
        mark_known_type();
      }
      if constexpr (detail::is_raw_bytes_v<T>) {
        const auto& raw = detail::raw_bytes(value);
        if (raw.size() >= kPartsFrom) {  // sent from where it lies, not encoded into a buffer first
          thread_local std::string head, tail;
          const std::string_view bytes(reinterpret_cast<const char*>(raw.data()), raw.size());
          manager::encode_raw_arg_parts(head, tail, manager::Op::queue_put, name_, type_, -1, 0, bytes);
          const std::string_view parts[] = {head, bytes, tail};
          link_->post_parts(parts);
          return;
        }
      }
      // Puts come in floods: encode each straight into this thread's request
      // buffer, the item in place. A big buffer is let go afterwards.
      thread_local std::string bytes;
      bytes.clear();
      manager::encode_with_arg_into(bytes, manager::Op::queue_put, name_, type_, -1, 0,
                                    [&](std::string& out) { codec::encode_into(out, value); });
      link_->post(bytes);
      if (bytes.capacity() > (std::size_t{1} << 20)) std::string().swap(bytes);
      return;
    }
    // The host's own link applies the put at once: a refusal (a name used
    // with another type) is thrown here rather than lost.
    call(manager::Op::queue_put, {codec::encode(value)}, -1, setting_);
  }
  // Waits at most timeout for room; false when the queue stayed full.
  template <class Rep, class Period>
  bool put(const T& value, std::chrono::duration<Rep, Period> timeout) {
    return call(manager::Op::queue_put, {codec::encode(value)}, detail::to_ms(timeout), setting_).status ==
           manager::Status::ok;
  }
  // Blocks until an item arrives.
  T get() { return taken<T>(call(manager::Op::queue_get, {}, -1, setting_).value(0)); }
  // Waits at most timeout; nullopt when the queue stayed empty (Python raises queue.Empty).
  template <class Rep, class Period>
  std::optional<T> get(std::chrono::duration<Rep, Period> timeout) {
    auto r = call(manager::Op::queue_get, {}, detail::to_ms(timeout), setting_);
    if (r.status != manager::Status::ok) return std::nullopt;
    return taken<T>(r.value(0));
  }
  // An item if one is there now.
  std::optional<T> get_nowait() { return get(std::chrono::milliseconds(0)); }
  std::size_t size() const { return decoded<std::uint64_t>(call(manager::Op::queue_size, {}, -1, setting_).values.at(0)); }
  bool empty() const { return size() == 0; }
  // Marks one item taken with get() as processed (JoinableQueue).
  void task_done() { call(manager::Op::queue_task_done, {}, -1, setting_); }
  // Blocks until every item put has been marked done.
  void join() { call(manager::Op::queue_join, {}, -1, setting_); }
};

// A lock shared by processes, like multiprocessing.Lock: any process may
// release it, and a worker that dies holding it releases it. When the
// engine's manager keeps it in shared memory (the host's own locks), taking
// and releasing it costs no round trip; a broker's locks ask the broker.
class Lock : public detail::SharedHandle {
 public:
  Lock() : SharedHandle({}, {}, "lock") {}
  Lock(std::shared_ptr<ManagerLink> link, std::string name)
      : SharedHandle(std::move(link), std::move(name), "lock"), mapped_(detail::mapped_lock(link_, name_)) {}

  void acquire() {
    if (mapped_) mapped_->word.acquire(mapped_->tag, -1, name_);
    else call(manager::Op::lock_acquire);
  }
  // Waits at most timeout; false when the lock stayed taken.
  template <class Rep, class Period>
  bool acquire(std::chrono::duration<Rep, Period> timeout) {
    if (mapped_) return mapped_->word.acquire(mapped_->tag, detail::to_ms(timeout), name_);
    return call(manager::Op::lock_acquire, {}, detail::to_ms(timeout)).status == manager::Status::ok;
  }
  // Throws ManagerError when the lock is not held.
  void release() {
    if (!mapped_) {
      call(manager::Op::lock_release);
      return;
    }
    link_->settle();
    if (!mapped_->word.release()) throw ManagerError("release of lock '" + name_ + "', which is not locked");
  }
  // Cereal: as every handle, by name; decoding also maps the lock's word.
  template <class Archive>
  void load(Archive& ar) {
    SharedHandle::load(ar);
    mapped_ = detail::mapped_lock(link_, name_);
  }
  // BasicLockable, for std::lock_guard / std::scoped_lock.
  void lock() { acquire(); }
  void unlock() { release(); }

 private:
  std::shared_ptr<const detail::MappedLock> mapped_;  // null: every call asks the manager
};

// An event shared by processes, like multiprocessing.Event.
class Event : public detail::SharedHandle {
 public:
  Event() : SharedHandle({}, {}, "event") {}
  Event(std::shared_ptr<ManagerLink> link, std::string name) : SharedHandle(std::move(link), std::move(name), "event") {}

  void set() { call(manager::Op::event_set); }
  void clear() { call(manager::Op::event_clear); }
  bool is_set() const { return call(manager::Op::event_is_set).status == manager::Status::ok; }
  // Blocks until the event is set.
  void wait() { call(manager::Op::event_wait); }
  // Waits at most timeout; true when the event is set.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) {
    return call(manager::Op::event_wait, {}, detail::to_ms(timeout)).status == manager::Status::ok;
  }
};

// A counting semaphore shared by processes, like multiprocessing.Semaphore.
// The initial value applies when this handle's first use creates it.
class Semaphore : public detail::SharedHandle {
 public:
  Semaphore() : SharedHandle({}, {}, "semaphore") {}
  Semaphore(std::shared_ptr<ManagerLink> link, std::string name, std::int64_t initial = 1)
      : SharedHandle(std::move(link), std::move(name), "semaphore") {
    setting_ = static_cast<std::uint64_t>(std::max<std::int64_t>(0, initial));
  }

  void acquire() { call(manager::Op::semaphore_acquire, {}, -1, setting_); }
  // Waits at most timeout; false when the count stayed at zero.
  template <class Rep, class Period>
  bool acquire(std::chrono::duration<Rep, Period> timeout) {
    return call(manager::Op::semaphore_acquire, {}, detail::to_ms(timeout), setting_).status == manager::Status::ok;
  }
  void release() { call(manager::Op::semaphore_release, {}, -1, setting_); }
  std::int64_t value() const {
    return decoded<std::int64_t>(call(manager::Op::semaphore_value, {}, -1, setting_).values.at(0));
  }
  void lock() { acquire(); }
  void unlock() { release(); }
};

// A barrier for a fixed number of parties, like multiprocessing.Barrier.
// A waiter that times out or dies breaks it: every other waiter then fails.
class Barrier : public detail::SharedHandle {
 public:
  Barrier() : SharedHandle({}, {}, "barrier") {}
  Barrier(std::shared_ptr<ManagerLink> link, std::string name, std::uint64_t parties)
      : SharedHandle(std::move(link), std::move(name), "barrier") {
    setting_ = parties;
  }

  // Waits for all parties; returns this caller's arrival index (0 .. parties-1).
  std::uint64_t wait() { return decoded<std::uint64_t>(call(manager::Op::barrier_wait, {}, -1, setting_).values.at(0)); }
  // Waits at most timeout; nullopt when it ran out (the barrier is then broken).
  template <class Rep, class Period>
  std::optional<std::uint64_t> wait(std::chrono::duration<Rep, Period> timeout) {
    auto r = call(manager::Op::barrier_wait, {}, detail::to_ms(timeout), setting_);
    if (r.status != manager::Status::ok) return std::nullopt;
    return decoded<std::uint64_t>(r.values.at(0));
  }
};

}  // namespace ferry
