// The C boundary of a plugin as ferry-worker sees it: register typed tasks
// with PluginBuilder, take the descriptor PluginHolder builds, and call
// invoke with hand-made ferry_call_v1 structs in both input modes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <ferry/plugin.hpp>

using ferry::Value;
namespace codec = ferry::codec;

namespace {

struct Point {
  double x = 0, y = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(x), CEREAL_NVP(y));
  }
};

std::int64_t add(std::int64_t a, std::int64_t b) { return a + b; }

struct QuietError : std::exception {
  const char* what() const noexcept override { return ""; }
};

void define_sample(ferry::PluginBuilder& plugin) {
  plugin.task("add", add, "a + b")
      .task("fail", [](std::int64_t) -> std::int64_t { throw std::runtime_error("boom"); })
      .task("fail_int", [](std::int64_t) -> std::int64_t { throw 7; })
      .task("nothing", [] {})
      .task("mid", [](Point a, Point b) { return Point{(a.x + b.x) / 2, (a.y + b.y) / 2}; })
      .task("log", [](ferry::Context& ctx, std::string msg) {
        ctx.log(msg, ferry::LogLevel::warning);
        return std::string(ctx.task_name());
      })
      .task("scalars", [](std::int32_t i, double d, bool b) { return b ? d * i : -d; });
}

// One invocation's output and status, with the log lines the host received.
struct Outcome {
  std::int32_t status = -1;
  std::string output;
  std::vector<std::pair<int, std::string>> logs;
};

// Calls task `name` of desc the way ferry-worker does.
Outcome invoke(const ferry_plugin_v1* desc, const std::string& name, const std::string& input, std::uint32_t flags) {
  const ferry_task_v1* task = nullptr;
  for (std::uint64_t i = 0; i < desc->task_count; ++i)
    if (name == desc->tasks[i].name) task = &desc->tasks[i];
  REQUIRE(task != nullptr);

  Outcome out;
  ferry_host_v1 host{};
  host.struct_size = sizeof host;
  host.state = &out;
  host.log = [](void* state, std::int32_t level, const char* msg, std::uint64_t size) {
    static_cast<Outcome*>(state)->logs.emplace_back(level, std::string(msg, size));
  };
  ferry_call_v1 call{};
  call.struct_size = sizeof call;
  call.flags = flags;
  call.input = reinterpret_cast<const std::uint8_t*>(input.data());
  call.input_size = input.size();
  call.output.state = &out.output;
  call.output.write = [](void* state, const std::uint8_t* data, std::uint64_t size) {
    static_cast<std::string*>(state)->append(reinterpret_cast<const char*>(data), size);
  };
  call.host = &host;
  call.task_name = task->name;
  out.status = task->invoke(task->state, &call);
  return out;
}

std::string value_args(Value::List args) { return codec::encode_value(Value(std::move(args))); }

}  // namespace

TEST_CASE("sdk invoke: PluginHolder publishes name, version and the task table", "[sdk]") {
  const ferry::detail::PluginHolder holder("sample", "2.1", &define_sample);
  const ferry_plugin_v1* d = holder.descriptor();
  CHECK(d->abi_version == FERRY_ABI_VERSION);
  CHECK(d->struct_size == sizeof(ferry_plugin_v1));
  CHECK(std::string(d->name) == "sample");
  CHECK(std::string(d->version) == "2.1");
  CHECK(d->load_error == nullptr);
  REQUIRE(d->task_count == 7);

  const ferry_task_v1& t = d->tasks[0];
  CHECK(std::string(t.name) == "add");
  CHECK(std::string(t.params) == "(i64,i64)");
  CHECK(std::string(t.result) == "i64");
  CHECK(std::string(t.doc) == "a + b");
  CHECK(std::string(d->tasks[1].doc).empty());  // never null, even without a doc
  CHECK(std::string(d->tasks[3].params) == "()");
  CHECK(std::string(d->tasks[3].result) == "none");
  CHECK(std::string(d->tasks[4].params) == "(" + ferry::type_name<Point>() + "," + ferry::type_name<Point>() + ")");
  CHECK(std::string(d->tasks[5].params) == "(str)");  // the Context is not a parameter
}

