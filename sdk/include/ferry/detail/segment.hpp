// A shared memory segment: a memfd (so nothing ever appears in /dev/shm)
// that starts with a header holding a robust process-shared mutex, the
// element count and size, and the element type's signature. SharedValue,
// SharedArray and the manager's lock tables live in segments.
#pragma once

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include <ferry/errors.hpp>

namespace ferry::detail {

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
  // Bytes mapped after the header: what data() may be read through.
  std::size_t data_bytes() const { return bytes_ - kSegmentDataOffset; }

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
  const int fd = ::memfd_create("ferry-shared", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw ManagerError(std::string("cannot create shared memory: ") + std::strerror(errno));
  const std::size_t bytes = kSegmentDataOffset + count * elem_size;
  // Sealed at its size: a task that gets hold of the descriptor cannot
  // shrink the segment under the host, whose next access past the new end
  // would be a SIGBUS.
  if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0 ||
      ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
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

}  // namespace ferry::detail
