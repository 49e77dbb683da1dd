// The host's view of a segment's results: which origins are complete, which
// arrivals are duplicates (an item run twice after its worker was presumed
// dead, or re-sent after a broker restart), and the local run's order. An
// origin is complete once every fan-out under it has ended: a node of its
// path tree is complete when a result arrives for it, or when it knows how
// many children it has (the one marked last) and all of them are complete.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/entry.hpp"

namespace ferry::pipeline {

class SegmentAssembler {
 public:
  struct Done {
    std::uint64_t origin = 0;
    std::vector<broker::EntryItem> leaves;  // in the local run's order
  };

  // ordered: take_ready releases origins in origin order only.
  explicit SegmentAssembler(bool ordered) : ordered_(ordered) {}

  // Origin was sent: its results will be waited for.
  void expect(std::uint64_t origin);
  // Takes an arriving result. False when it adds nothing: a duplicate, a
  // result for an origin already released or never sent, or one whose
  // shape contradicts what arrived before (a task that gives other results
  // when run again).
  bool add(broker::EntryItem item);
  // Complete origins that may go on now.
  std::vector<Done> take_ready();
  // Origins sent and not yet released.
  std::size_t open() const { return open_.size(); }
  bool complete(std::uint64_t origin) const;

  // Of a complete origin's leaves: how many items entered stage (the
  // distinct paths made by stages before it), and the position among them
  // of the item at path.
  static std::uint64_t items_entering(const std::vector<broker::EntryItem>& leaves, std::size_t stage);
  static std::uint64_t position_entering(const std::vector<broker::EntryItem>& leaves, std::size_t stage,
                                         const std::vector<broker::PathStep>& path);

 private:
  struct Node {
    std::int64_t expected = -1;  // children, once the last one is known
    std::uint32_t done = 0;      // complete children
    bool complete = false;
    bool has_children = false;
  };
  struct Origin {
    std::unordered_map<std::string, Node> nodes;  // by path key without the origin
    std::map<std::string, broker::EntryItem> leaves;
    bool complete = false;
  };

  const bool ordered_;
  std::map<std::uint64_t, Origin> open_;
};

}  // namespace ferry::pipeline
