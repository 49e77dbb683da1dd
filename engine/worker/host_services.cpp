#include "host_services.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <span>
#include <string_view>

#include <ferry/codec.hpp>
#include <ferry/context.hpp>
#include <ferry/manager_codec.hpp>

#include "wire/call_progress.hpp"

namespace ferry::worker {
namespace {

// Marks the channel unusable (manager_mu held); returns the ABI's
// "unreachable" code.
std::int32_t broken(HostState& s, const std::string& why) {
  if (s.manager_broken.empty()) s.manager_broken = why;
  s.is_broken.store(true, std::memory_order_relaxed);
  s.stop_batch.store(1, std::memory_order_relaxed);
  return 1;
}

// One reply frame from the manager; false (and the channel marked broken)
// on anything else.
bool receive_reply(HostState& s, wire::Frame& frame) {
  s.manager_spin.before_wait(*s.manager);
  const auto st = s.manager->receive(frame);
  if (st == wire::ReceiveStatus::frame && frame.kind == wire::FrameKind::manager_reply) return true;
  broken(s, st == wire::ReceiveStatus::frame ? "an unexpected frame on the manager channel"
            : st == wire::ReceiveStatus::eof ? "the manager closed its channel"
                                             : "the manager channel failed: " + s.manager->error());
  return false;
}

// Sends one frame from this thread, after everything posted before it (the
// manager applies requests in order), its payload given as parts sent back
// to back; false, with the channel marked broken, when that fails. attach
// travels with it; the caller keeps it. manager_mu held.
bool send_after_posts(HostState& s, wire::FrameKind kind, std::span<const std::string_view> parts, int attach = -1) {
  // Posts not yet written (a dict set waiting for a request to carry it)
  // go out in the same write.
  thread_local std::string posts;
  if (!s.feeder->take(posts)) {
    broken(s, "a post failed");
    return false;
  }
  const bool sent = s.manager->send_parts_after(posts, kind, parts, attach);
  if (posts.capacity() > PostFeeder::kMaxPending) std::string().swap(posts);
  if (sent) return true;
  broken(s, "the manager channel failed: " + s.manager->error());
  return false;
}

bool send_after_posts(HostState& s, wire::FrameKind kind, std::string_view payload, int attach = -1) {
  return send_after_posts(s, kind, std::span<const std::string_view>(&payload, 1), attach);
}

// One request to the manager, its encoding given as parts; with reply null
// it is posted. Nonzero when the manager is unreachable. manager_mu held.
std::int32_t manager_request(HostState& s, std::span<const std::string_view> parts, ferry_sink_v1* reply) {
  if (!s.manager_broken.empty()) return 1;
  std::size_t size = 0;
  for (auto part : parts) size += part.size();
  if (size > wire::kDefaultMaxFrame) return 1;
  if (!reply) {  // posted: no round trip now, one sync before the task's result goes out
    s.posted = true;
    if (const auto item = item_of(s); s.posted_by.empty() || s.posted_by.back() != item) s.posted_by.push_back(item);
    // A large post goes out from this thread, straight from its parts.
    if (size >= PostFeeder::kDirectPost) return send_after_posts(s, wire::FrameKind::manager_post, parts) ? 0 : 1;
    // A dict set is usually followed by more requests of the task (a get,
    // a lock's release, the call's end): it waits for the next one and
    // goes out with it, in one write (PostFeeder::post_lazy).
    const auto op = parts.empty() || parts[0].empty() ? manager::Op{} : static_cast<manager::Op>(parts[0][0]);
    const bool lazy = op == manager::Op::dict_set;
    std::string_view payload = parts.empty() ? std::string_view{} : parts[0];
    thread_local std::string joined;
    if (parts.size() > 1) {
      joined.clear();
      for (auto part : parts) joined += part;
      payload = joined;
    }
    const bool ok = lazy ? s.feeder->post_lazy(payload) : s.feeder->post(payload);
    return ok ? 0 : broken(s, "a post failed");
  }
  if (!send_after_posts(s, wire::FrameKind::manager_request, parts)) return 1;
  wire::Frame frame;
  if (!receive_reply(s, frame)) return 1;
  reply->write(reply->state, reinterpret_cast<const std::uint8_t*>(frame.payload.data()), frame.payload.size());
  return 0;
}

}  // namespace

// The item a log line comes from, as LogLine says it: -1 unknown.
std::int64_t item_of(const HostState& s) {
  // Written by the worker's thread or a task's batch entry while a task's
  // own thread may log: read and written as atomics (as the ABI asks).
  const std::uint64_t item = __atomic_load_n(&s.item, __ATOMIC_RELAXED);
  return item == kNoItem ? -1 : static_cast<std::int64_t>(std::min<std::uint64_t>(item, INT64_MAX));
}

// Tells the host how many lines the rate limit dropped since the last
// report, if any: a second after the first drop, then at most once a
// second, and whatever the time when the worker is about to exit (last,
// or the count would be lost). send_mu held.
void report_dropped(HostState& s, bool last) {
  if (s.log_limiter.dropped() == 0) return;
  const auto now = wire::monotonic_ns();
  if (s.last_drop_report_ns == 0) s.last_drop_report_ns = now;
  if (!last && now - s.last_drop_report_ns < 1'000'000'000) return;
  s.last_drop_report_ns = now;
  const auto n = s.log_limiter.take_dropped();
  const std::string text = "dropped " + std::to_string(n) + (n == 1 ? " log line" : " log lines") +
                           " of this worker (more than " + std::to_string(s.log_rate) + " a second)";
  s.channel->send(wire::FrameKind::log,
                  wire::encode(wire::LogLine{static_cast<std::int32_t>(LogLevel::warning), s.task, text, s.call, item_of(s), n}));
}

void send_log(void* state, std::int32_t level, const char* message, std::uint64_t size) noexcept {
  auto* s = static_cast<HostState*>(state);
  if (level < s->log_level) return;
  try {
    std::lock_guard lock(s->send_mu);
    if (!s->log_limiter.admit(s->log_rate, wire::monotonic_ns())) {
      report_dropped(*s, false);
      return;
    }
    report_dropped(*s, false);
    s->channel->send(wire::FrameKind::log,
                     wire::encode(wire::LogLine{level, s->task, std::string(message, size), s->call, item_of(*s), 0}));
  } catch (const std::exception&) {  // no memory for the line: it is dropped, the task goes on
  }
}

// ferry_host_v1::manager: one encoded request. Called through the C ABI:
// nothing may be thrown out of it.
std::int32_t manager_call(void* state, const std::uint8_t* request, std::uint64_t size, ferry_sink_v1* reply) noexcept {
  auto* s = static_cast<HostState*>(state);
  if (!s->manager) return 1;
  try {
    std::lock_guard lock(s->manager_mu);
    const std::string_view bytes(reinterpret_cast<const char*>(request), size);
    return manager_request(*s, std::span<const std::string_view>(&bytes, 1), reply);
  } catch (const std::exception&) {  // no memory or thread for the feeder: this request fails
    return 1;
  }
}

// ferry_host_v1::manager_parts: one request given as parts.
std::int32_t manager_parts(void* state, const ferry_span_v1* parts, std::uint32_t count, ferry_sink_v1* reply) noexcept {
  auto* s = static_cast<HostState*>(state);
  if (!s->manager || count > wire::kMaxFrameParts - 1) return 1;
  try {
    std::string_view views[wire::kMaxFrameParts];
    for (std::uint32_t i = 0; i < count; ++i) views[i] = {reinterpret_cast<const char*>(parts[i].data), parts[i].size};
    std::lock_guard lock(s->manager_mu);
    return manager_request(*s, std::span<const std::string_view>(views, count), reply);
  } catch (const std::exception&) {
    return 1;
  }
}

// Waits until the manager has applied every request this worker posted, so
// a task's puts are visible before its result is.
PostsOutcome sync_posts(HostState& s) {
  std::lock_guard lock(s.manager_mu);
  PostsOutcome out;
  if (!s.posted || !s.manager) return out;
  s.posted = false;
  out.posted_by.swap(s.posted_by);
  if (!s.manager_broken.empty()) {
    out.failed = "a posted request may be lost: " + s.manager_broken;
    return out;
  }
  manager::Request req;
  req.op = manager::Op::sync;
  wire::Frame frame;
  manager::Reply reply;
  if (!send_after_posts(s, wire::FrameKind::manager_request, manager::encode(req)) || !receive_reply(s, frame)) {
    out.failed = "a posted request may be lost: " + s.manager_broken;
  } else {
    try {
      manager::decode(frame.payload, reply);
      if (reply.status == manager::Status::error) out.failed = reply.error;
    } catch (const std::exception& e) {
      out.failed = std::string("a posted request may be lost: bad manager reply: ") + e.what();
    }
  }
  return out;
}

// A post refused (or lost) is learnt only once the call has run: each item
// that posted, and otherwise succeeded, fails with why rather than succeed
// with a put of it missing. (A worker's first put to a queue is not posted,
// so a queue of another type is refused at the put itself.)
void fail_posters(wire::CallReply& reply, const PostsOutcome& posts) {
  const bool all = std::find(posts.posted_by.begin(), posts.posted_by.end(), -1) != posts.posted_by.end();
  auto posted = [&](std::size_t i) {
    return all || std::find(posts.posted_by.begin(), posts.posted_by.end(), static_cast<std::int64_t>(i)) !=
                      posts.posted_by.end();
  };
  detail::ItemList items;
  for (std::size_t i = 0; i < reply.status.size(); ++i) {
    if (reply.status[i] == FERRY_OK && posted(i)) {
      reply.status[i] = FERRY_TASK_ERROR;
      items.push_back(posts.failed);
    } else {
      items.push_back(reply.items[i]);
    }
  }
  reply.items = std::move(items);
}

// Asks the manager for a shared memory segment; its descriptor comes back
// attached to the reply.
std::int32_t open_descriptor(void* state, std::uint64_t id, std::int32_t* fd) noexcept {
  auto* s = static_cast<HostState*>(state);
  if (!s->manager) return 1;
  try {
    std::lock_guard lock(s->manager_mu);
    if (!s->manager_broken.empty()) return 1;
    manager::Request req;
    req.op = manager::Op::descriptor_open;
    req.args.push_back(codec::encode(id));
    wire::Frame frame;
    if (!send_after_posts(*s, wire::FrameKind::manager_request, manager::encode(req)) || !receive_reply(*s, frame))
      return 1;
    *fd = s->manager->take_fd();
    return *fd >= 0 ? 0 : 1;
  } catch (const std::exception&) {
    return 1;
  }
}

}  // namespace ferry::worker