TEST_CASE("sdk invoke: typed mode decodes cereal arguments and encodes the result", "[sdk]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const Outcome r = invoke(holder.descriptor(), "add", codec::encode(std::int64_t{40}, std::int64_t{2}), 0);
  REQUIRE(r.status == FERRY_OK);
  std::int64_t sum = 0;
  codec::decode(r.output, sum);
  CHECK(sum == 42);

  const Outcome none = invoke(holder.descriptor(), "nothing", "", 0);
  CHECK(none.status == FERRY_OK);
  CHECK(none.output.empty());

  const Outcome mid = invoke(holder.descriptor(), "mid", codec::encode(Point{0, 0}, Point{2, 4}), 0);
  REQUIRE(mid.status == FERRY_OK);
  Point p;
  codec::decode(mid.output, p);
  CHECK(p.x == 1.0);
  CHECK(p.y == 2.0);
}

TEST_CASE("sdk invoke: value mode takes a Value list and returns one Value", "[sdk]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const Outcome r = invoke(holder.descriptor(), "add", value_args({40, 2}), FERRY_CALL_VALUE);
  REQUIRE(r.status == FERRY_OK);
  CHECK(codec::decode_value(r.output) == Value(42));

  const Outcome none = invoke(holder.descriptor(), "nothing", value_args({}), FERRY_CALL_VALUE);
  REQUIRE(none.status == FERRY_OK);
  CHECK(codec::decode_value(none.output).is_null());

  const Value a(Value::Map{{"x", 0}, {"y", 0}}), b(Value::Map{{"y", 4.0}, {"x", 2.0}});
  const Outcome mid = invoke(holder.descriptor(), "mid", value_args({a, b}), FERRY_CALL_VALUE);
  REQUIRE(mid.status == FERRY_OK);
  CHECK(codec::decode_value(mid.output) == Value(Value::Map{{"x", 1.0}, {"y", 2.0}}));
}

TEST_CASE("sdk invoke: scalar arguments read straight from the Value list convert as from_value does", "[sdk]") {
  // Scalar parameters skip building a Value; what they take and refuse
  // must not change.
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const ferry_plugin_v1* d = holder.descriptor();
  const auto result = [&](Value::List args) {
    const Outcome r = invoke(d, "scalars", value_args(std::move(args)), FERRY_CALL_VALUE);
    REQUIRE(r.status == FERRY_OK);
    return codec::decode_value(r.output);
  };
  CHECK(result({3, 1.5, true}) == Value(4.5));
  CHECK(result({3, 2, true}) == Value(6.0));  // an int into a double parameter
  CHECK(result({3, 2.5, false}) == Value(-2.5));

  const Outcome range = invoke(d, "scalars", value_args({std::int64_t{1} << 40, 1.0, true}), FERRY_CALL_VALUE);
  CHECK(range.status == FERRY_BAD_INPUT);
  CHECK_THAT(range.output, Catch::Contains("argument 1: 1099511627776 is out of range for"));
  const Outcome flt = invoke(d, "scalars", value_args({1.0, 1.0, true}), FERRY_CALL_VALUE);
  CHECK(flt.status == FERRY_BAD_INPUT);
  CHECK_THAT(flt.output, Catch::Contains("argument 1: expected int, got float"));
  const Outcome not_bool = invoke(d, "scalars", value_args({1, 1.0, 1}), FERRY_CALL_VALUE);
  CHECK(not_bool.status == FERRY_BAD_INPUT);
  CHECK_THAT(not_bool.output, Catch::Contains("argument 3:"));

  std::string bad_bool = value_args({1, 1.0, true});
  bad_bool.back() = '\x02';
  CHECK_THAT(invoke(d, "scalars", bad_bool, FERRY_CALL_VALUE).output, Catch::Contains("invalid bool byte 2"));
  CHECK(invoke(d, "scalars", value_args({1, 1.0, true}) + "x", FERRY_CALL_VALUE).status == FERRY_BAD_INPUT);
  const std::string whole = value_args({1, 1.0, true});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(invoke(d, "scalars", whole.substr(0, n), FERRY_CALL_VALUE).status == FERRY_BAD_INPUT);
  }
}

