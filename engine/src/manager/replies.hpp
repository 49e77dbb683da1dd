// What every holder of shared objects answers with, and the value
// arithmetic they share: the engine's Store and a distributed run's objects
// on a Redis broker reply alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <ferry/manager_protocol.hpp>

namespace ferry::manager {

// Who performs an operation: 0 is the host itself, others are worker
// connections, so that what a dead worker held can be given back.
using ClientId = std::uint64_t;

Reply ok(std::vector<std::string> values = {});
// A reply of one value. Not ok({value}): an initializer list's elements are
// const, so that copies the value twice, and a queue's 10 MB item with it.
Reply ok_with(std::string value);
Reply missing();
Reply timed_out();
Reply error(std::string message);

// "dict", "list", "queue", "lock", "event", "semaphore" or "barrier": the
// kind of object op works on.
const char* kind_of(Op op);
// "dict<str,map<str,i64>>" -> "map<str,i64>": the value type after the
// top-level comma.
std::string dict_value_type(const std::string& type);
// current (null: missing, counts as 0) + delta, both encoded as the numeric
// signature type; throws ferry::ValueError on other types.
std::string add_numbers(const std::string& type, const std::string* current, const std::string& delta);
// A list operation's index argument.
std::size_t index_arg(const Request& r);

// Where named-object requests go: the engine's Store, or a distributed
// run's objects on the broker (Server::route_objects).
class ObjectBackend {
 public:
  virtual ~ObjectBackend() = default;
  // Performs one request for client; never throws: problems are replies.
  virtual Reply handle(Request&& request, ClientId client) = 0;
  // The client is gone: the locks it held are released.
  virtual void release_client(ClientId client) = 0;
};

}  // namespace ferry::manager
