#include "pipeline/run/run_control.hpp"

namespace ferry::pipeline {

void RunControl::watch(ItemQueue& queue, bool keep_on_drain) {
  {
    std::lock_guard lock(mu_);
    queues_.push_back(&queue);
    if (!keep_on_drain) drained_queues_.push_back(&queue);
    if (!failed_.load()) return;
  }
  queue.cancel();  // the run stopped before this queue was made: nothing may wait on it
}

void RunControl::on_drain(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  drain_hooks_.push_back(std::move(hook));
}

void RunControl::drain() {
  std::vector<ItemQueue*> queues;
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mu_);
    if (draining_.exchange(true)) return;
    queues = drained_queues_;
    hooks = drain_hooks_;
  }
  for (auto* q : queues) q->cancel();
  for (auto& h : hooks) h();
}

void RunControl::on_stop(std::function<void()> hook) {
  {
    std::lock_guard lock(mu_);
    if (!failed_.load()) {
      hooks_.push_back(std::move(hook));
      return;
    }
  }
  hook();  // already stopped: fail() will not call it
}

void RunControl::fail(const std::string& reason) {
  std::vector<ItemQueue*> queues;
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mu_);
    if (failed_.exchange(true)) return;
    reason_ = reason;
    queues = queues_;
    hooks = hooks_;
  }
  for (auto* q : queues) q->cancel();
  for (auto& h : hooks) h();
}

std::string RunControl::reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

void RunControl::on_written(std::function<void(const std::vector<std::uint64_t>&)> hook) {
  std::lock_guard lock(mu_);
  written_hook_ = std::move(hook);
  wants_written_ = static_cast<bool>(written_hook_);
}

void RunControl::written(const std::vector<std::uint64_t>& origins) {
  if (origins.empty()) return;
  std::function<void(const std::vector<std::uint64_t>&)> hook;
  {
    std::lock_guard lock(mu_);
    hook = written_hook_;
  }
  if (hook) hook(origins);
}

}  // namespace ferry::pipeline
