// ferry::Context: what a running task can ask of the worker that runs it.
// A task receives one by declaring `ferry::Context&` as its first parameter.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include <ferry/abi.h>
#include <ferry/manager_codec.hpp>
#include <ferry/pipe.hpp>
#include <ferry/shared.hpp>
#include <ferry/shared_memory.hpp>

namespace ferry {

// Severity of a Context::log line.
enum class LogLevel : int { debug = 0, info = 1, warning = 2, error = 3 };

namespace detail {

inline void append_to_string(void* state, const std::uint8_t* data, std::uint64_t size) {
  static_cast<std::string*>(state)->append(reinterpret_cast<const char*>(data), size);
}

// Reaches the manager through the worker's ferry_host_v1::manager entry.
class HostManagerLink : public ManagerLink {
 public:
  static constexpr const char* kUnreachable =
      "the manager is unreachable: its engine is gone, or a task broke this worker's channel to it";
  explicit HostManagerLink(const ferry_host_v1* host) : host_(host) {}
  manager::Reply call(const manager::Request& request) override {
    require_manager();
    const std::string bytes = manager::encode(request);
    std::string out;
    ferry_sink_v1 sink{&out, &append_to_string};
    if (host_->manager(host_->state, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), &sink) != 0)
      throw ManagerError(kUnreachable);
    manager::Reply reply;
    manager::decode(out, reply);
    return reply;
  }
  bool can_post() const override { return true; }
  void post(std::string_view request) override {
    require_manager();
    if (host_->manager(host_->state, reinterpret_cast<const std::uint8_t*>(request.data()), request.size(), nullptr) !=
        0)
      throw ManagerError(kUnreachable);
    posted_.store(true, std::memory_order_relaxed);
  }
  void post_parts(std::span<const std::string_view> parts) override {
    if (!offers(offsetof(ferry_host_v1, manager_parts) + sizeof(host_->manager_parts)) || !host_->manager_parts ||
        parts.size() > kMaxParts)
      return ManagerLink::post_parts(parts);
    ferry_span_v1 spans[kMaxParts];
    for (std::size_t i = 0; i < parts.size(); ++i)
      spans[i] = {reinterpret_cast<const std::uint8_t*>(parts[i].data()), parts[i].size()};
    if (host_->manager_parts(host_->state, spans, static_cast<std::uint32_t>(parts.size()), nullptr) != 0)
      throw ManagerError(kUnreachable);
    posted_.store(true, std::memory_order_relaxed);
  }
  // A sync that leaves a failed post to be told when the task ends, as
  // it would have been without it.
  void settle() override {
    if (posted_.exchange(false, std::memory_order_relaxed))
      call(manager::Request{manager::Op::sync, {}, {}, {}, -1, manager::kSyncKeepsFailure});
  }
  bool verified(std::string_view name, std::string_view type) const override {
    const std::string_view key = verified_key(name, type);
    std::lock_guard lock(verified_mu_);
    return verified_.find(key) != verified_.end();
  }
  void mark_verified(std::string_view name, std::string_view type) override {
    const std::string_view key = verified_key(name, type);
    std::lock_guard lock(verified_mu_);
    if (verified_.size() < kMaxVerified) verified_.emplace(key);
  }
  int open_descriptor(std::uint64_t id) override {
    if (!offers(offsetof(ferry_host_v1, open_descriptor) + sizeof(host_->open_descriptor)) || !host_->open_descriptor)
      throw ManagerError("this worker cannot open shared memory or pipes");
    std::int32_t fd = -1;
    if (host_->open_descriptor(host_->state, id, &fd) != 0 || fd < 0)
      throw ManagerError("shared descriptor " + std::to_string(id) +
                         " (shared memory or a pipe end) is not available: its engine is gone?");
    return fd;
  }

 private:
  // Whether the host's struct, as it was compiled, reaches byte end: an
  // older worker's ferry_host_v1 may lack later entries.
  bool offers(std::size_t end) const { return host_ && host_->struct_size >= end; }
  void require_manager() const {
    if (!offers(offsetof(ferry_host_v1, manager) + sizeof(host_->manager)) || !host_->manager)
      throw ManagerError("this worker has no connection to a manager");
  }

  // Names whose type the manager confirmed (ManagerLink::verified); a
  // task making up names by the million stops adding at kMaxVerified.
  static constexpr std::size_t kMaxVerified = 4096;
  // One string for the pair, in this thread's buffer (no allocation per set).
  static std::string_view verified_key(std::string_view name, std::string_view type) {
    thread_local std::string key;
    key.assign(type);
    key += '\0';
    key += name;
    return key;
  }

  static constexpr std::size_t kMaxParts = 4;
  const ferry_host_v1* host_;
  std::atomic<bool> posted_{false};  // a post since the last settle()
  mutable std::mutex verified_mu_;
  std::set<std::string, std::less<>> verified_;  // type, NUL, name; guarded by verified_mu_
};

}  // namespace detail

// Valid only for the duration of the call it was passed to; not thread-safe
// (use it from the task's own thread). Shared-object handles it returns stay
// usable for the life of the worker.
class Context {
 public:
  explicit Context(const ferry_call_v1* call) : call_(call) {}

  // The name of the task being run.
  std::string_view task_name() const { return call_->task_name ? call_->task_name : ""; }

  // When the host will stop this call (a pool's or stage's timeout), as a
  // point on std::chrono::steady_clock (CLOCK_MONOTONIC, shared by every
  // process); nullopt when it has none. A long task can check it and wind
  // down in time instead of being killed.
  std::optional<std::chrono::steady_clock::time_point> deadline() const {
    if (call_->struct_size < offsetof(ferry_call_v1, deadline_ns) + sizeof(call_->deadline_ns) || !call_->deadline_ns)
      return std::nullopt;
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(call_->deadline_ns));
  }
  // Time until deadline() (negative once past), or nullopt without one.
  std::optional<std::chrono::nanoseconds> time_left() const {
    if (auto d = deadline()) return *d - std::chrono::steady_clock::now();
    return std::nullopt;
  }

  // Writes one log line, tagged with the task and worker, to the host's log.
  void log(std::string_view message, LogLevel level = LogLevel::info) const {
    const ferry_host_v1* host = call_->host;
    if (host && host->log)
      host->log(host->state, static_cast<int>(level), message.data(), message.size());
  }

  // The shared dict called name, created empty on first use by anyone.
  template <class K, class V>
  Dict<K, V> dict(std::string name) { return Dict<K, V>(link(), std::move(name)); }
  // The shared list called name.
  template <class T>
  List<T> list(std::string name) { return List<T>(link(), std::move(name)); }
  // The shared queue called name; options apply if this creates it.
  template <class T>
  Queue<T> queue(std::string name, QueueOptions options = {}) { return Queue<T>(link(), std::move(name), options); }
  // The shared lock called name.
  Lock lock(std::string name) { return Lock(link(), std::move(name)); }
  // The shared event called name.
  Event event(std::string name) { return Event(link(), std::move(name)); }
  // The shared semaphore called name; initial applies if this creates it.
  Semaphore semaphore(std::string name, std::int64_t initial = 1) {
    return Semaphore(link(), std::move(name), initial);
  }
  // The shared barrier called name, for parties waiters.
  Barrier barrier(std::string name, std::uint64_t parties) { return Barrier(link(), std::move(name), parties); }

 private:
  const std::shared_ptr<ManagerLink>& link() {
    if (!link_) link_ = std::make_shared<detail::HostManagerLink>(call_->host);
    return link_;
  }

  const ferry_call_v1* call_;
  std::shared_ptr<ManagerLink> link_;
};

}  // namespace ferry
