// ferry::SharedValue<T> and ferry::SharedArray<T>: trivially copyable data
// in a shared memory segment (a memfd, so nothing ever appears in /dev/shm)
// mapped into every process that holds a handle, with a robust
// process-shared mutex: a worker that dies holding it cannot leave it locked.
// Python's multiprocessing.Value and Array.
#pragma once

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <ferry/detail/segment.hpp>
#include <ferry/errors.hpp>
#include <ferry/shared.hpp>
#include <ferry/signature.hpp>

namespace ferry {
namespace detail {

// Common part of SharedValue and SharedArray: an id, a mapping, a lock.
template <class T>
class SharedMemoryHandle : public BindsToLink {
  static_assert(std::is_trivially_copyable_v<T>, "shared memory holds trivially copyable types only");

 public:
  SharedMemoryHandle() = default;
  SharedMemoryHandle(std::uint64_t id, std::shared_ptr<Segment> segment) : id_(id), segment_(std::move(segment)) {}

  // The segment's robust mutex, a BasicLockable: std::lock_guard g(h.get_lock()).
  // In a task, what the task posted to the manager (dict sets, queue puts)
  // takes effect first, so whoever sees what it writes under the lock also
  // sees those.
  Segment& get_lock() const {
    settle();
    return const_cast<Segment&>(checked());
  }

  // Cereal: travels as its segment id; decoding maps the segment through the
  // worker's manager link and checks its element type.
  template <class Archive>
  void save(Archive& ar) const { ar(id_); }
  template <class Archive>
  void load(Archive& ar) {
    ar(id_);
    auto link = current_link();
    if (!link) throw ManagerError("shared memory arrived without a manager connection");
    segment_ = map_segment(link, id_);
    if (link->can_post()) link_ = link;
    const std::string want = type_name<T>();
    if (want != segment_->header().type || segment_->header().elem_size != sizeof(T))
      throw ManagerError("shared memory holds " + std::string(segment_->header().type) + ", not " + want);
  }

 protected:
  const Segment& checked() const {
    if (!segment_) throw ManagerError("shared memory handle is empty");
    return *segment_;
  }
  T* ptr() const { return static_cast<T*>(checked().data()); }
  // Before a write: the task's posted requests take effect first.
  void settle() const {
    if (link_) link_->settle();
  }

  std::uint64_t id_ = 0;
  std::shared_ptr<Segment> segment_;
  std::shared_ptr<ManagerLink> link_;  // a worker's link, which can post; else null
};

}  // namespace detail

// One T in shared memory. value() and set() lock individually, as Python's
// Value does; a read-modify-write needs get_lock() or add().
template <class T>
class SharedValue : public detail::SharedMemoryHandle<T> {
 public:
  using detail::SharedMemoryHandle<T>::SharedMemoryHandle;

  T value() const {
    std::lock_guard g(this->checked());
    return *this->ptr();
  }
  void set(const T& v) {
    this->settle();
    std::lock_guard g(this->checked());
    *this->ptr() = v;
  }
  // Adds delta under the lock; returns the new value.
  T add(const T& delta) {
    this->settle();
    std::lock_guard g(this->checked());
    return *this->ptr() += delta;
  }
  // The value itself, for use while holding get_lock().
  T& unsynchronized() { return *this->ptr(); }
};

// count Ts in shared memory. get and set lock individually; span() is raw
// access for use while holding get_lock().
template <class T>
class SharedArray : public detail::SharedMemoryHandle<T> {
 public:
  using detail::SharedMemoryHandle<T>::SharedMemoryHandle;

  // The header's count, but never past the mapping: any process holding
  // the segment can scribble on its header.
  std::size_t size() const {
    const auto& segment = this->checked();
    return static_cast<std::size_t>(std::min<std::uint64_t>(segment.header().count, segment.data_bytes() / sizeof(T)));
  }
  T get(std::size_t i) const {
    check(i);
    std::lock_guard g(this->checked());
    return this->ptr()[i];
  }
  void set(std::size_t i, const T& v) {
    check(i);
    this->settle();
    std::lock_guard g(this->checked());
    this->ptr()[i] = v;
  }
  // A copy of every element, taken under the lock.
  std::vector<T> to_vector() const {
    std::lock_guard g(this->checked());
    return std::vector<T>(this->ptr(), this->ptr() + size());
  }
  std::span<T> span() { return {this->ptr(), size()}; }

 private:
  void check(std::size_t i) const {
    if (i >= size()) throw ManagerError("shared array index " + std::to_string(i) + " out of range");
  }
};

template <class T>
struct type_name_override<SharedValue<T>> {
  static inline const std::string name = "shared_value<" + type_name<T>() + ">";
};
template <class T>
struct type_name_override<SharedArray<T>> {
  static inline const std::string name = "shared_array<" + type_name<T>() + ">";
};

}  // namespace ferry
