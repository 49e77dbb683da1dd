// The bounded queue between two pipeline stages. Items move in batches (one
// lock and, when the consumer takes what the producer pushed, one vector move
// per batch, not per item) and a full queue blocks its producer, which is how
// a slow stage holds every stage before it to bounded memory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/detail/item_list.hpp>

namespace ferry::pipeline {

// Which source items an item derives from, so that a journal can tell when
// a source item is completely written. A plain item closes its origin (its
// source position): it is the last item derived from it. flat_map's other
// results only open it. Items that merge others (batch, apply) carry their
// members' origins in the two lists. The single-origin case allocates
// nothing.
struct Provenance {
  enum class Role : std::uint8_t { closes, opens, merged };
  std::uint64_t origin = 0;
  Role role = Role::closes;

  Provenance() = default;
  Provenance(std::uint64_t origin, Role role) : origin(origin), role(role) {}
  Provenance(const Provenance& other) : origin(other.origin), role(other.role) {
    if (other.lists_) lists_ = std::make_unique<Lists>(*other.lists_);
  }
  Provenance& operator=(const Provenance& other) {
    if (this != &other) *this = Provenance(other);
    return *this;
  }
  Provenance(Provenance&&) noexcept = default;
  Provenance& operator=(Provenance&&) noexcept = default;

  // The origins a merged provenance opens and closes (empty otherwise).
  const std::vector<std::uint64_t>& opens() const { return lists_ ? lists_->opens : kNone; }
  const std::vector<std::uint64_t>& closes() const { return lists_ ? lists_->closes : kNone; }

  // A provenance that opens every origin this one touches and closes none:
  // for results derived from it that are not the last.
  Provenance opening() const;
  // Adds what member touches to this merged provenance.
  void merge(const Provenance& member);

 private:
  // Only merged items have lists, so an Item stays small (64 bytes): items
  // are moved between stages by the thousand, and held by the thousand in
  // queues and calls in flight.
  struct Lists {
    std::vector<std::uint64_t> opens, closes;
  };
  static inline const std::vector<std::uint64_t> kNone{};
  Lists& lists();

  std::unique_ptr<Lists> lists_;
};

// One item between stages: its encoded bytes (typed cereal or a ferry::Value
// archive, as the plan decided for that edge), an error record that every
// later stage passes on untouched (on_error: collect), or a tombstone that
// carries only provenance (a skipped item, an empty flat_map result).
struct Item {
  std::string bytes;
  bool error_record = false;
  bool tombstone = false;
  // An error record's errors: output (StagePlan::dead_letter); 0: the sink.
  std::uint16_t dead_letter = 0;
  Provenance from;

  bool passes_through() const { return error_record || tombstone; }
};
static_assert(sizeof(Item) <= 64, "Items are moved and held by the thousand: keep them small");

// Items that count in statistics: all but tombstones.
inline std::uint64_t count_items(const std::vector<Item>& items) {
  std::uint64_t n = 0;
  for (const auto& i : items) n += !i.tombstone;
  return n;
}

// Items that need nothing but their bytes: none is an error record or a
// tombstone, each is the last item of its own origin, and their origins
// run on from first_origin. A source's items and a map's results mostly
// are, and travel so between stages: one buffer for a chunk, no Item (64
// bytes, moved at every step) for each of its items. They become Items
// only where a stage needs one (ItemQueue::pop, a failed call).
struct PlainRun {
  ferry::detail::ItemList items;
  std::uint64_t first_origin = 0;

  std::size_t size() const { return items.size(); }
  bool empty() const { return items.empty(); }
  // Appends one item, whose origin is the next one.
  void push_back(std::string_view bytes) {
    // Kept as one size and a count while the items are (ItemList).
    if (bytes.empty()) items.push_back(bytes);
    else items.append_fixed(bytes, bytes.size());
  }
  void clear() { items.clear(); }
};

// Appends n of run's items from its item `first` on to out, as Items (the
// caller reserves room).
void append_items(std::vector<Item>& out, const PlainRun& run, std::size_t first, std::size_t n);

class ItemQueue {
 public:
  explicit ItemQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // Appends items, waiting while the queue holds capacity items or more (a
  // batch larger than the capacity still goes into an empty queue, so a
  // producer never deadlocks). False when the queue was cancelled.
  bool push(std::vector<Item>& items);
  // As push, for a plain run (moved from; empty after).
  bool push(PlainRun& run);
  // Moves up to max items into out (cleared first), waiting for at least
  // one. A batch at the front of up to max + slack items is taken whole
  // (no item moved): callers whose max is a preference, not a limit, say
  // how far. False once the queue is closed and drained, or cancelled.
  // Plain runs among them become Items.
  bool pop(std::vector<Item>& out, std::size_t max, std::size_t slack = 0);
  // As pop, for a stage that takes plain runs as they are: when the front
  // batch is a plain run, up to max (or its rest within max + slack) of
  // its items go to run (whole when it can, without copying), and items is
  // left empty; otherwise items are popped as pop does, and run is empty.
  bool pop(PlainRun& run, std::vector<Item>& items, std::size_t max, std::size_t slack = 0);
  // Waits until there are items to pop: true, or false once the queue is
  // closed and drained, or cancelled (as pop would return).
  bool wait_for_items();
  // The producer is done: pop drains what is left, then returns false.
  void close();
  // Stops both sides at once: blocked and later push and pop return false.
  void cancel();
  // Items waiting now.
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  // A batch as its producer pushed it: Items, or a plain run.
  struct Batch {
    std::vector<Item> items;
    PlainRun run;
    bool plain = false;
    std::size_t size() const { return plain ? run.size() : items.size(); }
  };
  // How many items pop(out, max, slack) takes now (the rules above); mu_ held.
  std::size_t planned_take(std::size_t max, std::size_t slack) const;
  // Waits for items; false when pop should return false. Takes lock.
  bool wait_to_pop(std::unique_lock<std::mutex>& lock);
  // Moves total items (planned_take's) into out; mu_ held.
  void take_items(std::vector<Item>& out, std::size_t total);
  // Takes up to max items (or the rest within max + slack) of the plain
  // run at the front into run; mu_ held.
  void take_run(PlainRun& run, std::size_t max, std::size_t slack);
  // Appends batch (moved from), waiting for room; false when cancelled.
  bool push_batch(Batch& batch);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  // Items as their producers pushed them: a batch moves in and, when a
  // consumer takes it whole, out again without touching its items. The
  // front batch may be partly taken (its first front_taken_ items are gone).
  std::deque<Batch> batches_;  // guarded by mu_
  std::size_t front_taken_ = 0;            // guarded by mu_
  std::size_t count_ = 0;                  // items in batches_; guarded by mu_
  bool closed_ = false;     // guarded by mu_
  bool cancelled_ = false;  // guarded by mu_
};

}  // namespace ferry::pipeline
