#include "serve.hpp"
#include "post_feeder.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>

#include <ferry/abi.h>
#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/manager_codec.hpp>

#include "plugin/loader.hpp"
#include "wire/frame.hpp"
#include "wire/messages.hpp"

namespace ferry::worker {
namespace {

// Behind ferry_host_v1::state: what the worker offers a running task.
struct HostState {
  wire::Channel* channel = nullptr;
  const char* task = "";
  std::unique_ptr<wire::Channel> manager;  // null when the host runs no manager
  std::unique_ptr<PostFeeder> feeder;      // writes posts to manager's socket; declared after it: goes first
  std::mutex manager_mu;                   // a task's own threads may share it
  bool posted = false;                     // requests posted since the last sync; guarded by manager_mu
};

void append_output(void* state, const std::uint8_t* data, std::uint64_t size) {
  static_cast<std::string*>(state)->append(reinterpret_cast<const char*>(data), size);
}

void send_log(void* state, std::int32_t level, const char* message, std::uint64_t size) {
  auto* s = static_cast<HostState*>(state);
  s->channel->send(wire::FrameKind::log, wire::encode(wire::LogLine{level, s->task, std::string(message, size)}));
}

// One synchronous request to the manager; nonzero when it is unreachable.
std::int32_t manager_call(void* state, const std::uint8_t* request, std::uint64_t size, ferry_sink_v1* reply) {
  auto* s = static_cast<HostState*>(state);
  if (!s->manager) return 1;
  std::lock_guard lock(s->manager_mu);
  if (!reply) {  // posted: no round trip now, one sync before the task's result goes out
    s->posted = true;
    return s->feeder->post({reinterpret_cast<const char*>(request), size}) ? 0 : 1;
  }
  // Posted requests go first: the manager applies requests in order.
  if (!s->feeder->drain() || !s->manager->send(wire::FrameKind::manager_request, {reinterpret_cast<const char*>(request), size})) return 1;
  wire::Frame frame;
  if (s->manager->receive(frame) != wire::ReceiveStatus::frame || frame.kind != wire::FrameKind::manager_reply)
    return 1;
  reply->write(reply->state, reinterpret_cast<const std::uint8_t*>(frame.payload.data()), frame.payload.size());
  return 0;
}

// Waits until the manager has applied every request this worker posted, so
// a task's puts are visible before its result is; reports a failed post.
void sync_posts(HostState& s) {
  std::lock_guard lock(s.manager_mu);
  if (!s.posted || !s.manager) return;
  s.posted = false;
  if (!s.feeder->drain()) return;  // the manager is gone; the task's result still goes out
  manager::Request req;
  req.op = manager::Op::sync;
  wire::Frame frame;
  if (!s.manager->send(wire::FrameKind::manager_request, manager::encode(req)) ||
      s.manager->receive(frame) != wire::ReceiveStatus::frame || frame.kind != wire::FrameKind::manager_reply)
    return;
  manager::Reply reply;
  try {
    manager::decode(frame.payload, reply);
  } catch (const std::exception&) {
    return;
  }
  if (reply.status == manager::Status::error)
    std::fprintf(stderr, "ferry-worker %d: %s\n", static_cast<int>(::getpid()), reply.error.c_str());
}

// Asks the manager for a shared memory segment; its descriptor comes back
// attached to the reply.
std::int32_t open_descriptor(void* state, std::uint64_t id, std::int32_t* fd) {
  auto* s = static_cast<HostState*>(state);
  if (!s->manager) return 1;
  std::lock_guard lock(s->manager_mu);
  manager::Request req;
  req.op = manager::Op::descriptor_open;
  req.args.push_back(codec::encode(id));
  if (!s->feeder->drain() || !s->manager->send(wire::FrameKind::manager_request, manager::encode(req))) return 1;
  wire::Frame frame;
  if (s->manager->receive(frame) != wire::ReceiveStatus::frame || frame.kind != wire::FrameKind::manager_reply)
    return 1;
  *fd = s->manager->take_fd();
  return *fd >= 0 ? 0 : 1;
}

// Runs every item of a call into reply, whose buffers are reused from call
// to call: a worker serving chunks of small items allocates nothing per item.
void run_call(const plugin::LoadedPlugin& plugin, const wire::CallRequest& req, HostState& state,
              const ferry_host_v1& host, wire::CallReply& reply) {
  reply.id = req.id;
  reply.status.clear();
  reply.items.clear();
  const ferry_task_v1& task = plugin.descriptor().tasks[req.task];
  state.task = task.name;
  reply.status.reserve(req.items.size());
  std::string& out = reply.items.buffer();
  for (std::size_t i = 0; i < req.items.size(); ++i) {
    const std::string_view item = req.items[i];
    ferry_call_v1 call{sizeof(ferry_call_v1), req.flags & FERRY_CALL_VALUE,
                       reinterpret_cast<const std::uint8_t*>(item.data()), item.size(),
                       ferry_sink_v1{&out, &append_output}, &host, task.name, req.deadline_ns};
    reply.status.push_back(task.invoke(task.state, &call));
    reply.items.seal();
  }
}

// In Process mode the worker reports a failure the way Python's child does:
// on its own stderr, then exit code 1.
int exit_code_for(const wire::CallReply& reply, const char* task) {
  for (std::size_t i = 0; i < reply.status.size(); ++i) {
    if (reply.status[i] == FERRY_OK) continue;
    std::string text(reply.items[i]);
    if (reply.status[i] == FERRY_TASK_ERROR) {
      const auto nul = text.find('\0');
      if (nul != std::string::npos) text = text.substr(0, nul) + ": " + text.substr(nul + 1);
    }
    std::cout.flush();
    std::fprintf(stderr, "ferry-worker %d: task '%s' failed: %s\n", static_cast<int>(::getpid()), task, text.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int serve(const Options& options) {
  wire::Channel channel(options.fd);
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
  const auto& d = plugin->descriptor();
  if (!channel.send(wire::FrameKind::hello,
                    wire::encode(wire::Hello{FERRY_ABI_VERSION, static_cast<std::int32_t>(::getpid()), d.name,
                                             d.version, plugin->tasks()})))
    return 0;

  // Lives as long as the worker: handles a task keeps stay valid.
  HostState state;
  state.channel = &channel;
  if (options.manager_fd >= 0) {
    state.manager = std::make_unique<wire::Channel>(options.manager_fd);
    state.feeder = std::make_unique<PostFeeder>(options.manager_fd);
  }
  const ferry_host_v1 host{sizeof(ferry_host_v1), 0, &state, &send_log, &manager_call, &open_descriptor, {}};
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
    if (frame.kind == wire::FrameKind::shutdown) return 0;
    if (frame.kind != wire::FrameKind::call) return 4;
    try {
      wire::decode(std::move(frame.payload), req);
    } catch (const std::exception&) {
      return 4;
    }
    if (req.task >= d.task_count) return 4;
    run_call(*plugin, req, state, host, reply);
    sync_posts(state);
    // Flush what the task printed before the host hears it finished.
    std::cout.flush();
    std::fflush(stdout);
    frame.payload = req.items.take_buffer();  // its capacity serves the next call
    // Sent from the reply's own buffers, not joined into one first.
    if (!channel.send_parts(wire::FrameKind::reply, wire::encode_parts(head, reply))) return 0;
    if (req.flags & wire::kExitAfterCall) return exit_code_for(reply, d.tasks[req.task].name);
  }
}

}  // namespace ferry::worker
