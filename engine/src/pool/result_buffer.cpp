#include "pool/result_buffer.hpp"

#include <ferry/async_result.hpp>

#include "wire/spin_policy.hpp"

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace ferry::detail {

ResultBuffer::Waiter::Waiter(std::function<bool()> r) : ready(std::move(r)) { ::sem_init(&posted, 0, 0); }
ResultBuffer::Waiter::~Waiter() { ::sem_destroy(&posted); }

namespace {
// A joined chunk's bytes grow to at least kJoinRoom, and stop growing at
// kMaxJoinedBytes: joining is for chunks whose bookkeeping outweighs their
// bytes.
constexpr std::size_t kJoinRoom = 256, kMaxJoinedBytes = 64 << 10;
}  // namespace

bool ResultBuffer::joined(std::size_t first, ChunkOutcomes& outcomes) {
  if (!outcomes.errors.empty() || outcomes.size() >= kStreamChunk) return false;
  auto it = chunks_.lower_bound(first);
  if (it == chunks_.begin()) return false;
  --it;
  Held& before = it->second;
  ItemList& into = before.chunk.results;
  const std::size_t bytes = outcomes.results.bytes().size();
  // Joined, a chunk must stay below kStreamChunk slots: wait_chunk hands
  // such a chunk over only once every slot is filled, so no reader walks
  // it while it grows.
  if (it->first + into.size() != first || !before.chunk.errors.empty() ||
      into.size() + outcomes.size() >= kStreamChunk || into.bytes().size() + bytes > kMaxJoinedBytes)
    return false;
  if (into.spare() < bytes) {
    if (before.viewed) return false;  // its bytes must stay where they are
    // Room for the whole joined chunk at the items' size so far: one move.
    const std::size_t items = into.size() + outcomes.size(), held = into.bytes().size() + bytes;
    const std::size_t whole = (held + items - 1) / items * (kStreamChunk - 1);
    into.reserve_bytes(std::min(kMaxJoinedBytes, std::max({kJoinRoom, 2 * held, whole})) - into.bytes().size());
  }
  into.append(outcomes.results);
  if (auto recycler = recycler_.lock()) recycler->give(outcomes.results.take_buffer());
  return true;
}

void ResultBuffer::fill(std::size_t first, ChunkOutcomes outcomes) {
  std::vector<std::shared_ptr<Waiter>> wake;
  {
    std::lock_guard lock(mu_);
    const std::size_t n = outcomes.size(), before = filled_.load(std::memory_order_relaxed);
    // A chunk filled right after the one before it in both slot and fill
    // order needs no entry of its own (completed() counts on from there).
    if (order_.empty() || order_.back().second + (before - order_.back().first) != first)
      order_.emplace_back(before, first);
    if (!joined(first, outcomes)) chunks_.emplace(first, Held{std::move(outcomes)});
    // Last, so that a waiter's spin that sees it finds the chunk in place.
    filled_.store(before + n, std::memory_order_release);
    for (const auto& w : waiters_)
      if (w->ready()) wake.push_back(w);
  }
  for (const auto& w : wake) ::sem_post(&w->posted);
}

bool ResultBuffer::block(std::unique_lock<std::mutex>& lock, std::function<bool()> ready,
                         std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (ready()) return true;
  const auto self = std::make_shared<Waiter>(std::move(ready));
  waiters_.push_back(self);
  timespec until{};
  if (deadline) {
    // steady_clock is CLOCK_MONOTONIC on Linux.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch()).count();
    until.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    until.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  }
  bool ok = true;
  for (;;) {
    lock.unlock();
    const int r = deadline ? ::sem_clockwait(&self->posted, CLOCK_MONOTONIC, &until) : ::sem_wait(&self->posted);
    const bool timed_out = r != 0 && errno == ETIMEDOUT;
    lock.lock();
    if (self->ready()) break;
    if (timed_out) {
      ok = false;
      break;
    }
    // Interrupted by a signal: wait again.
  }
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), self));
  return ok;
}

auto ResultBuffer::find(std::size_t i, std::size_t& offset) const -> const Held* {
  auto it = chunks_.upper_bound(i);
  if (it == chunks_.begin()) return nullptr;
  --it;
  offset = i - it->first;
  return offset < it->second.chunk.size() ? &it->second : nullptr;
}

OutcomeView ResultBuffer::wait(std::size_t i) {
  std::unique_lock lock(mu_);
  std::size_t offset = 0;
  const Held* held = find(i, offset);
  if (!held) {
    // A result that comes within a spin (apply_async's get()) is taken
    // awake: waking from a sleep costs more on a VM. Yielding, as the
    // worker that will answer may need this CPU.
    const wire::CounterWatch<std::size_t> watch{filled_, filled_.load(std::memory_order_relaxed), true};
    lock.unlock();
    thread_local wire::SpinPolicy spin;  // the waiting thread's own recent waits decide
    spin.before_wait(watch);
    lock.lock();
  }
  block(lock, [&] { return (held = find(i, offset)) != nullptr; });
  held->viewed = true;
  return held->chunk[offset];
}

const ChunkOutcomes& ResultBuffer::wait_chunk(std::size_t first) {
  std::unique_lock lock(mu_);
  std::size_t offset = 0;
  const Held* held = nullptr;
  block(lock, [&] {
    if (!held) held = find(first, offset);  // once found, it stays: fill() evaluates this for every chunk
    return held && (held->chunk.size() >= kStreamChunk || filled_ == size_);
  });
  held->viewed = true;
  return held->chunk;  // offset is 0: chunks are visited from their first slot
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
  return completed(k);
}

std::optional<std::size_t> ResultBuffer::wait_completed_until(std::size_t k,
                                                              std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!block(lock, [&] { return filled_ > k; }, deadline)) return std::nullopt;
  return completed(k);
}

std::size_t ResultBuffer::completed(std::size_t k) const {
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

// What the public templates call (declared in <ferry/async_result.hpp>).
ResultBuffer::~ResultBuffer() {
  if (auto recycler = recycler_.lock())
    for (auto& [first, held] : chunks_) recycler->give(held.chunk.results.take_buffer());
}

std::shared_ptr<ResultBuffer> make_result_buffer(std::size_t size) { return std::make_shared<ResultBuffer>(size); }
std::size_t result_count(const ResultBuffer& b) { return b.size(); }
OutcomeView result_wait(ResultBuffer& b, std::size_t i) { return b.wait(i); }
bool result_wait_until(ResultBuffer& b, std::size_t i, std::chrono::steady_clock::time_point deadline) {
  return b.wait_until(i, deadline);
}
bool result_ready(const ResultBuffer& b, std::size_t i) { return b.ready(i); }
std::size_t result_wait_completed(ResultBuffer& b, std::size_t k) { return b.wait_completed(k); }
bool result_wait_completed_until(ResultBuffer& b, std::size_t k, std::chrono::steady_clock::time_point deadline,
                                 std::size_t& slot) {
  const auto found = b.wait_completed_until(k, deadline);
  if (found) slot = *found;
  return found.has_value();
}
void result_wait_all(ResultBuffer& b) { b.wait_all(); }
const ChunkOutcomes& result_wait_chunk(ResultBuffer& b, std::size_t first) { return b.wait_chunk(first); }

}  // namespace ferry::detail
