#include "pool/pool_core.hpp"
#include "engine/thread_name.hpp"
#include "pool/pool_slot.hpp"

#include "process/outcome.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <utility>

#include <ferry/abi.h>
#include <ferry/errors.hpp>

namespace ferry::detail {
namespace {

constexpr std::chrono::seconds kHelloTimeout{30};
// At most this many batches wait on one worker. Deep enough that a worker
// of quick calls does not run dry and sleep between two refills (a wake-up
// costs tens of microseconds on a VM): 16 here cost Pool.map with chunksize
// 1 about 5.8 us an item, 64 about 4-5 (bench pool_map_chunk1).
constexpr std::size_t kMaxInFlight = 64;
// A slot tops its worker up only once no more than this many are left in
// flight: then several calls go in one write and wake the worker once,
// instead of one write and one wake-up for every reply.
constexpr std::size_t kRefillAt = kMaxInFlight / 2;
// Batches that took longer than this are not queued behind each other: one
// waiting behind a long batch could have started at once on another worker.
constexpr std::chrono::milliseconds kQuickBatch{2};
// Calls queued on a worker must fit in its socket buffer (about 200 KiB):
// a host blocked sending one more while the worker is blocked sending a
// reply the host is not yet reading would wait forever.
constexpr std::size_t kMaxBytesInFlight = 64 * 1024;

// About what a batch's call takes on the wire: its items, their offsets, a header.
std::size_t wire_bytes(const Batch& b) { return b.request.items.bytes().size() + 4 * b.request.items.size() + 64; }

std::exception_ptr terminated_before_run() {
  return std::make_exception_ptr(StateError("the pool was terminated before this item ran"));
}

}  // namespace

BatchDone fill_slots(std::shared_ptr<ResultBuffer> buffer, std::size_t first) {
  return [buffer = std::move(buffer), first](ChunkOutcomes outcomes, std::chrono::nanoseconds) {
    buffer->fill(first, std::move(outcomes));
  };
}

PoolCore::PoolCore(Plugin plugin, PoolOptions options, PoolHooks hooks)
    : plugin_(std::move(plugin)), options_(std::move(options)), hooks_(std::move(hooks)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) throw Error(std::string("cannot create an eventfd: ") + std::strerror(errno));
  std::size_t n = options_.workers ? options_.workers : std::max(1u, std::thread::hardware_concurrency());
  try {
    threads_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { slot_main(); });
  } catch (const std::exception& e) {
    // Out of threads or memory (a container's limits, a huge worker count):
    // the slots already running must stop before the error leaves, or their
    // std::thread objects would terminate the program.
    const std::size_t started = threads_.size();
    terminate();
    for (auto& t : threads_) t.join();
    threads_.clear();
    ::close(wake_fd_);
    throw Error("cannot start a pool of " + std::to_string(n) + " workers: only " + std::to_string(started) +
                " threads could be started (" + e.what() + ")");
  }
}

PoolCore::~PoolCore() {
  terminate();
  std::lock_guard lock(join_mu_);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  ::close(wake_fd_);
}

void PoolCore::submit(std::vector<Batch> batches) {
  const std::size_t n = batches.size();
  bool claimed;
  {
    std::lock_guard lock(mu_);
    refuse_when_closed();
    for (auto& b : batches) b.request.id = next_id_++;
    queue_.push_back(std::move(batches));
    claimed = claim_spinner();
  }
  wake_slots_for(n, claimed);
}

void PoolCore::refuse_when_closed() const {
  if (closed_ || terminated_) throw StateError("the pool is closed; no more work can be submitted");
}

void PoolCore::wake_slots_for(std::size_t batches, bool claimed) {
  // After the lock is let go: a spinner that saw the news while the
  // submitter still held mu_ would block on it, and sleep.
  news_.fetch_add(1, std::memory_order_release);
  if (claimed) --batches;  // the spinning slot takes it, awake
  // One batch needs one idle slot: waking them all (a thundering herd of
  // futex calls) cost apply_async's round trip a CPU the worker wanted.
  if (batches == 0) return;
  if (batches == 1) cv_.notify_one();
  else cv_.notify_all();
}

bool PoolCore::claim_spinner() {
  if (!spinning_ || spinner_claimed_) return false;
  spinner_claimed_ = true;
  return true;
}

