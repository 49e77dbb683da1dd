#include "serve.hpp"
#include "log_limiter.hpp"
#include "post_feeder.hpp"

#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <atomic>
#include <memory>
#include <mutex>

#include <ferry/abi.h>
#include <ferry/codec.hpp>
#include <ferry/context.hpp>
#include <ferry/errors.hpp>
#include <ferry/manager_codec.hpp>
#include <ferry/wire_format.hpp>

#include "plugin/loader.hpp"
#include "wire/call_progress.hpp"
#include "wire/frame.hpp"
#include "wire/messages.hpp"
#include "wire/spin_policy.hpp"

namespace ferry::worker {
namespace {

constexpr std::uint64_t kNoItem = ~std::uint64_t{0};

// Behind ferry_host_v1::state: what the worker offers a running task.
struct HostState {
  wire::Channel* channel = nullptr;
  const char* task = "";
  // What the log lines say about where they come from, and which go: set
  // per call from its request (CallRequest::log_level, log_rate).
  std::uint64_t call = 0;
  std::uint64_t item = kNoItem;  // index in the call; written by a task's batch entry too (ferry_batch_v1::current)
  std::int32_t log_level = 0;
  std::uint32_t log_rate = 0;
  LogLimiter log_limiter;  // guarded by send_mu
  std::int64_t last_drop_report_ns = 0;  // guarded by send_mu
  // Serialises frames on channel: a task's own threads may log while the
  // worker's thread sends.
  std::mutex send_mu;
  std::unique_ptr<wire::Channel> manager;  // null when the host runs no manager
  std::unique_ptr<PostFeeder> feeder;      // writes posts to manager's socket; declared after it: goes first
  std::mutex manager_mu;                   // a task's own threads may share it
  bool posted = false;                     // requests posted since the last sync; guarded by manager_mu
  // The items (item_of) that posted them, -1 for one unknown; guarded by manager_mu.
  std::vector<std::int64_t> posted_by;
  // The manager channel failed mid-request (a task wrote to or closed fd
  // 4, or the manager dropped it for junk): requests and replies can no
  // longer be matched, so this worker retires after the call. Guarded by
  // manager_mu; is_broken says the same without the lock, for run_call's
  // check after every item.
  std::string manager_broken;
  std::atomic<bool> is_broken{false};
  std::atomic<std::uint32_t> stop_batch{0};  // is_broken, as a batch reads it (ferry_batch_v1::stop)
  wire::SpinPolicy manager_spin;  // guarded by manager_mu
};

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

void append_output(void* state, const std::uint8_t* data, std::uint64_t size) {
  static_cast<std::string*>(state)->append(reinterpret_cast<const char*>(data), size);
}

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

// Sends one frame from this thread, after everything posted before it (the
// manager applies requests in order), its payload given as parts sent back
// to back; false, with the channel marked broken, when that fails. attach
// travels with it; the caller keeps it. manager_mu held.
bool send_after_posts(HostState& s, wire::FrameKind kind, std::span<const std::string_view> parts, int attach = -1) {
  if (!s.feeder->drain()) {
    broken(s, "a post failed");
    return false;
  }
  if (parts.size() == 1 ? s.manager->send(kind, parts[0], attach) : s.manager->send_parts(kind, parts)) return true;
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
    const auto op = parts.empty() || parts[0].empty() ? manager::Op{} : static_cast<manager::Op>(parts[0][0]);
    // A large post goes out from this thread, straight from its parts; so
    // does a dict set, which is followed by more requests of the task, not
    // by a flood of posts: it costs no wake-up of the feeder.
    if (size >= PostFeeder::kDirectPost || op == manager::Op::dict_set)
      return send_after_posts(s, wire::FrameKind::manager_post, parts) ? 0 : 1;
    if (parts.size() == 1) return s.feeder->post(parts[0]) ? 0 : broken(s, "a post failed");
    thread_local std::string joined;
    joined.clear();
    for (auto part : parts) joined += part;
    return s.feeder->post(joined) ? 0 : broken(s, "a post failed");
  }
  if (!send_after_posts(s, wire::FrameKind::manager_request, parts)) return 1;
  wire::Frame frame;
  if (!receive_reply(s, frame)) return 1;
  reply->write(reply->state, reinterpret_cast<const std::uint8_t*>(frame.payload.data()), frame.payload.size());
  return 0;
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

// What a sync found: why a post was refused or may not have reached the
// manager (empty when all took effect), and the items that had posted.
struct PostsOutcome {
  std::string failed;
  std::vector<std::int64_t> posted_by;
};

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

// What a reply frame carries besides the items' bytes: its head, and a
// status and an end offset per item.
constexpr std::size_t kReplyHead = 12, kReplyPerItem = 8;

// An item whose result alone cannot travel fails with a message that says
// so (not a worker that exits over it); its bytes are dropped.
[[gnu::noinline]] void refuse_oversized(std::string& out, std::size_t start, std::int32_t& status) {
  const std::size_t size = out.size() - start;
  if (size + kReplyHead + kReplyPerItem <= wire::kDefaultMaxFrame) return;
  out.resize(start);
  out.shrink_to_fit();  // may give back gigabytes kept for the next call
  const std::string what = (status == FERRY_OK ? "its encoded result is " : "its error text is ") + std::to_string(size) +
                           " bytes, more than the " + std::to_string(wire::kDefaultMaxFrame) +
                           " bytes (1 GiB) a reply can carry";
  out.append(wire_format::task_error("ferry::ResultTooLarge", what));
  status = FERRY_TASK_ERROR;
}

// The results of a call's first `done` items do not fit in one reply
// together: none is sent, each marked to run again in a smaller call.
// Out of line, like the others of the rare paths: the per-item path stays small.
[[gnu::noinline]] void drop_results(wire::CallReply& reply, std::size_t done) {
  std::string& out = reply.items.buffer();
  out.clear();
  out.shrink_to_fit();
  reply.items.clear();
  reply.status.assign(done, wire::kStatusReplyTooLarge);
  for (std::size_t k = 0; k < done; ++k) reply.items.seal();
}

// Items from `first` on did not run: each gets status and no bytes.
[[gnu::noinline]] void mark_rest(wire::CallReply& reply, std::size_t first, std::size_t n, std::int32_t status) {
  for (std::size_t i = first; i < n; ++i) {
    reply.status.push_back(status);
    reply.items.seal();
  }
}

// Runs every item of a call into reply, whose buffers are reused from call
// to call: a worker serving chunks of small items allocates nothing per item.
// With an item timeout, each item's start goes to the progress page first.
// Per item this costs two predictable branches beyond the call itself.
// Ends item i of n, whose output is out[start..) and status status, in the
// reply. An output that takes the reply past fits is refused if it alone is
// too large; if the reply still does not fit, nothing is sent and every
// item is marked to run again in a smaller call: false, and run_call returns.
bool seal_item(wire::CallReply& reply, std::string& out, std::size_t start, std::int32_t status, std::size_t i,
               std::size_t n, std::size_t fits) {
  if (out.size() > fits) [[unlikely]] {
    refuse_oversized(out, start, status);
    if (out.size() > fits) {  // each fits alone, not all together
      drop_results(reply, i);
      mark_rest(reply, i, n, wire::kStatusReplyTooLarge);
      return false;
    }
  }
  reply.status.push_back(status);
  reply.items.seal();
  return true;
}

void run_call(const plugin::LoadedPlugin& plugin, const wire::CallRequest& req, HostState& state,
              const ferry_host_v1& host, wire::ProgressWriter& progress, wire::CallReply& reply) {
  reply.id = req.id;
  reply.status.clear();
  reply.items.clear();
  const ferry_task_v1& task = plugin.descriptor().tasks[req.task];
  state.task = task.name;
  state.call = req.id;
  __atomic_store_n(&state.item, kNoItem, __ATOMIC_RELAXED);
  state.log_level = req.log_level;
  state.log_rate = req.log_rate;
  const std::size_t n = req.items.size();
  reply.status.reserve(n);
  std::string& out = reply.items.buffer();
  // Results adding up to this many bytes fit in the reply, whatever else.
  const std::size_t overhead = kReplyHead + kReplyPerItem * n;
  const std::size_t fits = overhead < wire::kDefaultMaxFrame ? wire::kDefaultMaxFrame - overhead : 0;
  std::size_t i = 0;
  // Without item timeouts (which need the progress page per item) the
  // task's batch entry, when it has one, runs them all in one call.
  if (task.invoke_batch && req.item_timeout_ns == 0 && n > 1) {
    thread_local std::vector<std::uint64_t> ends;
    thread_local std::vector<std::int32_t> statuses;
    ends.resize(n);
    statuses.resize(n);
    const ferry_batch_v1 batch{sizeof(ferry_batch_v1), req.flags & FERRY_CALL_VALUE, n,
                               reinterpret_cast<const std::uint8_t*>(req.items.bytes().data()),
                               req.items.ends().data(), ferry_sink_v1{&out, &append_output}, ends.data(),
                               statuses.data(), &host, task.name, fits,
                               reinterpret_cast<const std::uint32_t*>(&state.stop_batch), &state.item};
    const std::size_t ran = std::min<std::uint64_t>(task.invoke_batch(task.state, &batch), n);
    // Only the last item's output can have taken the reply past its limit.
    for (std::size_t k = 0; k + 1 < ran; ++k) {
      reply.status.push_back(statuses[k]);
      reply.items.seal_at(ends[k]);
    }
    if (ran > 0 && !seal_item(reply, out, ran > 1 ? ends[ran - 2] : 0, statuses[ran - 1], ran - 1, n, fits)) return;
    if (state.is_broken.load(std::memory_order_relaxed)) [[unlikely]] {
      mark_rest(reply, ran, n, wire::kStatusNotRun);  // they run on another worker
      return;
    }
    i = ran;
  }
  for (; i < n; ++i) {
    std::int64_t deadline = 0;
    if (req.item_timeout_ns > 0) deadline = progress.begin(req.id, static_cast<std::uint32_t>(i)) + req.item_timeout_ns;
    const std::string_view item = req.items[i];
    __atomic_store_n(&state.item, std::uint64_t{i}, __ATOMIC_RELAXED);
    const std::size_t start = out.size();
    ferry_call_v1 call{sizeof(ferry_call_v1), req.flags & FERRY_CALL_VALUE,
                       reinterpret_cast<const std::uint8_t*>(item.data()), item.size(),
                       ferry_sink_v1{&out, &append_output}, &host, task.name, deadline};
    if (!seal_item(reply, out, start, task.invoke(task.state, &call), i, n, fits)) return;
    if (state.is_broken.load(std::memory_order_relaxed)) [[unlikely]] {
      mark_rest(reply, i + 1, n, wire::kStatusNotRun);  // they run on another worker
      return;
    }
  }
}

// In Process mode the worker reports a failure the way Python's child does:
// on its own stderr, then exit code 1.
int exit_code_for(const wire::CallReply& reply, const char* task) {
  for (std::size_t i = 0; i < reply.status.size(); ++i) {
    if (reply.status[i] == FERRY_OK) continue;
    std::string text(reply.items[i]);
    if (reply.status[i] == FERRY_TASK_ERROR) {
      const auto error = wire_format::parse_task_error(reply.items[i]);
      if (error.typed) text = std::string(error.type) + ": " + std::string(error.message);
    }
    std::cout.flush();
    std::fprintf(stderr, "ferry-worker %d: task '%s' failed: %s\n", static_cast<int>(::getpid()), task, text.c_str());
    return 1;
  }
  return 0;
}

// The reply could not be sent: the host is gone (then nobody reads this),
// or a task closed or broke the protocol socket.
int lost_host(const wire::Channel& channel) {
  std::fprintf(stderr, "ferry-worker %d: cannot send a reply to the host: %s\n", static_cast<int>(::getpid()),
               channel.error().c_str());
  return wire::kExitLostHost;
}

}  // namespace

// This worker's protocol version; FERRY_TEST_PROTOCOL stands for a worker
// of another release in tests (tests/integration/loader_test.cpp).
std::uint32_t own_protocol() {
  const char* v = std::getenv("FERRY_TEST_PROTOCOL");
  return v ? static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10)) : wire::kProtocolVersion;
}

