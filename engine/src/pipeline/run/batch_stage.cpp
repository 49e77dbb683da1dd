// batch: N: groups consecutive items into lists of N, in the host.
#include "pipeline/run/host_stages.hpp"
#include "pipeline/run/item_codec.hpp"

namespace ferry::pipeline {

void run_batch(const StagePlan& plan, std::size_t index, ItemQueue& in, ItemQueue* out, RunControl& control) {
  auto& counters = control.counters(index);
  const std::size_t size = plan.stage->batch;
  std::vector<Item> items, ready;
  std::string group;
  std::uint64_t grouped = 0;
  Provenance members{0, Provenance::Role::merged};  // the origins of the group's members
  auto close_group = [&] {
    Item item;
    item.bytes = value_list_header(grouped) + group;
    item.from = std::move(members);
    ready.push_back(std::move(item));
    members = Provenance{0, Provenance::Role::merged};
    group.clear();
    grouped = 0;
  };
  while (in.pop(items, 4096)) {
    if (counters.items_in.fetch_add(count_items(items)) == 0) counters.started_ns = control.now_ns();
    for (auto& item : items) {
      if (item.passes_through()) {
        ready.push_back(std::move(item));
        continue;
      }
      members.merge(item.from);
      group += item.bytes;
      if (++grouped == size) close_group();
    }
    const auto done = count_items(ready);
    counters.items_out += done;
    control.observer().items_done(plan.stage->name, done);
    if (out ? !ready.empty() && !out->push(ready) : !control.dead_letters().take(ready)) return;
    ready.clear();
  }
  if (control.failed()) return;
  // Draining: a partial group is dropped, so a journal's restart groups
  // exactly as an uninterrupted run does.
  if (grouped && !control.draining()) {
    close_group();
    counters.items_out += ready.size();
    control.observer().items_done(plan.stage->name, ready.size());
    if (out && !out->push(ready)) return;
  }
  if (out) out->close();
  counters.finished_ns = control.now_ns();
}

}  // namespace ferry::pipeline
