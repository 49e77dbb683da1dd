// A task's batch entry (ferry_task_v1::invoke_batch) against its one-item
// entry: the same status and output for every item, in both input modes,
// through the raw-number path and the general one; and where a batch stops.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <ferry/plugin.hpp>

using ferry::Value;
namespace codec = ferry::codec;

namespace {

struct Point {
  double x = 0, y = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(x, y);
  }
};

std::uint32_t stop_flag = 0;  // a batch's stop word, for the stopping task
std::uint64_t current_item = 0;  // a batch's `current`, for the task that reports it

void define_sample(ferry::PluginBuilder& plugin) {
  plugin.task("add", [](std::int64_t a, std::int64_t b) { return a + b; })
      .task("half", [](std::int64_t a) {
        if (a % 2) throw std::invalid_argument("odd: " + std::to_string(a));
        return a / 2;
      })
      .task("mid", [](Point a, Point b) { return Point{(a.x + b.x) / 2, (a.y + b.y) / 2}; })
      .task("scalars", [](std::int32_t i, double d, bool b) { return b ? d * i : -d; })
      .task("count", [calls = std::int64_t{0}](std::int64_t) mutable { return ++calls; })
      .task("stop_at_2", [](std::int64_t x) {
        if (x == 2) stop_flag = 1;
        return x;
      })
      .task("current", [](std::int64_t) { return static_cast<std::int64_t>(current_item); });
}

const ferry_task_v1& task_of(const ferry_plugin_v1* d, const std::string& name) {
  for (std::uint64_t i = 0; i < d->task_count; ++i)
    if (name == d->tasks[i].name) return d->tasks[i];
  FAIL("no task " << name);
  throw 0;
}

void append(void* state, const std::uint8_t* data, std::uint64_t size) {
  static_cast<std::string*>(state)->append(reinterpret_cast<const char*>(data), size);
}

struct Item {
  std::int32_t status = -1;
  std::string output;
  bool operator==(const Item&) const = default;
};

Item invoke_one(const ferry_task_v1& t, const std::string& input, std::uint32_t flags) {
  Item out;
  const ferry_host_v1 host{sizeof(ferry_host_v1), 0, nullptr, nullptr, nullptr, nullptr, nullptr, {}};
  const ferry_call_v1 call{sizeof(ferry_call_v1), flags, reinterpret_cast<const std::uint8_t*>(input.data()),
                           input.size(), ferry_sink_v1{&out.output, &append}, &host, t.name, 0};
  out.status = t.invoke(t.state, &call);
  return out;
}

// Runs items through the batch entry; the items that ran.
std::vector<Item> invoke_batch(const ferry_task_v1& t, const std::vector<std::string>& inputs, std::uint32_t flags,
                               std::uint64_t max_output = UINT64_MAX, const std::uint32_t* stop = nullptr,
                               std::uint64_t* current = nullptr, std::uint32_t struct_size = sizeof(ferry_batch_v1)) {
  std::string input, output;
  std::vector<std::uint32_t> ends;
  for (const auto& in : inputs) {
    input += in;
    ends.push_back(static_cast<std::uint32_t>(input.size()));
  }
  std::vector<std::uint64_t> output_ends(inputs.size());
  std::vector<std::int32_t> statuses(inputs.size());
  const ferry_host_v1 host{sizeof(ferry_host_v1), 0, nullptr, nullptr, nullptr, nullptr, nullptr, {}};
  const ferry_batch_v1 batch{struct_size, flags, inputs.size(), reinterpret_cast<const std::uint8_t*>(input.data()),
                             ends.data(), ferry_sink_v1{&output, &append}, output_ends.data(), statuses.data(), &host,
                             t.name, max_output, stop, current};
  REQUIRE(t.invoke_batch != nullptr);
  const std::uint64_t ran = t.invoke_batch(t.state, &batch);
  REQUIRE(ran <= inputs.size());
  CHECK(output.size() == (ran ? output_ends[ran - 1] : 0));
  std::vector<Item> out;
  for (std::uint64_t i = 0; i < ran; ++i) {
    const std::uint64_t begin = i ? output_ends[i - 1] : 0;
    out.push_back({statuses[i], output.substr(begin, output_ends[i] - begin)});
  }
  return out;
}

std::vector<Item> one_by_one(const ferry_task_v1& t, const std::vector<std::string>& inputs, std::uint32_t flags) {
  std::vector<Item> out;
  for (const auto& in : inputs) out.push_back(invoke_one(t, in, flags));
  return out;
}

std::string value_args(Value::List args) { return codec::encode_value(Value(std::move(args))); }

}  // namespace

