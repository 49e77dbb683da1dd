#include "pipeline/run_control.hpp"

namespace ferry::pipeline {

void RunControl::watch(ItemQueue& queue) {
  std::lock_guard lock(mu_);
  queues_.push_back(&queue);
}

void RunControl::on_stop(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  hooks_.push_back(std::move(hook));
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

}  // namespace ferry::pipeline