TEST_CASE("sdk invoke: a thrown exception becomes FERRY_TASK_ERROR with type and message", "[sdk]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const Outcome r = invoke(holder.descriptor(), "fail", codec::encode(std::int64_t{1}), 0);
  CHECK(r.status == FERRY_TASK_ERROR);
  CHECK(r.output == std::string("std::runtime_error\0boom", 23));

  const Outcome v = invoke(holder.descriptor(), "fail", value_args({1}), FERRY_CALL_VALUE);
  CHECK(v.status == FERRY_TASK_ERROR);
  CHECK(v.output == r.output);

  const Outcome i = invoke(holder.descriptor(), "fail_int", codec::encode(std::int64_t{1}), 0);
  CHECK(i.status == FERRY_TASK_ERROR);
  CHECK(i.output == std::string("int\0unknown exception", 21));
}

TEST_CASE("sdk invoke: undecodable input is FERRY_BAD_INPUT with a message", "[sdk]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const ferry_plugin_v1* d = holder.descriptor();

  const std::string full = codec::encode(std::int64_t{1}, std::int64_t{2});
  const Outcome shorter = invoke(d, "add", full.substr(0, full.size() - 1), 0);
  CHECK(shorter.status == FERRY_BAD_INPUT);
  CHECK_THAT(shorter.output, Catch::StartsWith("cannot decode arguments: "));
  CHECK(invoke(d, "add", full + "!", 0).status == FERRY_BAD_INPUT);
  CHECK(invoke(d, "nothing", "x", 0).status == FERRY_BAD_INPUT);

  const Outcome few = invoke(d, "add", value_args({1}), FERRY_CALL_VALUE);
  CHECK(few.status == FERRY_BAD_INPUT);
  CHECK_THAT(few.output, Catch::Contains("takes 2 arguments, got 1"));
  CHECK(invoke(d, "add", value_args({1, 2, 3}), FERRY_CALL_VALUE).status == FERRY_BAD_INPUT);

  const Outcome kind = invoke(d, "add", value_args({1, "2"}), FERRY_CALL_VALUE);
  CHECK(kind.status == FERRY_BAD_INPUT);
  CHECK_THAT(kind.output, Catch::Contains("argument 2: expected int, got string"));

  const Outcome not_list = invoke(d, "add", codec::encode_value(Value(1)), FERRY_CALL_VALUE);
  CHECK(not_list.status == FERRY_BAD_INPUT);
  CHECK_THAT(not_list.output, Catch::Contains("arguments must be a list"));
  CHECK(invoke(d, "add", "\x06", FERRY_CALL_VALUE).status == FERRY_BAD_INPUT);  // truncated list header
}

TEST_CASE("sdk invoke: a Context& parameter reaches the host's log and knows the task", "[sdk]") {
  const ferry::detail::PluginHolder holder("sample", "1", &define_sample);
  const Outcome r = invoke(holder.descriptor(), "log", value_args({"hello"}), FERRY_CALL_VALUE);
  REQUIRE(r.status == FERRY_OK);
  CHECK(codec::decode_value(r.output) == Value("log"));
  REQUIRE(r.logs.size() == 1);
  CHECK(r.logs[0].first == static_cast<int>(ferry::LogLevel::warning));
  CHECK(r.logs[0].second == "hello");
}

