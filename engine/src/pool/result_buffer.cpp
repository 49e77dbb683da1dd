#include <ferry/detail/result_buffer.hpp>

namespace ferry::detail {

ResultBuffer::ResultBuffer(std::size_t size) : slots_(size) { order_.reserve(size); }

void ResultBuffer::fill(std::size_t first, std::vector<Outcome> outcomes) {
  {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      slots_[first + i] = std::move(outcomes[i]);
      order_.push_back(first + i);
    }
  }
  cv_.notify_all();
}

Outcome& ResultBuffer::wait(std::size_t i) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return slots_[i].has_value(); });
  return *slots_[i];
}

bool ResultBuffer::wait_until(std::size_t i, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return slots_[i].has_value(); });
}

bool ResultBuffer::ready(std::size_t i) const {
  std::lock_guard lock(mu_);
  return slots_[i].has_value();
}

std::size_t ResultBuffer::wait_completed(std::size_t k) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return order_.size() > k; });
  return order_[k];
}

void ResultBuffer::wait_all() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return order_.size() == slots_.size(); });
}

std::vector<Outcome> ResultBuffer::take_all() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return order_.size() == slots_.size(); });
  std::vector<Outcome> out;
  out.reserve(slots_.size());
  for (auto& slot : slots_) out.push_back(std::move(*slot));
  return out;
}

}  // namespace ferry::detail