void PoolCore::spin_while_idle(Slot& slot, std::unique_lock<std::mutex>& lock) {
  if (spinning_ || closed_ || terminated_ || !queue_.empty() || !slot.last_was_brief()) return;
  spinning_ = true;
  const wire::CounterWatch<std::uint64_t> watch{news_, news_.load(std::memory_order_relaxed)};
  lock.unlock();
  slot.idle_spin.before_wait(watch);
  lock.lock();
  // Whatever came meanwhile is in the queue: the wait that follows sees it.
  spinning_ = spinner_claimed_ = false;
}

void PoolCore::submit_lazy(std::size_t n, GroupQueue<Batch>::Maker make) {
  bool claimed;
  {
    std::lock_guard lock(mu_);
    refuse_when_closed();
    const std::uint64_t first_id = next_id_;
    next_id_ += n;
    queue_.push_back_lazy(n, [first_id, make = std::move(make)](std::size_t i) {
      Batch b = make(i);
      b.request.id = first_id + i;
      return b;
    });
    claimed = claim_spinner();
  }
  wake_slots_for(n, claimed);
}

void PoolCore::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    news_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
}

void PoolCore::terminate() {
  GroupQueue<Batch> dropped;
  {
    std::lock_guard lock(mu_);
    if (terminated_) return;
    terminated_ = closed_ = true;
    news_.fetch_add(1, std::memory_order_release);
    dropped.swap(queue_);
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(wake_fd_, &one, sizeof one);  // wakes every slot blocked on a worker
  cv_.notify_all();
  const auto error = terminated_before_run();
  dropped.for_each([&](Batch& b) { fail_batch(b, error); });
}

void PoolCore::join() {
  {
    std::lock_guard lock(mu_);
    if (!closed_) throw StateError("join() needs close() or terminate() first");
  }
  std::lock_guard lock(join_mu_);  // two joiners must not join one thread twice
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

std::unique_ptr<process::Worker> PoolCore::start_worker() {
  if (auto spare = PluginAccess::state(plugin_).take_spare(options_.memory_limit)) return spare;
  auto w = std::make_unique<process::Worker>(PluginAccess::state(plugin_).engine->launcher,
                                             PluginAccess::state(plugin_).spawn_spec(options_.memory_limit));
  const auto& hello = w->await_hello(process::Clock::now() + kHelloTimeout);
  if (hello.tasks != plugin_.tasks())
    throw PluginError(plugin_.path(), "the file changed on disk since it was loaded (its task table differs)");
  return w;
}

void PoolCore::fail_batch(Batch& batch, const std::exception_ptr& error, std::chrono::nanoseconds busy) {
  batch.done(ChunkOutcomes::failed(batch.request.items.size(), error), busy);
}

bool PoolCore::take_batches(Slot& slot, std::vector<Batch>& taken) {
  if (slot.in_flight.size() > kRefillAt) return true;  // enough queued on the worker: finish one first
  std::unique_lock lock(mu_);
  if (slot.in_flight.empty()) {
    ++idle_slots_;
    spin_while_idle(slot, lock);
    cv_.wait(lock, [&] { return terminated_ || closed_ || !queue_.empty(); });
    --idle_slots_;
    if (terminated_ || queue_.empty()) return false;
  }
  if (terminated_) return true;  // what is in flight is failed when the wake-up arrives
  // A batch goes behind others on this worker only when that costs nobody:
  // batches of its group were timed quick here (so a wait behind them is
  // short), no idle slot needs it, no timeout has to start when it is sent,
  // and the calls queued fit in the socket's buffer.
  std::size_t bytes = 0;
  for (const auto& b : slot.in_flight) bytes += wire_bytes(b);
  const auto may_take = [&](const Batch& b) {
    const std::size_t busy = slot.in_flight.size() + taken.size();
    if (busy == 0) return true;
    if (bytes + wire_bytes(b) > kMaxBytesInFlight) return false;
    const Batch& oldest = slot.in_flight.empty() ? taken.front() : slot.in_flight.front();
    if (busy >= kMaxInFlight || options_.timeout || b.timeout || oldest.timeout) return false;
    if (options_.max_tasks_per_child && slot.calls_done + busy >= options_.max_tasks_per_child) return false;
    if (!slot.last_busy || *slot.last_busy > kQuickBatch) return false;
    if (b.group != slot.last_group || oldest.group != b.group) return false;
    return queue_.size() > idle_slots_;
  };
  while (!queue_.empty() && may_take(queue_.front())) {
    bytes += wire_bytes(queue_.front());
    taken.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return true;
}

void PoolCore::send_batches(Slot& slot, std::vector<Batch>& taken) {
  for (std::size_t i = 0; i < taken.size(); ++i) {
    Batch& batch = taken[i];
    if (!slot.worker) {
      // The plugin cannot start: fail the batch rather than hang its waiter.
      fail_batch(batch, slot.start_error);
      continue;
    }
    if (slot.in_flight.empty()) slot.oldest_started = process::Clock::now();
    const auto timeout = batch.timeout ? batch.timeout : options_.timeout;
    batch.request.item_timeout_ns = timeout ? std::chrono::nanoseconds(*timeout).count() : 0;
    PluginAccess::state(plugin_).engine->set_log_options(batch.request);
    // A failed send means the worker is gone: finish_oldest reports how.
    slot.worker->send(batch.request, i + 1 < taken.size());
    slot.in_flight.push_back(std::move(batch));
  }
  taken.clear();
}

void PoolCore::requeue(std::deque<Batch> batches) {
  {
    std::lock_guard lock(mu_);
    if (!terminated_) {
      queue_.push_front(std::vector<Batch>(std::make_move_iterator(batches.begin()), std::make_move_iterator(batches.end())));
      batches.clear();
      news_.fetch_add(1, std::memory_order_release);
    }
  }
  cv_.notify_all();
  const auto error = terminated_before_run();
  for (auto& b : batches) fail_batch(b, error);
}

void PoolCore::report_loss(pid_t pid, WorkerLoss cause, std::string detail) {
  if (!options_.on_worker_replaced) return;
  {
    std::lock_guard lock(mu_);
    if (terminated_) return;  // nothing replaces it: the pool is going away
  }
  try {
    options_.on_worker_replaced(WorkerReplaced{pid, cause, std::move(detail)});
  } catch (...) {
    // A pool thread has nobody to hand the exception to; PoolOptions says it is dropped.
  }
}

bool PoolCore::drained() {
  std::lock_guard lock(mu_);
  return terminated_ || (closed_ && queue_.empty());
}

void PoolCore::slot_main() {
  name_this_thread("p:", hooks_.stage.empty() ? std::string_view("pool") : std::string_view(hooks_.stage));
  Slot slot;
  slot.log = [this, &slot](const wire::LogLine& line, pid_t pid) {
    std::optional<std::uint64_t> item;
    const auto position_in = [&](const Batch& b) {
      if (b.request.id == line.call && b.stage && b.stage->position)
        item = b.stage->position(static_cast<std::size_t>(line.item));
    };
    if (line.item >= 0) {
      if (slot.awaited) position_in(*slot.awaited);
      for (const auto& b : slot.in_flight) position_in(b);
    }
    PluginAccess::state(plugin_).engine->deliver_log(line, pid, plugin_.name(), hooks_.stage, item);
  };
  std::vector<Batch> taken;
  const auto start = [&] {
    try {
      slot.worker = start_worker();
      if (hooks_.worker_started) hooks_.worker_started(slot.worker->pid());
      slot.start_error = nullptr;
      slot.calls_done = 0;
    } catch (...) {
      slot.start_error = std::current_exception();
    }
  };
  for (;;) {
    // Start (or restart) eagerly, so the next batch does not wait for it;
    // but not once no batch can come (a worker retired by
    // max_tasks_per_child as the pool's last work finished).
    const bool starting = !slot.worker && !drained();
    if (starting) start();
    if (!take_batches(slot, taken)) break;
    // Batches another slot gave back after this one saw the pool drained.
    if (!slot.worker && !starting && !taken.empty()) start();
    send_batches(slot, taken);
    if (!slot.in_flight.empty()) finish_oldest(slot);
  }
  if (slot.worker) {
    bool killed;
    {
      std::lock_guard lock(mu_);
      killed = terminated_;
    }
    if (killed) slot.worker->kill();
    else slot.worker->shutdown(process::kStopGrace, &slot.log);
  }
}

}  // namespace ferry::detail
