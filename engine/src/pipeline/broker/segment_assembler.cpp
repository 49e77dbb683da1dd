#include "pipeline/broker/segment_assembler.hpp"

#include <set>

namespace ferry::pipeline {
namespace {

void put_index(std::string& key, std::uint32_t index) {
  for (int i = 3; i >= 0; --i) key.push_back(static_cast<char>((index >> (8 * i)) & 0xff));
}

// The key of path's first n steps.
std::string prefix_key(const std::vector<broker::PathStep>& path, std::size_t n) {
  std::string key;
  key.reserve(4 * n);
  for (std::size_t i = 0; i < n; ++i) put_index(key, path[i].index);
  return key;
}

// The key of the steps of path made before stage (steps go by stage).
std::string key_before(const std::vector<broker::PathStep>& path, std::size_t stage) {
  std::size_t n = 0;
  while (n < path.size() && path[n].stage < stage) ++n;
  return prefix_key(path, n);
}

}  // namespace

void SegmentAssembler::expect(std::uint64_t origin) { open_.try_emplace(origin); }

bool SegmentAssembler::complete(std::uint64_t origin) const {
  const auto it = open_.find(origin);
  return it != open_.end() && it->second.complete;
}

bool SegmentAssembler::add(broker::EntryItem item) {
  const auto it = open_.find(item.origin);
  if (it == open_.end() || it->second.complete) return false;
  Origin& o = it->second;
  const auto& path = item.path;
  // Nothing at or above this path may be complete already, and a path that
  // has children cannot also be a result.
  for (std::size_t n = 0; n <= path.size(); ++n) {
    const auto node = o.nodes.find(prefix_key(path, n));
    if (node != o.nodes.end() && node->second.complete) return false;
  }
  std::string key = prefix_key(path, path.size());
  if (const auto self = o.nodes.find(key); self != o.nodes.end() && self->second.has_children) return false;
  for (std::size_t n = 0; n < path.size(); ++n) o.nodes[prefix_key(path, n)].has_children = true;
  o.nodes[key].complete = true;
  // Completing a node may complete its parent, and so on up to the origin.
  for (std::size_t depth = path.size(); depth > 0; --depth) {
    Node& parent = o.nodes[prefix_key(path, depth - 1)];
    const auto& step = path[depth - 1];
    // A step of a node completed through its children counts once: only the
    // leaf's own steps and newly completed ancestors reach here.
    ++parent.done;
    if (step.last) parent.expected = static_cast<std::int64_t>(step.index) + 1;
    if (parent.expected < 0 || parent.done != static_cast<std::uint64_t>(parent.expected)) break;
    parent.complete = true;
  }
  o.complete = o.nodes[""].complete;
  o.leaves.emplace(std::move(key), std::move(item));
  return true;
}

std::vector<SegmentAssembler::Done> SegmentAssembler::take_ready() {
  std::vector<Done> out;
  for (auto it = open_.begin(); it != open_.end();) {
    if (!it->second.complete) {
      if (ordered_) break;
      ++it;
      continue;
    }
    Done d;
    d.origin = it->first;
    d.leaves.reserve(it->second.leaves.size());
    for (auto& [key, leaf] : it->second.leaves) d.leaves.push_back(std::move(leaf));
    out.push_back(std::move(d));
    it = open_.erase(it);
  }
  return out;
}

std::uint64_t SegmentAssembler::items_entering(const std::vector<broker::EntryItem>& leaves, std::size_t stage) {
  std::set<std::string> distinct;
  for (const auto& leaf : leaves) distinct.insert(key_before(leaf.path, stage));
  return distinct.size();
}

std::uint64_t SegmentAssembler::position_entering(const std::vector<broker::EntryItem>& leaves, std::size_t stage,
                                                  const std::vector<broker::PathStep>& path) {
  std::set<std::string> distinct;
  for (const auto& leaf : leaves) distinct.insert(key_before(leaf.path, stage));
  const std::string mine = key_before(path, stage);
  return static_cast<std::uint64_t>(std::distance(distinct.begin(), distinct.lower_bound(mine)));
}

}  // namespace ferry::pipeline
