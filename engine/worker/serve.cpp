#include "serve.hpp"
#include "host_services.hpp"

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

void append_output(void* state, const std::uint8_t* data, std::uint64_t size) {
  static_cast<std::string*>(state)->append(reinterpret_cast<const char*>(data), size);
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
    thread_local std::vector<std::uint32_t> input_ends;  // for items sent as one size
    thread_local std::vector<std::int32_t> statuses;
    ends.resize(n);
    statuses.resize(n);
    const ferry_batch_v1 batch{sizeof(ferry_batch_v1), req.flags & FERRY_CALL_VALUE, n,
                               reinterpret_cast<const std::uint8_t*>(req.items.bytes().data()),
                               req.items.ends(input_ends).data(), ferry_sink_v1{&out, &append_output}, ends.data(),
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
    state.manager->accept_lane();
    state.feeder = std::make_unique<PostFeeder>(options.manager_fd, state.manager->sent_bytes());
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
