#include "manager/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <span>
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
  // Small requests and replies then skip the socket (wire/lane.hpp); a
  // host that cannot make the page serves through the socket alone.
  session->channel->offer_lane();
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
// request's strings are reused: a burst of posts decodes into the same few.
void take_request(wire::Frame& frame, Request& request, std::shared_ptr<const detail::HeldBytes>& held,
                  const std::shared_ptr<detail::BufferRecycler>& recycler) {
  if (frame.payload.size() < kHoldFrom) {
    wire::decode(std::string_view(frame.payload), request);
    return;
  }
  std::string_view only;  // the argument when there is just one
  codec_detail::read_request(frame.payload, request, [&](ferry::detail::ByteReader& in) {
    request.args.resize(in.count(wire_format::kLengthSize));
    if (request.args.size() == 1) only = in.view();
    else
      for (auto& a : request.args) in.string(a);
  });
  if (request.args.size() != 1) return;
  if (request.op != Op::queue_put || only.size() < kHoldFrom) {
    request.args[0].assign(only);
    return;
  }
  const auto offset = static_cast<std::size_t>(only.data() - frame.payload.data());
  std::weak_ptr<detail::BufferRecycler> to = recycler;
  held = std::make_shared<const detail::HeldBytes>(std::move(frame.payload), offset, only.size(),
                                                   [to](std::string&& buffer) {
                                                     if (auto r = to.lock()) r->give_as_is(std::move(buffer));
                                                   });
  frame.payload.clear();
}

bool is_post(wire::FrameKind kind) { return kind == wire::FrameKind::manager_post; }

bool is_request(wire::FrameKind kind) { return kind == wire::FrameKind::manager_request; }

// A request decoded into again and again keeps its arguments' room, unless
// it was a dict update of thousands.
void keep_room_small(Request& request) {
  if (request.args.capacity() > 16) request.args = {};
}

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
  // Posts taken per hold of the store's lock: enough to make the lock's
  // cost per item vanish, few enough that a getter waits microseconds.
  constexpr std::size_t kMaxPostBurst = 64;
  wire::Channel& channel = *s.channel;
  wire::Frame frame;
  std::string failed_post;  // the first posted request that failed, told on the next sync
  std::vector<Store::Post> posts(kMaxPostBurst);  // decoded into again and again
  std::size_t taken = 0;                          // posts of the burst so far
  Request request;                                // a request (not a post), decoded into again and again
  wire::SpinPolicy spin;                          // a worker's requests come in bursts
  // Applies the posts taken so far, in order.
  auto apply_posts = [&] {
    std::string failed;
    const std::span<Store::Post> burst(posts.data(), taken);
    if (s.objects) {
      for (auto& p : burst) {
        Reply r = perform(s, std::move(p.request), std::move(p.held), true);
        if (r.status == Status::error && failed.empty()) failed = std::move(r.error);
      }
    } else {
      failed = store_->apply_posts(burst, s.client);
    }
    for (auto& p : burst) keep_room_small(p.request);
    taken = 0;
    if (!failed.empty() && failed_post.empty()) failed_post = "a posted request failed: " + failed;
  };
  // The next frame; false when the worker is gone or sent something else.
  auto receive = [&] {
    return channel.receive(frame) == wire::ReceiveStatus::frame && (is_post(frame.kind) || is_request(frame.kind));
  };
  for (;;) {
    // Posted puts of a burst wake their getters once, before this thread
    // can sleep.
    if (!channel.has_complete_frame()) store_->wake_deferred();
    spin.before_wait(channel);
    if (!receive()) break;
    std::shared_ptr<const detail::HeldBytes> held;
    // A post, and the posts right behind it already in: one burst. A
    // request among them goes after the posts before it.
    bool broken = false;
    while (is_post(frame.kind)) {
      try {
        take_request(frame, posts[taken].request, posts[taken].held, recycler_);
        ++taken;
      } catch (const std::exception& e) {
        if (taken > 0) apply_posts();  // their failures, if any, came first
        if (failed_post.empty()) failed_post = std::string("a posted request failed: ") + e.what();
      }
      if (taken == kMaxPostBurst || !channel.has_complete_frame()) break;
      if (!receive()) {
        broken = true;
        break;
      }
    }
    if (taken > 0) apply_posts();
    if (broken || !close_stray_descriptors(channel)) break;
    if (is_post(frame.kind)) continue;
    Reply reply;
    int attach = -1;
    try {
      take_request(frame, request, held, recycler_);
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
    keep_room_small(request);
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
