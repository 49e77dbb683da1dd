#include "pool/pool_core.hpp"

#include "process/outcome.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <ferry/abi.h>
#include <ferry/errors.hpp>

namespace ferry::detail {
namespace {

constexpr std::chrono::seconds kHelloTimeout{30};

std::string describe_timeout(std::chrono::milliseconds t) {
  return t.count() % 1000 == 0 ? std::to_string(t.count() / 1000) + "s" : std::to_string(t.count()) + "ms";
}

}  // namespace

BatchDone fill_slots(std::shared_ptr<ResultBuffer> buffer, std::size_t first) {
  return [buffer = std::move(buffer), first](std::vector<Outcome> outcomes, std::chrono::nanoseconds) {
    buffer->fill(first, std::move(outcomes));
  };
}

PoolCore::PoolCore(Plugin plugin, PoolOptions options)
    : plugin_(std::move(plugin)), options_(options), log_(plugin_.state()->engine->log_sink(plugin_.name())) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) throw Error(std::string("cannot create an eventfd: ") + std::strerror(errno));
  std::size_t n = options_.workers ? options_.workers : std::max(1u, std::thread::hardware_concurrency());
  threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { slot_main(); });
}

PoolCore::~PoolCore() {
  terminate();
  std::lock_guard lock(join_mu_);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  ::close(wake_fd_);
}

void PoolCore::submit(std::vector<Batch> batches) {
  {
    std::lock_guard lock(mu_);
    if (closed_ || terminated_) throw StateError("the pool is closed; no more work can be submitted");
    for (auto& b : batches) {
      b.request.id = next_id_++;
      queue_.push_back(std::move(b));
    }
  }
  cv_.notify_all();
}

void PoolCore::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

void PoolCore::terminate() {
  std::deque<Batch> dropped;
  {
    std::lock_guard lock(mu_);
    if (terminated_) return;
    terminated_ = closed_ = true;
    dropped.swap(queue_);
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(wake_fd_, &one, sizeof one);  // wakes every slot blocked on a worker
  cv_.notify_all();
  const auto error = std::make_exception_ptr(StateError("the pool was terminated before this item ran"));
  for (auto& b : dropped) fail_batch(b, error);
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
  auto w = std::make_unique<process::Worker>(plugin_.state()->engine->launcher,
                                             plugin_.state()->spawn_spec(options_.memory_limit));
  const auto& hello = w->await_hello(process::Clock::now() + kHelloTimeout);
  if (hello.tasks != plugin_.tasks())
    throw PluginError(plugin_.path(), "the file changed on disk since it was loaded (its task table differs)");
  return w;
}

void PoolCore::fail_batch(Batch& batch, const std::exception_ptr& error, std::chrono::nanoseconds busy) {
  std::vector<Outcome> outcomes(batch.request.items.size());
  for (auto& o : outcomes) o.error = error;
  batch.done(std::move(outcomes), busy);
}

std::vector<Outcome> PoolCore::outcomes_from(wire::CallReply& reply, const std::string& task) {
  std::vector<Outcome> out;
  out.reserve(reply.items.size());
  for (std::size_t i = 0; i < reply.items.size(); ++i)
    out.push_back(process::outcome_from(reply.status[i], reply.items[i], task));
  return out;
}

void PoolCore::run_batch(std::unique_ptr<process::Worker>& worker, Batch& batch, std::size_t& calls_done) {
  const std::string& task = plugin_.tasks()[batch.request.task].name;
  const auto timeout = batch.timeout ? batch.timeout : options_.timeout;
  const auto started = process::Clock::now();
  process::Deadline deadline;
  if (timeout) deadline = started + *timeout;
  // steady_clock is CLOCK_MONOTONIC, which the worker's task reads too.
  batch.request.deadline_ns =
      deadline ? std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch()).count() : 0;
  process::CallOutcome outcome;
  if (worker->send(batch.request)) {
    outcome = worker->wait_reply(deadline, wake_fd_, log_, process::OnTimeout::stop);
  } else {
    outcome.kind = process::CallOutcome::died;
    worker->kill();
    outcome.cause = worker->status()->describe();
  }
  switch (outcome.kind) {
    case process::CallOutcome::replied:
      if (outcome.reply.items.size() != batch.request.items.size()) {
        worker->kill();
        worker.reset();
        fail_batch(batch, std::make_exception_ptr(WorkerError(task, "protocol error: reply has the wrong item count")),
                   process::Clock::now() - started);
        return;
      }
      batch.done(outcomes_from(outcome.reply, task), process::Clock::now() - started);
      if (options_.max_tasks_per_child && ++calls_done >= options_.max_tasks_per_child) {
        worker->shutdown();
        worker.reset();
      }
      return;
    case process::CallOutcome::timed_out:
      worker.reset();
      fail_batch(batch, std::make_exception_ptr(Timeout("task '" + task + "' timed out after " +
                                                        describe_timeout(*timeout) +
                                                        "; its worker was stopped and replaced")),
                 process::Clock::now() - started);
      return;
    case process::CallOutcome::woken:
      worker->kill();
      worker.reset();
      fail_batch(batch, std::make_exception_ptr(StateError("the pool was terminated while this item ran")),
                 process::Clock::now() - started);
      return;
    case process::CallOutcome::died:
    case process::CallOutcome::protocol_error:
      worker.reset();
      fail_batch(batch, std::make_exception_ptr(WorkerError(task, outcome.cause)), process::Clock::now() - started);
      return;
  }
}

void PoolCore::slot_main() {
  std::unique_ptr<process::Worker> worker;
  std::exception_ptr start_error;
  std::size_t calls_done = 0;
  for (;;) {
    if (!worker) {
      // Start (or restart) eagerly, so the next batch does not wait for it.
      try {
        worker = start_worker();
        start_error = nullptr;
        calls_done = 0;
      } catch (...) {
        start_error = std::current_exception();
      }
    }
    Batch batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return terminated_ || closed_ || !queue_.empty(); });
      if (terminated_ || queue_.empty()) break;
      batch = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!worker) {
      // The plugin cannot start: fail the batch rather than hang its waiter.
      fail_batch(batch, start_error);
      continue;
    }
    run_batch(worker, batch, calls_done);
  }
  if (worker) {
    bool killed;
    {
      std::lock_guard lock(mu_);
      killed = terminated_;
    }
    if (killed) worker->kill();
    else worker->shutdown();
  }
}

}  // namespace ferry::detail
