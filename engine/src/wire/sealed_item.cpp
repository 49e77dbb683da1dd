#include "wire/sealed_item.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <ferry/manager_codec.hpp>

namespace ferry::wire {
namespace {
constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
}  // namespace

std::optional<SplitPut> split_large_put(std::string_view request) {
  if (request.size() < kSealFrom) return std::nullopt;
  manager::Request head;
  std::string_view item;
  try {
    manager::codec_detail::read_request(request, head, [&](ferry::detail::ByteReader& in) {
      if (in.count(wire_format::kLengthSize) == 1) item = in.view();
    });
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (head.op != manager::Op::queue_put || item.size() < kSealFrom) return std::nullopt;
  head.args.emplace_back();
  return SplitPut{manager::encode(head), item};
}

int seal_into_memfd(std::string_view bytes) {
  const int fd = ::memfd_create("ferry-item", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -1;
  // write(), not a mapping: a writable mapping would forbid F_SEAL_WRITE.
  while (!bytes.empty()) {
    const ssize_t w = ::write(fd, bytes.data(), bytes.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ::close(fd);
      return -1;
    }
    bytes.remove_prefix(static_cast<std::size_t>(w));
  }
  if (::fcntl(fd, F_ADD_SEALS, kSeals) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::shared_ptr<const detail::SealedBytes> map_sealed(int fd, std::string& error) {
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & kSeals) != kSeals) {
    error = "a large item came in a descriptor that is not a sealed memfd";
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    error = "a large item came in an empty memfd";
    return nullptr;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  // Populated now, in one go, rather than a page fault per 4 KiB on reading.
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (p == MAP_FAILED) {
    error = std::string("cannot map a large item: ") + std::strerror(errno);
    return nullptr;
  }
  try {
    return std::make_shared<const detail::SealedBytes>(p, size);
  } catch (...) {
    ::munmap(p, size);
    throw;
  }
}

}  // namespace ferry::wire
