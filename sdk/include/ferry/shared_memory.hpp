// ferry::SharedValue<T> and ferry::SharedArray<T>: trivially copyable data
// in a shared memory segment (a memfd, so nothing ever appears in /dev/shm)
// mapped into every process that holds a handle, with a robust
// process-shared mutex: a worker that dies holding it cannot leave it locked.
// Python's multiprocessing.Value and Array.
#pragma once

#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <ferry/errors.hpp>
#include <ferry/shared.hpp>
#include <ferry/signature.hpp>

namespace ferry {
namespace detail {

// The start of every segment; the data follows at kSegmentDataOffset.
struct SegmentHeader {
  pthread_mutex_t mutex;
  std::uint64_t count;      // elements
  std::uint64_t elem_size;  // bytes per element
  char type[256];           // signature of the element type, NUL-terminated
};
inline constexpr std::size_t kSegmentDataOffset = (sizeof(SegmentHeader) + 63) / 64 * 64;

// One mapping of a segment into this process; unmapped with the last handle.
class Segment {
 public:
  Segment(int fd, std::size_t bytes) : bytes_(bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) throw ManagerError(std::string("cannot map shared memory: ") + std::strerror(errno));
    base_ = static_cast<unsigned char*>(p);
  }
  ~Segment() { ::munmap(base_, bytes_); }
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  SegmentHeader& header() const { return *reinterpret_cast<SegmentHeader*>(base_); }
  void* data() const { return base_ + kSegmentDataOffset; }

  // Locks the robust mutex; if its holder died, takes it over and marks it
  // consistent (the data is as the dead holder left it).
  void lock() const {
    const int rc = ::pthread_mutex_lock(&header().mutex);
    if (rc == EOWNERDEAD) ::pthread_mutex_consistent(&header().mutex);
    else if (rc != 0) throw ManagerError(std::string("cannot lock shared memory: ") + std::strerror(rc));
  }
  void unlock() const { ::pthread_mutex_unlock(&header().mutex); }

 private:
  unsigned char* base_ = nullptr;
  std::size_t bytes_ = 0;
};

// Creates a memfd segment of count elements of elem_size bytes, with an
// initialised robust mutex. Returns the fd (CLOEXEC) and its mapping.
inline std::pair<int, std::shared_ptr<Segment>> create_segment(std::uint64_t count, std::uint64_t elem_size,
                                                               const std::string& type) {
  if (type.size() >= sizeof(SegmentHeader::type))
    throw ManagerError("shared memory element type name '" + type + "' is too long (255 characters at most)");
  const int fd = ::memfd_create("ferry-shared", MFD_CLOEXEC);
  if (fd < 0) throw ManagerError(std::string("cannot create shared memory: ") + std::strerror(errno));
  const std::size_t bytes = kSegmentDataOffset + count * elem_size;
  if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    const int err = errno;
    ::close(fd);
    throw ManagerError(std::string("cannot size shared memory: ") + std::strerror(err));
  }
  auto segment = std::make_shared<Segment>(fd, bytes);
  SegmentHeader& h = segment->header();
  pthread_mutexattr_t attr;
  ::pthread_mutexattr_init(&attr);
  ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  ::pthread_mutex_init(&h.mutex, &attr);
  ::pthread_mutexattr_destroy(&attr);
  h.count = count;
  h.elem_size = elem_size;
  std::strncpy(h.type, type.c_str(), sizeof h.type - 1);
  return {fd, std::move(segment)};
}

// Maps segment id of link into this process, once per process.
inline std::shared_ptr<Segment> open_descriptor(ManagerLink& link, std::uint64_t id) {
  static std::mutex mu;
  static std::map<std::uint64_t, std::weak_ptr<Segment>> cache;
  std::lock_guard lock(mu);
  if (auto s = cache[id].lock()) return s;
  const int fd = link.open_descriptor(id);
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
  ::close(fd);  // the mapping keeps the memory
  cache[id] = s;
  return s;
}

// Common part of SharedValue and SharedArray: an id, a mapping, a lock.
template <class T>
class SharedMemoryHandle : public BindsToLink {
  static_assert(std::is_trivially_copyable_v<T>, "shared memory holds trivially copyable types only");

 public:
  SharedMemoryHandle() = default;
  SharedMemoryHandle(std::uint64_t id, std::shared_ptr<Segment> segment) : id_(id), segment_(std::move(segment)) {}

  // The segment's robust mutex, a BasicLockable: std::lock_guard g(h.get_lock()).
  Segment& get_lock() const { return const_cast<Segment&>(checked()); }

  // Cereal: travels as its segment id; decoding maps the segment through the
  // worker's manager link and checks its element type.
  template <class Archive>
  void save(Archive& ar) const { ar(id_); }
  template <class Archive>
  void load(Archive& ar) {
    ar(id_);
    auto link = current_link();
    if (!link) throw ManagerError("shared memory arrived without a manager connection");
    segment_ = open_descriptor(*link, id_);
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

  std::uint64_t id_ = 0;
  std::shared_ptr<Segment> segment_;
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
    std::lock_guard g(this->checked());
    *this->ptr() = v;
  }
  // Adds delta under the lock; returns the new value.
  T add(const T& delta) {
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

  std::size_t size() const { return static_cast<std::size_t>(this->checked().header().count); }
  T get(std::size_t i) const {
    check(i);
    std::lock_guard g(this->checked());
    return this->ptr()[i];
  }
  void set(std::size_t i, const T& v) {
    check(i);
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
