#include <ferry/pool.hpp>

#include <ferry/abi.h>
#include <ferry/detail/huge_pages.hpp>
#include <ferry/detail/value_archive.hpp>
#include <ferry/errors.hpp>
#include <ferry/wire_format.hpp>

#include "pool/pool_core.hpp"

namespace ferry {

Pool::Pool(const Plugin& plugin, PoolOptions options) : core_(std::make_unique<detail::PoolCore>(plugin, options)) {}
Pool::~Pool() = default;
Pool::Pool(Pool&&) noexcept = default;
Pool& Pool::operator=(Pool&&) noexcept = default;

const char* to_string(WorkerLoss cause) {
  switch (cause) {
    case WorkerLoss::died: return "died";
    case WorkerLoss::timed_out: return "timed_out";
    case WorkerLoss::max_tasks: return "max_tasks";
    case WorkerLoss::protocol_error: return "protocol_error";
    case WorkerLoss::retired: return "retired";
  }
  return "lost";
}

ResultStream<Value> Pool::imap_values(std::string_view task, const std::vector<Value::List>& calls,
                                      MapOptions options, bool ordered) {
  const auto index = static_cast<std::uint32_t>(core_->plugin().task_index(task));
  const std::size_t chunksize = detail::pool_chunksize(*core_, calls.size(), options);
  auto buffer = detail::make_result_buffer(calls.size());
  buffer->recycle_into(core_->recycler());
  std::vector<detail::Batch> batches;
  batches.reserve((calls.size() + chunksize - 1) / chunksize);
  const std::uint64_t group = core_->new_group();
  for (std::size_t first = 0; first < calls.size(); first += chunksize) {
    const std::size_t n = std::min(chunksize, calls.size() - first);
    detail::Batch b;
    b.request.task = index;
    b.request.flags = FERRY_CALL_VALUE;
    b.group = group;
    b.request.items.reserve(n, 0);
    for (std::size_t i = first; i < first + n; ++i) {
      // A list Value's archive, written without copying the list into one.
      std::string& out = b.request.items.buffer();
      out.push_back(static_cast<char>(Value::Kind::list));
      wire_format::append_length(out, calls[i].size());
      for (const Value& arg : calls[i]) detail::append_value(out, arg);
      b.request.items.seal();
    }
    b.done = detail::fill_slots(buffer, first);
    batches.push_back(std::move(b));
  }
  core_->submit(std::move(batches));
  return ResultStream<Value>(std::move(buffer), ordered);
}

void Pool::close() { core_->close(); }
void Pool::join() { core_->join(); }
void Pool::terminate() { core_->terminate(); }
std::size_t Pool::workers() const { return core_->workers(); }
const Plugin& Pool::plugin() const { return core_->plugin(); }

namespace detail {

std::uint32_t pool_check_task(const PoolCore& pool, std::string_view task, const std::string& params,
                              const std::string& result, const std::vector<StructSchema>& structs) {
  const auto& plugin = pool.plugin();
  const auto index = plugin.task_index(task);
  const TaskInfo& info = plugin.tasks()[index];
  if (info.params != params)
    throw SignatureError("task '" + info.name + "' of plugin '" + plugin.name() + "' takes " + info.params +
                         ", but was called with " + params);
  if (info.result != result)
    throw SignatureError("task '" + info.name + "' of plugin '" + plugin.name() + "' returns " + info.result +
                         ", but the caller expects " + result);
  plugin.check_structs(info.name, structs);
  return static_cast<std::uint32_t>(index);
}

std::size_t pool_chunksize(const PoolCore& pool, std::size_t n, const MapOptions& options) {
  if (options.chunksize) return options.chunksize;
  const std::size_t per = pool.workers() * 4;
  return std::max<std::size_t>(1, (n + per - 1) / per);  // Python's divmod rule
}

std::string pool_take_buffer(PoolCore& pool, std::size_t bytes) {
  // A reply's header is 20 bytes; a page covers any header and costs
  // nothing until touched. Without it, a reply as large as its request
  // (square of 12,500 int64) did not fit the recycled request buffer and
  // landed in a fresh one: ~25 page faults a chunk.
  constexpr std::size_t kHeaderRoom = 4096;
  std::string out;
  if (bytes < BufferRecycler::kMinBytes) {
    out.reserve(bytes);  // never kept: a chunk of one int takes no kept 100 KB buffer
    return out;
  }
  out = pool.recycler()->take();
  if (out.capacity() < bytes) reserve_fresh(out, bytes + kHeaderRoom);  // huge pages for a chunk of MBs
  return out;
}

void pool_submit(PoolCore& pool, std::uint32_t task, std::vector<ItemList> chunks, std::shared_ptr<ResultBuffer> buffer) {
  buffer->recycle_into(pool.recycler());
  const std::uint64_t group = pool.new_group();  // this call's chunks, and no others, are alike
  const std::size_t n = chunks.size();
  // Chunk i's Batch is made as it leaves the pool's queue, after chunk i - 1's.
  pool.submit_lazy(n, [chunks = std::move(chunks), buffer = std::move(buffer), task, group,
                       first = std::size_t{0}](std::size_t i) mutable {
    Batch b;
    b.request.task = task;
    b.group = group;
    const std::size_t size = chunks[i].size();
    b.request.items = std::move(chunks[i]);
    b.done = fill_slots(buffer, first);
    first += size;
    return b;
  });
}

}  // namespace detail
}  // namespace ferry
