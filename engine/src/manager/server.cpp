#include "manager/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/manager_codec.hpp>

#include "wire/frame.hpp"
#include "wire/messages.hpp"
#include "wire/spin_policy.hpp"

namespace ferry::manager {

// Owns its socket until it is destroyed, after its thread has been joined,
// so shutdown() through a guard never touches a reused descriptor.
struct Server::Session {
  ClientId client = 0;
  std::shared_ptr<ObjectBackend> objects;  // null: the store
  std::unique_ptr<wire::Channel> channel;
  std::thread thread;
  std::atomic<bool> finished{false};
};

Server::Server() : store_(std::make_shared<Store>()) {}

Server::~Server() {
  store_->shut_down();
  std::list<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(mu_);
    sessions.swap(sessions_);
  }
  for (auto& s : sessions) {
    ::shutdown(s->channel->fd(), SHUT_RDWR);  // wakes a thread blocked reading
    if (s->thread.joinable()) s->thread.join();
  }
}

void Server::route_objects(std::shared_ptr<ObjectBackend> objects) {
  std::lock_guard lock(mu_);
  objects_ = std::move(objects);
}

void Server::reap_finished() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if ((*it)->finished) {
      if ((*it)->thread.joinable()) (*it)->thread.join();
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

Connection Server::connect() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw Error(std::string("cannot create a manager socket: ") + std::strerror(errno));
  auto session = std::make_shared<Session>();
  session->channel = std::make_unique<wire::Channel>(fds[0]);
  session->channel->recycle_from(recycler_);
  {
    std::lock_guard lock(mu_);
    reap_finished();
    session->client = next_client_++;
    session->objects = objects_;
    sessions_.push_back(session);
  }
  try {
    session->thread = std::thread([this, s = session.get()] { serve(*s); });
  } catch (const std::system_error& e) {  // no thread to be had (limits): no worker either
    {
      std::lock_guard lock(mu_);
      sessions_.remove(session);
    }
    ::close(fds[1]);
    throw Error(std::string("cannot start a manager thread for a worker: ") + e.what());
  }
  // The guard outlives neither the store nor the session it points to.
  std::weak_ptr<Store> store = store_;
  std::weak_ptr<Session> weak = session;
  std::shared_ptr<void> guard(nullptr, [store, weak](void*) {
    if (auto st = store.lock()) {
      if (auto s = weak.lock()) {
        st->release_client(s->client);
        if (s->objects) s->objects->release_client(s->client);
        ::shutdown(s->channel->fd(), SHUT_RDWR);
      }
    }
  });
  return Connection{fds[1], std::move(guard)};
}

namespace {

// Queue items from this size on stay in the frame they came in; below it a
// copy costs less than keeping the whole frame.
constexpr std::size_t kHoldFrom = std::size_t{64} << 10;

// The request a frame carries. A queue put of one large item leaves it in
// the frame: held (detail::HeldBytes) takes the frame over, and the
// frame's buffer goes back to recycler once the item is gone.
Request take_request(wire::Frame& frame, std::shared_ptr<const detail::HeldBytes>& held,
                     const std::shared_ptr<detail::BufferRecycler>& recycler) {
  Request request;
  if (frame.payload.size() < kHoldFrom) {
    wire::decode(std::string_view(frame.payload), request);
    return request;
  }
  std::string_view only;  // the argument when there is just one
  codec_detail::read_request(frame.payload, request, [&](ferry::detail::ByteReader& in) {
    request.args.resize(in.count(wire_format::kLengthSize));
    if (request.args.size() == 1) only = in.view();
    else
      for (auto& a : request.args) in.string(a);
  });
  if (request.args.size() != 1) return request;
  if (request.op != Op::queue_put || only.size() < kHoldFrom) {
    request.args[0].assign(only);
    return request;
  }
  const auto offset = static_cast<std::size_t>(only.data() - frame.payload.data());
  std::weak_ptr<detail::BufferRecycler> to = recycler;
  held = std::make_shared<const detail::HeldBytes>(std::move(frame.payload), offset, only.size(),
                                                   [to](std::string&& buffer) {
                                                     if (auto r = to.lock()) r->give_as_is(std::move(buffer));
                                                   });
  frame.payload.clear();
  return request;
}

bool is_post(wire::FrameKind kind) { return kind == wire::FrameKind::manager_post; }

bool is_request(wire::FrameKind kind) { return kind == wire::FrameKind::manager_request; }

}  // namespace

