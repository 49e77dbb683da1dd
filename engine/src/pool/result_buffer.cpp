#include <ferry/detail/result_buffer.hpp>

#include <algorithm>

namespace ferry::detail {

std::vector<Outcome> ChunkOutcomes::to_outcomes() const {
  std::vector<Outcome> out(size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto view = (*this)[i];
    if (view.error) out[i].error = view.error;
    else out[i].bytes.assign(view.bytes);
  }
  return out;
}

ChunkOutcomes ChunkOutcomes::failed(std::size_t n, const std::exception_ptr& error) {
  ChunkOutcomes c;
  c.results.reserve(n, 0);
  for (std::size_t i = 0; i < n; ++i) c.results.seal();
  c.errors.assign(n, error);
  return c;
}

void ResultBuffer::fill(std::size_t first, ChunkOutcomes outcomes) {
  {
    std::lock_guard lock(mu_);
    const std::size_t n = outcomes.size();
    order_.emplace_back(filled_, first);
    filled_ += n;
    chunks_.emplace(first, std::move(outcomes));
    // Under the lock: a waiter's Waiter lives on its stack and is gone
    // once it can take the lock again.
    for (Waiter* w : waiters_)
      if (w->ready()) w->cv.notify_one();
  }
}

bool ResultBuffer::block(std::unique_lock<std::mutex>& lock, std::function<bool()> ready,
                         std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (ready()) return true;
  Waiter self{std::move(ready), {}};
  waiters_.push_back(&self);
  bool ok;
  if (deadline) ok = self.cv.wait_until(lock, *deadline, self.ready);
  else {
    self.cv.wait(lock, self.ready);
    ok = true;
  }
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &self));
  return ok;
}

const ChunkOutcomes* ResultBuffer::find(std::size_t i, std::size_t& offset) const {
  auto it = chunks_.upper_bound(i);
  if (it == chunks_.begin()) return nullptr;
  --it;
  offset = i - it->first;
  return offset < it->second.size() ? &it->second : nullptr;
}

OutcomeView ResultBuffer::wait(std::size_t i) {
  std::unique_lock lock(mu_);
  std::size_t offset = 0;
  const ChunkOutcomes* chunk = nullptr;
  block(lock, [&] { return (chunk = find(i, offset)) != nullptr; });
  return (*chunk)[offset];
}

const ChunkOutcomes& ResultBuffer::wait_chunk(std::size_t first) {
  std::unique_lock lock(mu_);
  std::size_t offset = 0;
  const ChunkOutcomes* chunk = nullptr;
  block(lock, [&] {
    if (!chunk) chunk = find(first, offset);  // once found, it stays: fill() evaluates this for every chunk
    return chunk && (chunk->size() >= kStreamChunk || filled_ == size_);
  });
  return *chunk;  // offset is 0: chunks are visited from their first slot
}

bool ResultBuffer::wait_until(std::size_t i, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  std::size_t offset = 0;
  return block(lock, [&] { return find(i, offset) != nullptr; }, deadline);
}

bool ResultBuffer::ready(std::size_t i) const {
  std::lock_guard lock(mu_);
  std::size_t offset = 0;
  return find(i, offset) != nullptr;
}

std::size_t ResultBuffer::wait_completed(std::size_t k) {
  std::unique_lock lock(mu_);
  block(lock, [&] { return filled_ > k; });
  // The last chunk whose count of slots filled before it is <= k holds the
  // (k+1)-th slot filled.
  auto it = std::upper_bound(order_.begin(), order_.end(), k,
                             [](std::size_t value, const auto& entry) { return value < entry.first; });
  --it;
  return it->second + (k - it->first);
}

void ResultBuffer::wait_all() {
  std::unique_lock lock(mu_);
  block(lock, [&] { return filled_ == size_; });
}

}  // namespace ferry::detail
