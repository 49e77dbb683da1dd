// ferry::Pool: a fixed set of worker processes running one plugin's tasks,
// with Python's Pool methods: map, starmap, apply_async, imap,
// imap_unordered, close, join, terminate.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <ferry/async_result.hpp>
#include <ferry/codec.hpp>
#include <ferry/detail/item_list.hpp>
#include <ferry/engine.hpp>
#include <ferry/export.hpp>
#include <ferry/result_stream.hpp>
#include <ferry/schema.hpp>
#include <ferry/signature.hpp>
#include <ferry/wire_format.hpp>

namespace ferry {

struct MapOptions;
namespace detail {
class PoolCore;
// The untyped core Pool's templates call (exported, not for direct use):
// checks that task exists and takes params and returns result (signature
// strings), returning its index.
// structs are the caller's view of the structs in params and result,
// compared with the plugin's (Plugin::check_structs).
FERRY_API std::uint32_t pool_check_task(const PoolCore& pool, std::string_view task, const std::string& params,
                                        const std::string& result, const std::vector<StructSchema>& structs);
// Queues chunks of encoded items, one call each; item i (counting across
// chunks, in order) fills buffer slot i.
FERRY_API void pool_submit(PoolCore& pool, std::uint32_t task, std::vector<ItemList> chunks,
                           std::shared_ptr<ResultBuffer> buffer);
// The chunk size MapOptions resolves to for n items.
FERRY_API std::size_t pool_chunksize(const PoolCore& pool, std::size_t n, const MapOptions& options);
// An empty buffer for a chunk of `bytes` bytes of items: one the pool kept
// from an earlier call when it has one (its pages are then not faulted in
// again), with room for a frame header on top, so that once recycled it
// also takes a reply of the same size.
FERRY_API std::string pool_take_buffer(PoolCore& pool, std::size_t bytes);
}  // namespace detail

// Why a pool dropped a worker and started another in its place.
enum class WorkerLoss {
  died,            // it crashed, was killed or exited during a call
  timed_out,       // a call ran past its timeout: it was stopped
  max_tasks,       // it ran max_tasks_per_child calls and was shut down
  protocol_error,  // it sent something that is not a valid reply
  retired,         // a task broke its channel to the manager; it stopped taking calls
};

// The cause's name as written here: "died", "timed_out", "max_tasks",
// "protocol_error" or "retired".
FERRY_API const char* to_string(WorkerLoss cause);

// One worker a pool replaced.
struct WorkerReplaced {
  pid_t pid = -1;  // the worker that is gone (its replacement has another pid)
  WorkerLoss cause = WorkerLoss::died;
  std::string detail;  // e.g. "killed by signal SIGSEGV (Segmentation fault)"
};

// Pool settings; aggregate, so `{.workers = 4}` works.
struct PoolOptions {
  // Worker processes; 0 means one per CPU.
  std::size_t workers = 0;
  // Replace a worker after it has run this many calls (chunks); 0 = never.
  std::size_t max_tasks_per_child = 0;
  // Per item limit, from the item's own start whatever the chunk size; past
  // it the worker is stopped (SIGTERM, then SIGKILL 1 s later) and
  // replaced, that item fails with ferry::Timeout, and the other items of
  // its chunk run again on the new worker.
  std::optional<std::chrono::milliseconds> timeout{};
  // Address-space limit per worker in bytes (RLIMIT_AS); 0 = none.
  std::uint64_t memory_limit = 0;
  // Called each time a worker is lost and will be replaced, from the pool
  // thread that ran it (several pool threads may call it at once), before
  // the items it was running fail. Not called for workers that terminate()
  // or the pool's end stops. Keep it short; what it throws is dropped.
  std::function<void(const WorkerReplaced&)> on_worker_replaced{};
};

// Options of one map / starmap / imap call.
struct MapOptions {
  // Items per frame sent to a worker; 0 picks Python's map default,
  // ceil(len / (4 * workers)), for imap and imap_unordered too (where
  // Python's default is 1, which costs a round trip per item).
  std::size_t chunksize = 0;
};

// Thread-safe: any thread may submit work. Destroying a pool terminates it
// (as leaving Python's `with Pool()` block does): call close() and join()
// first to let submitted work finish.
class FERRY_API Pool {
 public:
  // Starts the workers, each on its own pool thread, without waiting for
  // them. A worker that cannot start fails the items sent to it (with the
  // ferry::PluginError or ferry::Error that stopped it); it is retried for
  // the next item.
  explicit Pool(const Plugin& plugin, PoolOptions options = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  Pool(Pool&&) noexcept;
  Pool& operator=(Pool&&) noexcept;

  // task(item) for every item, results in input order (nothing for R =
  // void). Re-raises the first failed item's error after every item has
  // finished.
  template <class R, class T>
  auto map(std::string_view task, const std::vector<T>& items, MapOptions options = {}) {
    // Results are decoded chunk by chunk as they come.
    return detail::collect_results<R>(
        submit_items<R>(task, params_signature<T>(), cached_struct_schemas<T, R>(), items, options));
  }

  // task(a, b, ...) for every tuple (or pair) of arguments, in order.
  template <class R, class Tuple>
  auto starmap(std::string_view task, const std::vector<Tuple>& items, MapOptions options = {}) {
    return detail::collect_results<R>(submit_items<R>(task, tuple_params(static_cast<Tuple*>(nullptr)),
                                                      cached_struct_schemas<Tuple, R>(), items, options));
  }

  // Runs task(args...) on some worker; returns at once.
  template <class R, class... Args>
  AsyncResult<R> apply_async(std::string_view task, const Args&... args) {
    const auto index = detail::pool_check_task(*core_, task, params_signature<Args...>(), type_name<R>(),
                                               cached_struct_schemas<Args..., R>());
    auto buffer = detail::make_result_buffer(1);
    std::vector<detail::ItemList> chunks(1);
    codec::encode_into(chunks[0].buffer(), args...);
    chunks[0].seal();
    detail::pool_submit(*core_, index, std::move(chunks), buffer);
    return AsyncResult<R>(std::move(buffer));
  }

  // Runs task(args...) and waits for its result.
  template <class R, class... Args>
  R apply(std::string_view task, const Args&... args) {
    return apply_async<R>(task, args...).get();
  }

  // Like map, but yields each result as soon as it and those before it are
  // ready.
  template <class R, class T>
  ResultStream<R> imap(std::string_view task, const std::vector<T>& items, MapOptions options = {}) {
    return ResultStream<R>(submit_items<R>(task, params_signature<T>(), cached_struct_schemas<T, R>(), items, options),
                           true);
  }

  // Like imap, in the order items finish.
  template <class R, class T>
  ResultStream<R> imap_unordered(std::string_view task, const std::vector<T>& items, MapOptions options = {}) {
    return ResultStream<R>(submit_items<R>(task, params_signature<T>(), cached_struct_schemas<T, R>(), items, options),
                           false);
  }

  // Dynamic calls, the way bindings and the CLI call (as
  // Process::from_values): calls[i] is one call's arguments, converted to
  // task's parameters in the worker; results come back as Values, in input
  // order when ordered (imap), else in the order they finish
  // (imap_unordered). Returns at once. An argument that does not convert
  // fails its item with ferry::TaskError (type "ferry::ArgumentError");
  // Plugin::check_arguments catches most of those before anything runs.
  // Throws ferry::SignatureError for an unknown task, ferry::StateError
  // after close().
  ResultStream<Value> imap_values(std::string_view task, const std::vector<Value::List>& calls,
                                  MapOptions options = {}, bool ordered = true);

  // No more work may be submitted; what was submitted still runs.
  void close();
  // Waits until every worker has exited. Call close() or terminate() first;
  // throws ferry::StateError otherwise (as Python does).
  void join();
  // Stops the workers at once; unfinished items fail with ferry::StateError.
  void terminate();

  // How many worker slots the pool has.
  std::size_t workers() const;
  // The plugin whose tasks the pool runs.
  const Plugin& plugin() const;

 private:
  // Encodes each item as one call's arguments (a tuple's cereal encoding is
  // its elements in order: exactly the argument list the task decodes),
  // straight into the chunks they travel in, and queues them after checking
  // the task takes params and returns R.
  template <class R, class T>
  std::shared_ptr<detail::ResultBuffer> submit_items(std::string_view task, const std::string& params,
                                                     const std::vector<StructSchema>& structs,
                                                     const std::vector<T>& items, const MapOptions& options) {
    const auto index = detail::pool_check_task(*core_, task, params, type_name<R>(), structs);
    const std::size_t chunksize = detail::pool_chunksize(*core_, items.size(), options);
    std::vector<detail::ItemList> chunks;
    chunks.reserve((items.size() + chunksize - 1) / chunksize);
    if constexpr (detail::kRawItem<T>) {
      // An arithmetic argument's encoding is its bytes: a chunk is one copy.
      for (std::size_t i = 0; i < items.size(); i += chunksize) {
        const std::size_t n = std::min(chunksize, items.size() - i);
        auto& chunk = chunks.emplace_back();
        chunk.buffer() = detail::pool_take_buffer(*core_, n * sizeof(T));
        chunk.append_fixed({reinterpret_cast<const char*>(items.data() + i), n * sizeof(T)}, sizeof(T));
      }
    } else {
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i % chunksize == 0) chunks.emplace_back().reserve(std::min(chunksize, items.size() - i), 0);
        codec::encode_into(chunks.back().buffer(), items[i]);
        chunks.back().seal();
      }
    }
    auto buffer = detail::make_result_buffer(items.size());
    detail::pool_submit(*core_, index, std::move(chunks), buffer);
    return buffer;
  }

  template <class... A>
  static std::string tuple_params(std::tuple<A...>*) { return params_signature<A...>(); }
  template <class A, class B>
  static std::string tuple_params(std::pair<A, B>*) { return params_signature<A, B>(); }

  std::unique_ptr<detail::PoolCore> core_;
};

}  // namespace ferry