namespace {
// Says hello and serves calls until shutdown or end of stream.
int serve_calls(wire::Channel& channel, const Options& options, const plugin::LoadedPlugin& plugin);
}  // namespace

int serve(const Options& options) {
  wire::Channel channel(options.fd);
  // A host of another release is refused before anything else is said.
  const std::uint32_t protocol = own_protocol();
  if (auto why = wire::protocol_mismatch(protocol, options.protocol); !why.empty()) {
    channel.send(wire::FrameKind::load_failed, wire::encode(wire::LoadFailed{why}));
    return 2;
  }
  std::unique_ptr<plugin::LoadedPlugin> plugin;
  try {
    plugin = plugin::load(options.plugin_path);
  } catch (const PluginError& e) {
    channel.send(wire::FrameKind::load_failed, wire::encode(wire::LoadFailed{e.reason()}));
    return 2;
  } catch (const std::exception& e) {
    channel.send(wire::FrameKind::load_failed, wire::encode(wire::LoadFailed{e.what()}));
    return 2;
  }
  return serve_calls(channel, options, *plugin);
}

int serve_loaded(const Options& options, const plugin::LoadedPlugin& plugin) {
  wire::Channel channel(options.fd);
  return serve_calls(channel, options, plugin);
}

namespace {
int serve_calls(wire::Channel& channel, const Options& options, const plugin::LoadedPlugin& loaded) {
  const plugin::LoadedPlugin* plugin = &loaded;
  const auto& d = plugin->descriptor();
  // The progress page goes to the host with the hello, once.
  wire::ProgressWriter progress;
  wire::Hello hello{FERRY_ABI_VERSION, static_cast<std::int32_t>(::getpid()), d.name, d.version, plugin->tasks()};
  // FERRY_TEST_HELLO_PROTOCOL: a hello of another release, for the host's side of the check (tests).
  if (const char* v = std::getenv("FERRY_TEST_HELLO_PROTOCOL"))
    hello.protocol = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
  if (!channel.send(wire::FrameKind::hello, wire::encode(hello), progress.fd()))
    return 0;

  // Lives as long as the worker: handles a task keeps stay valid.
  HostState state;
  state.channel = &channel;
  if (options.manager_fd >= 0) {
    state.manager = std::make_unique<wire::Channel>(options.manager_fd);
    state.feeder = std::make_unique<PostFeeder>(options.manager_fd);
  }
  const ferry_host_v1 host{sizeof(ferry_host_v1), 0, &state, &send_log, &manager_call, &open_descriptor, &manager_parts, {}};
  wire::Frame frame;
  wire::CallRequest req;
  wire::CallReply reply;
  std::string head;  // the reply's fixed fields, reused
  for (;;) {
    switch (channel.receive(frame)) {
      case wire::ReceiveStatus::frame: break;
      case wire::ReceiveStatus::eof: return 0;  // the host closed: a normal stop
      default: return 4;
    }
    if (frame.kind == wire::FrameKind::shutdown) {
      std::lock_guard lock(state.send_mu);
      try {
        report_dropped(state, true);  // the host reads until this worker exits
      } catch (const std::exception&) {
      }
      return 0;
    }
    if (frame.kind != wire::FrameKind::call) return 4;
    try {
      wire::decode(std::move(frame.payload), req);
    } catch (const std::exception&) {
      return 4;
    }
    if (req.task >= d.task_count) return 4;
    run_call(*plugin, req, state, host, progress, reply);
    if (const PostsOutcome posts = sync_posts(state); !posts.failed.empty()) fail_posters(reply, posts);
    // Flush what the task printed before the host hears it finished.
    std::cout.flush();
    std::fflush(stdout);
    frame.payload = req.items.take_buffer();  // its capacity serves the next call
    {
      std::lock_guard lock(state.send_mu);
      try {
        report_dropped(state, req.flags & wire::kExitAfterCall);  // before the host hears the call ended
      } catch (const std::exception&) {
      }
      // Sent from the reply's own buffers, not joined into one first.
      if (!channel.send_parts(wire::FrameKind::reply, wire::encode_parts(head, reply))) return lost_host(channel);
    }
    if (req.flags & wire::kExitAfterCall) return exit_code_for(reply, d.tasks[req.task].name);
    std::lock_guard lock(state.manager_mu);
    if (!state.manager_broken.empty()) {
      // Calls the host sent after this one never ran here: it runs them on
      // a fresh worker, whose manager channel is whole.
      channel.send(wire::FrameKind::retiring, wire::encode(wire::Retiring{state.manager_broken}));
      return 0;
    }
  }
}
}  // namespace

}  // namespace ferry::worker
