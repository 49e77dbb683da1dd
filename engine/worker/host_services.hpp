// What a worker offers a running task through ferry_host_v1 (its state is
// a HostState): log lines, requests to the manager (sent, or posted and
// synced when the call ends), and the manager's shared descriptors.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <ferry/abi.h>

#include "log_limiter.hpp"
#include "post_feeder.hpp"
#include "wire/frame.hpp"
#include "wire/messages.hpp"
#include "wire/spin_policy.hpp"

namespace ferry::worker {

inline constexpr std::uint64_t kNoItem = ~std::uint64_t{0};

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

// The item a log line comes from, as LogLine says it: -1 unknown.
std::int64_t item_of(const HostState& s);

// Tells the host how many lines the rate limit dropped since the last
// report, if any: a second after the first drop, then at most once a
// second, and whatever the time when the worker is about to exit (last,
// or the count would be lost). send_mu held.
void report_dropped(HostState& s, bool last);

// ferry_host_v1::log.
void send_log(void* state, std::int32_t level, const char* message, std::uint64_t size) noexcept;
// ferry_host_v1::manager: one encoded request; with reply null it is posted.
std::int32_t manager_call(void* state, const std::uint8_t* request, std::uint64_t size, ferry_sink_v1* reply) noexcept;
// ferry_host_v1::manager_parts: the same, the request given as parts.
std::int32_t manager_parts(void* state, const ferry_span_v1* parts, std::uint32_t count, ferry_sink_v1* reply) noexcept;
// ferry_host_v1::open_descriptor.
std::int32_t open_descriptor(void* state, std::uint64_t id, std::int32_t* fd) noexcept;

// What a sync found: why a post was refused or may not have reached the
// manager (empty when all took effect), and the items that had posted.
struct PostsOutcome {
  std::string failed;
  std::vector<std::int64_t> posted_by;
};

// Waits until the manager has applied every request this worker posted, so
// a task's puts are visible before its result is.
PostsOutcome sync_posts(HostState& s);

// A post refused (or lost) is learnt only once the call has run: each item
// that posted, and otherwise succeeded, fails with why rather than succeed
// with a put of it missing. (A worker's first put to a queue is not posted,
// so a queue of another type is refused at the put itself.)
void fail_posters(wire::CallReply& reply, const PostsOutcome& posts);

}  // namespace ferry::worker
