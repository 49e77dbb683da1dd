// ferry::ManagerLink: how shared-object handles reach the manager that
// holds the objects.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <ferry/errors.hpp>
#include <ferry/manager_protocol.hpp>

namespace ferry {

// How a handle reaches the manager: in-process in the host, over the
// worker's manager socket in a plugin. Implementations are thread-safe.
class ManagerLink {
 public:
  virtual ~ManagerLink() = default;
  // Performs one request; throws ferry::ManagerError when the manager is gone.
  virtual manager::Reply call(const manager::Request& request) = 0;
  // Whether post() works: a worker's link can post; the host's applies
  // every request at once through call().
  virtual bool can_post() const { return false; }
  // Sends a request whose reply nobody waits for (a put on an unbounded
  // queue), already encoded (manager_codec.hpp). It takes effect in order
  // with later calls, and before the task's result reaches the host; if it
  // fails, the item that posted it fails when the task ends.
  virtual void post(std::string_view /*request*/) { throw ManagerError("this manager link cannot post requests"); }
  // As post(), the request given as parts that join, in order, into its
  // encoding (a large item is then sent from where it lies).
  virtual void post_parts(std::span<const std::string_view> parts) {
    std::string joined;
    for (auto part : parts) joined += part;
    post(joined);
  }
  // A new descriptor, owned by the caller, for the descriptor the manager
  // shares as id (a shared memory segment, a pipe end); throws
  // ferry::ManagerError when there is none.
  virtual int open_descriptor(std::uint64_t id) = 0;
  // Returns once every request posted so far has taken effect (a lock
  // released without a round trip must not overtake a posted put).
  virtual void settle() {}
  // Whether a request on the object name of signature type has succeeded
  // through this link: a write that cannot fail once the name is known to
  // hold that type (a dict set) may then be posted.
  virtual bool verified(std::string_view /*name*/, std::string_view /*type*/) const { return false; }
  // Records that a request on name of type succeeded.
  virtual void mark_verified(std::string_view /*name*/, std::string_view /*type*/) {}
};

}  // namespace ferry