// One request for a session: to the broker's objects or the store. A held
// item goes to the broker as bytes; the store keeps it as it is.
Reply Server::perform(Session& s, Request&& request, std::shared_ptr<const detail::HeldBytes> held,
                      bool defer_wake) {
  if (s.objects) {
    if (held) request.args[0].assign(held->view());
    return s.objects->handle(std::move(request), s.client);
  }
  return store_->handle(std::move(request), s.client, std::move(held), defer_wake);
}

void Server::serve(Session& s) {
  wire::Channel& channel = *s.channel;
  wire::Frame frame;
  std::string failed_post;  // the first posted request that failed, told on the next sync
  wire::SpinPolicy spin;    // a worker's requests come in bursts
  for (;;) {
    // Posted puts of a burst wake their getters once, before this thread
    // can sleep.
    if (!channel.has_complete_frame()) store_->wake_deferred();
    spin.before_wait(channel);
    if (channel.receive(frame) != wire::ReceiveStatus::frame || (!is_post(frame.kind) && !is_request(frame.kind)))
      break;
    std::shared_ptr<const detail::HeldBytes> held;
    if (is_post(frame.kind)) {
      Reply r;
      try {
        Request request = take_request(frame, held, recycler_);
        r = perform(s, std::move(request), std::move(held), channel.has_complete_frame());
      } catch (const std::exception& e) {
        r = Reply{Status::error, {}, e.what()};
      }
      if (r.status == Status::error && failed_post.empty()) failed_post = "a posted request failed: " + r.error;
      if (!close_stray_descriptors(channel)) break;
      continue;
    }
    Reply reply;
    int attach = -1;
    try {
      Request request = take_request(frame, held, recycler_);
      if (request.op == Op::sync) {
        if (request.capacity != kSyncKeepsFailure) {
          if (!failed_post.empty()) reply = Reply{Status::error, {}, std::move(failed_post)};
          failed_post.clear();
        }
      } else if (request.op == Op::descriptor_open) {
        std::uint64_t id = 0;
        codec::decode(request.args.at(0), id);
        attach = store_->descriptor_fd(id);
        reply.status = attach >= 0 ? Status::ok : Status::missing;
      } else {
        reply = perform(s, std::move(request), std::move(held), false);
      }
    } catch (const std::exception& e) {
      reply = Reply{Status::error, {}, std::string("bad manager request: ") + e.what()};
    }
    if (!close_stray_descriptors(channel)) break;
    // A worker's get of a held item: its bytes travel in the reply.
    if (reply.held) {
      reply.values.at(0).assign(reply.held->view());
      reply.held.reset();
    }
    if (!channel.send(wire::FrameKind::manager_reply, manager::encode(reply), attach)) break;
  }
  store_->wake_deferred();
  // The worker is gone or broke the protocol: give back what it held, and
  // end the connection, so a worker still waiting for a reply (a task wrote
  // junk to its socket) sees it closed instead of waiting forever.
  store_->release_client(s.client);
  if (s.objects) s.objects->release_client(s.client);
  ::shutdown(channel.fd(), SHUT_RDWR);
  s.finished = true;
}

bool Server::close_stray_descriptors(wire::Channel& channel) {
  // A task may attach descriptors to anything it writes to its manager
  // socket; none is taken, and they would pile up here. Once no frame is
  // partly in, every descriptor left came with a frame already served. A
  // worker that keeps its socket busy while piling up more than this is
  // cut off.
  constexpr std::size_t kMaxPending = 64;
  if (!channel.has_buffered_bytes())
    for (int fd; (fd = channel.take_fd()) >= 0;) ::close(fd);
  return channel.pending_fds() <= kMaxPending;
}

}  // namespace ferry::manager
