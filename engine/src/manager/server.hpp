// The manager service: serves shared-object requests from workers, one
// thread per connected worker (a worker issues one request at a time, and a
// request may block, so a thread each keeps every wait independent).
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "manager/store.hpp"
#include "wire/buffer_recycler.hpp"

namespace ferry::wire {
class Channel;
}

namespace ferry::manager {

// A worker's connection to the manager. Hand worker_fd to the worker (the
// launcher dup2s it and closes it); dropping the guard, when the worker is
// gone, releases what the worker held and ends its serving thread.
struct Connection {
  int worker_fd = -1;
  std::shared_ptr<void> guard;
};

class Server {
 public:
  Server();
  ~Server();  // shuts the store down and joins every serving thread
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // A new connection for a worker about to start. Throws ferry::Error when
  // no socket can be made.
  Connection connect();

  // The store, for the host's own handles (client 0).
  std::weak_ptr<Store> store_ptr() const { return store_; }

  // Named-object requests of the connections made from now on go to
  // objects instead of the store (a distributed run's objects live on the
  // broker); shared memory and pipes stay the store's.
  void route_objects(std::shared_ptr<ObjectBackend> objects);

 private:
  struct Session;
  void serve(Session& session);
  // One request for a session, to the broker's objects or the store; a
  // held item goes to the broker as bytes. defer_wake: Store::handle.
  Reply perform(Session& session, Request&& request, std::shared_ptr<const detail::HeldBytes> held,
                bool defer_wake);
  // Closes descriptors no frame claimed; false when too many are pending
  // (the connection is then dropped).
  static bool close_stray_descriptors(wire::Channel& channel);
  void reap_finished();  // joins threads of sessions that ended; mu_ held

  std::shared_ptr<Store> store_;
  // The buffers of large frames whose items the store no longer holds, for
  // the sessions' next large frames (wire::Channel::recycle_from).
  std::shared_ptr<detail::BufferRecycler> recycler_ = std::make_shared<detail::BufferRecycler>();
  std::mutex mu_;
  std::list<std::shared_ptr<Session>> sessions_;  // guarded by mu_
  ClientId next_client_ = 1;                      // guarded by mu_
  std::shared_ptr<ObjectBackend> objects_;        // guarded by mu_; null: the store
};

}  // namespace ferry::manager