TEST_CASE("sdk invoke: the descriptor carries parameter names and struct fields as its schema text", "[sdk]") {
  const ferry::detail::PluginHolder h("named", "1", [](ferry::PluginBuilder& plugin) {
    plugin.task("add", add, "a + b", {"a", "b"})
        .task("mid", [](Point a, Point b) { return Point{(a.x + b.x) / 2, (a.y + b.y) / 2}; })
        .task("log", [](ferry::Context&, std::string msg) { return msg; }, "", {"message"});
  });
  const auto* desc = h.descriptor();
  REQUIRE(desc->task_count == 3);
  const auto add_info = ferry::TaskInfo::of(desc->tasks[0]);
  CHECK(add_info.param_names == std::vector<std::string>{"a", "b"});
  CHECK(add_info.named_signature() == "(a: i64, b: i64) -> i64");
  CHECK(add_info.structs.empty());
  const auto mid = ferry::TaskInfo::of(desc->tasks[1]);
  CHECK(mid.param_names.empty());
  REQUIRE(mid.structs.size() == 1);  // Point once, though three places name it
  CHECK(ferry::to_string(mid.structs[0]) == ferry::type_name<Point>() + "{x: f64, y: f64}");
  // A Context& is no parameter: one name for the one that is.
  CHECK(ferry::TaskInfo::of(desc->tasks[2]).named_signature() == "(message: str) -> str");
  // Nothing to say: no schema at all, as in a plugin built before schemas.
  const ferry::detail::PluginHolder plain("plain", "1", [](ferry::PluginBuilder& plugin) { plugin.task("add", add); });
  CHECK(plain.descriptor()->tasks[0].schema == nullptr);
}

TEST_CASE("sdk invoke: registration errors become load_error and an empty table", "[sdk]") {
  const ferry::detail::PluginHolder dup("dup", "1", [](ferry::PluginBuilder& plugin) {
    plugin.task("same", add).task("same", add);
  });
  REQUIRE(dup.descriptor()->load_error != nullptr);
  CHECK(std::string(dup.descriptor()->load_error) == "duplicate task name 'same'");
  CHECK(dup.descriptor()->task_count == 0);

  const ferry::detail::PluginHolder unnamed("unnamed", "1", [](ferry::PluginBuilder& plugin) {
    plugin.task("", add);
  });
  REQUIRE(unnamed.descriptor()->load_error != nullptr);
  CHECK_THAT(std::string(unnamed.descriptor()->load_error), Catch::Contains("must not be empty"));

  const ferry::detail::PluginHolder miscounted("miscounted", "1", [](ferry::PluginBuilder& plugin) {
    plugin.task("add", add, "a + b", {"a"});
  });
  REQUIRE(miscounted.descriptor()->load_error != nullptr);
  CHECK(std::string(miscounted.descriptor()->load_error) == "task 'add' takes 2 parameters, but 1 name was given");
  const ferry::detail::PluginHolder blank("blank", "1", [](ferry::PluginBuilder& plugin) {
    plugin.task("add", add, "a + b", {"a", ""});
  });
  REQUIRE(blank.descriptor()->load_error != nullptr);
  CHECK(std::string(blank.descriptor()->load_error) == "task 'add': a parameter name must not be empty");

  const ferry::detail::PluginHolder thrower("thrower", "1", [](ferry::PluginBuilder& plugin) {
    plugin.task("ok", add);
    throw std::runtime_error("cannot reach license server");
  });
  REQUIRE(thrower.descriptor()->load_error != nullptr);
  CHECK(std::string(thrower.descriptor()->load_error) == "cannot reach license server");
  CHECK(thrower.descriptor()->task_count == 0);
  CHECK(std::string(thrower.descriptor()->name) == "thrower");

  // An exception with an empty what() must still fail the load, not leave an
  // empty but apparently healthy plugin.
  const ferry::detail::PluginHolder quiet("quiet", "1", [](ferry::PluginBuilder& plugin) {
    plugin.task("ok", add);
    throw QuietError();
  });
  REQUIRE(quiet.descriptor()->load_error != nullptr);
  CHECK_THAT(std::string(quiet.descriptor()->load_error), Catch::Contains("QuietError"));
  CHECK(quiet.descriptor()->task_count == 0);

  const ferry::detail::PluginHolder odd("odd", "1", [](ferry::PluginBuilder&) { throw 3; });
  REQUIRE(odd.descriptor()->load_error != nullptr);
  CHECK_THAT(std::string(odd.descriptor()->load_error), Catch::Contains("unknown exception"));
}
