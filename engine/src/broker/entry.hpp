// What one stream entry of a distributed run carries: a chunk of items, each
// with the path that says where it came from. The host numbers the items it
// sends into a segment of task stages (origin); a flat_map (or a task
// source) gives each of an item's results a step (stage, index, last), so
// that the host can tell, from whatever arrives at the segment's end and in
// whatever order, when an origin is complete, drop duplicates, and restore
// the local run's order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::broker {

// One fan-out step: result `index` of the item, made by stage `stage`;
// `last` on the item's final result.
struct PathStep {
  std::uint16_t stage = 0;
  std::uint32_t index = 0;
  bool last = false;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(stage, index, last);
  }
  bool operator==(const PathStep&) const = default;
};

struct EntryItem {
  enum Flags : std::uint8_t {
    error_record = 1,  // on_error: collect; later stages pass it on
    tombstone = 2,     // skipped, or an empty flat_map result: provenance only
  };
  std::uint64_t origin = 0;
  std::vector<PathStep> path;
  std::uint8_t flags = 0;
  std::uint16_t dead_letter = 0;
  // The stage that made this error record (its `item` is renumbered by the
  // host, which alone knows positions), or -1.
  std::int32_t made_at = -1;
  std::string bytes;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(origin, path, flags, dead_letter, made_at, bytes);
  }
};

// The payload of one entry: a chunk of items, or a stage's reason to stop
// the run (on_error: fail), which travels to the host like a result.
struct Entry {
  std::vector<EntryItem> items;
  std::string failure;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(items, failure);
  }
};

std::string encode_entry(const Entry& entry);
// Throws ferry::Error on bytes that are not an entry (a hostile or foreign
// writer): the caller drops that entry, it does not crash.
Entry decode_entry(const std::string& bytes);

// A path as bytes that sort as the local run orders results: origin first,
// then each step's index. Used as the dedupe key and the sort key.
std::string path_key(std::uint64_t origin, const std::vector<PathStep>& path);

}  // namespace ferry::broker
