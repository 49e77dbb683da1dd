#include <ferry/pool.hpp>

#include <ferry/errors.hpp>

#include "pool/pool_core.hpp"

namespace ferry {

Pool::Pool(const Plugin& plugin, PoolOptions options) : core_(std::make_unique<detail::PoolCore>(plugin, options)) {}
Pool::~Pool() = default;
Pool::Pool(Pool&&) noexcept = default;
Pool& Pool::operator=(Pool&&) noexcept = default;

void Pool::close() { core_->close(); }
void Pool::join() { core_->join(); }
void Pool::terminate() { core_->terminate(); }
std::size_t Pool::workers() const { return core_->workers(); }
const Plugin& Pool::plugin() const { return core_->plugin(); }

std::uint32_t Pool::check_task(std::string_view task, const std::string& params, const std::string& result) const {
  const auto& plugin = core_->plugin();
  const auto index = plugin.task_index(task);
  const TaskInfo& info = plugin.tasks()[index];
  if (info.params != params)
    throw SignatureError("task '" + info.name + "' of plugin '" + plugin.name() + "' takes " + info.params +
                         ", but was called with " + params);
  if (info.result != result)
    throw SignatureError("task '" + info.name + "' of plugin '" + plugin.name() + "' returns " + info.result +
                         ", but the caller expects " + result);
  return static_cast<std::uint32_t>(index);
}

std::size_t Pool::chunksize_for(std::size_t n, const MapOptions& options) const {
  if (options.chunksize) return options.chunksize;
  const std::size_t per = workers() * 4;
  return std::max<std::size_t>(1, (n + per - 1) / per);  // Python's divmod rule
}

void Pool::submit(std::uint32_t task, std::vector<detail::ItemList> chunks,
                  std::shared_ptr<detail::ResultBuffer> buffer, std::uint32_t flags) {
  std::vector<detail::Batch> batches;
  batches.reserve(chunks.size());
  const std::uint64_t group = core_->new_group();  // this call's chunks, and no others, are alike
  std::size_t first = 0;
  for (auto& chunk : chunks) {
    detail::Batch b;
    b.request.task = task;
    b.request.flags = flags;
    b.group = group;
    const std::size_t n = chunk.size();
    b.request.items = std::move(chunk);
    b.done = detail::fill_slots(buffer, first);
    first += n;
    batches.push_back(std::move(b));
  }
  core_->submit(std::move(batches));
}

}  // namespace ferry
