// A large queue item the manager keeps as it arrived: the frame a worker's
// put came in, the item a view into it, so 10 MB are not copied out of the
// frame, into the queue, or into a reply. The queue holding it and the
// host's get decoding from it share it; when the last lets go, the frame's
// buffer goes back to whoever received it (a recycler), its pages already
// faulted in, for the next large frame.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace ferry::detail {

class HeldBytes {
 public:
  // Takes frame over; the bytes are [offset, offset + size) of it.
  // give_back, if any, receives frame when this object goes.
  HeldBytes(std::string frame, std::size_t offset, std::size_t size, std::function<void(std::string&&)> give_back = {})
      : frame_(std::move(frame)), offset_(offset), size_(size), give_back_(std::move(give_back)) {}
  ~HeldBytes() {
    if (!give_back_) return;
    try {
      give_back_(std::move(frame_));
    } catch (...) {  // no memory to keep it: it is simply freed
    }
  }
  HeldBytes(const HeldBytes&) = delete;
  HeldBytes& operator=(const HeldBytes&) = delete;

  // The bytes, valid while this object lives.
  std::string_view view() const noexcept { return std::string_view(frame_).substr(offset_, size_); }

 private:
  std::string frame_;
  std::size_t offset_, size_;
  std::function<void(std::string&&)> give_back_;
};

}  // namespace ferry::detail