TEST_CASE("sdk batch: every item as its own call would give it, typed", "[sdk][batch]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const auto* d = holder.descriptor();
  const std::vector<std::string> adds = {codec::encode(std::int64_t{1}, std::int64_t{2}), "short",
                                         codec::encode(std::int64_t{-5}, std::int64_t{5}),
                                         codec::encode(std::int64_t{1}, std::int64_t{2}) + "x"};
  const auto batch = invoke_batch(task_of(d, "add"), adds, 0);
  CHECK(batch == one_by_one(task_of(d, "add"), adds, 0));
  REQUIRE(batch.size() == 4);
  CHECK(batch[0] == Item{FERRY_OK, codec::encode(std::int64_t{3})});
  CHECK(batch[1].status == FERRY_BAD_INPUT);
  CHECK(batch[3].status == FERRY_BAD_INPUT);

  std::vector<std::string> halves;
  for (std::int64_t x : {4, 7, 10}) halves.push_back(codec::encode(x));
  const auto h = invoke_batch(task_of(d, "half"), halves, 0);
  CHECK(h == one_by_one(task_of(d, "half"), halves, 0));
  REQUIRE(h.size() == 3);
  CHECK(h[1].status == FERRY_TASK_ERROR);  // the raw path reports a throw as the general one does
  CHECK(h[2] == Item{FERRY_OK, codec::encode(std::int64_t{5})});

  const std::vector<std::string> mids = {codec::encode(Point{0, 0}, Point{2, 4}), codec::encode(Point{1, 1}, Point{3, 3})};
  CHECK(invoke_batch(task_of(d, "mid"), mids, 0) == one_by_one(task_of(d, "mid"), mids, 0));
  const std::vector<std::string> scalars = {codec::encode(std::int32_t{2}, 1.5, true), codec::encode(std::int32_t{2}, 1.5, false)};
  CHECK(invoke_batch(task_of(d, "scalars"), scalars, 0) == one_by_one(task_of(d, "scalars"), scalars, 0));
}

TEST_CASE("sdk batch: every item as its own call would give it, as Values", "[sdk][batch]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const auto* d = holder.descriptor();
  const std::vector<std::string> adds = {value_args({Value(1), Value(2)}), value_args({Value(1)}),
                                         value_args({Value("a"), Value(2)}), value_args({Value(40), Value(2)})};
  const auto batch = invoke_batch(task_of(d, "add"), adds, FERRY_CALL_VALUE);
  CHECK(batch == one_by_one(task_of(d, "add"), adds, FERRY_CALL_VALUE));
  REQUIRE(batch.size() == 4);
  CHECK(batch[3] == Item{FERRY_OK, codec::encode_value(Value(42))});
  CHECK(batch[1].status == FERRY_BAD_INPUT);
}

TEST_CASE("sdk batch: it stops at its stop word and past its output limit", "[sdk][batch]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const auto* d = holder.descriptor();
  std::vector<std::string> xs;
  for (std::int64_t x = 0; x < 5; ++x) xs.push_back(codec::encode(x));
  stop_flag = 0;
  CHECK(invoke_batch(task_of(d, "stop_at_2"), xs, 0, UINT64_MAX, &stop_flag).size() == 3);  // 0, 1, 2, then stopped
  CHECK(invoke_batch(task_of(d, "stop_at_2"), xs, 0, UINT64_MAX, &stop_flag).empty());     // still set
  stop_flag = 0;
  // 8 bytes an item: the third takes the output to 24 > 20.
  CHECK(invoke_batch(task_of(d, "add"), std::vector<std::string>(5, codec::encode(std::int64_t{1}, std::int64_t{1})), 0, 20)
            .size() == 3);
}

TEST_CASE("sdk batch: it says which item runs, when the host's struct has room for it", "[sdk][batch]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const auto* d = holder.descriptor();
  const std::vector<std::string> xs(3, codec::encode(std::int64_t{0}));
  current_item = 99;
  const auto seen = invoke_batch(task_of(d, "current"), xs, 0, UINT64_MAX, nullptr, &current_item);
  REQUIRE(seen.size() == 3);
  for (std::int64_t i = 0; i < 3; ++i) CHECK(seen[i] == Item{FERRY_OK, codec::encode(i)});  // written before each item

  // A host built before `current` existed passes a shorter struct: the
  // field is not read, whatever lies there.
  current_item = 99;
  const auto old = invoke_batch(task_of(d, "current"), xs, 0, UINT64_MAX, nullptr, &current_item,
                                static_cast<std::uint32_t>(offsetof(ferry_batch_v1, current)));
  REQUIRE(old.size() == 3);
  CHECK(old[2] == Item{FERRY_OK, codec::encode(std::int64_t{99})});
}

TEST_CASE("sdk batch: a task keeps one state whichever way it is called", "[sdk][batch]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const auto& t = task_of(holder.descriptor(), "count");  // a lambda counting its calls in its capture
  CHECK(invoke_one(t, codec::encode(std::int64_t{0}), 0) == Item{FERRY_OK, codec::encode(std::int64_t{1})});
  const auto batch = invoke_batch(t, std::vector<std::string>(2, codec::encode(std::int64_t{0})), 0);
  REQUIRE(batch.size() == 2);
  CHECK(batch[1] == Item{FERRY_OK, codec::encode(std::int64_t{3})});
  CHECK(invoke_one(t, codec::encode(std::int64_t{0}), 0) == Item{FERRY_OK, codec::encode(std::int64_t{4})});
}
