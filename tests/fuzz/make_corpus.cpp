// Writes the fuzz targets' seed corpus: valid frames and Values made by the
// real encoders, the pipeline files of configs/ and tests/pipelines/broken/,
// and a few hostile edge cases. The corpus is committed; run this only to
// regenerate it:
//   build-fuzz/bin/fuzz_make_corpus . tests/fuzz/corpus
// (argument 1: the repository root, 2: the corpus folder; existing files of
// the same names are overwritten, others are left alone).
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <ferry/codec.hpp>
#include <ferry/value.hpp>

#include "value_types.hpp"
#include "values/type_expr.hpp"
#include "values/typed_value.hpp"
#include "wire/frame.hpp"
#include "wire/messages.hpp"

namespace fs = std::filesystem;
using ferry::Value;
using namespace ferry::wire;

namespace {

fs::path g_out;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  const auto dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

// The bytes Channel::send puts on the socket.
std::string frame(FrameKind kind, const std::string& payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string out{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff), static_cast<char>((n >> 16) & 0xff),
                  static_cast<char>((n >> 24) & 0xff), static_cast<char>(kind)};
  return out + payload;
}
std::string header(std::uint32_t n, std::uint8_t kind) {
  return {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff), static_cast<char>((n >> 16) & 0xff),
          static_cast<char>((n >> 24) & 0xff), static_cast<char>(kind)};
}
std::string u64(std::uint64_t n) { return ferry::codec::encode(n); }

void frames() {
  Hello hello;
  hello.abi_version = 1;
  hello.pid = 4242;
  hello.plugin_name = "math";
  hello.plugin_version = "1.0";
  hello.tasks = {{"add", "(i64,i64)", "i64", "a + b"},
                 {"mean", "(list<f64>)", "optional<f64>", "the mean"},
                 {"count", "(str,dict<str,i64>)", "none", ""},
                 {"pairs", "(map<str,tuple<i32,bytes>>)", "array<u8,4>", "doc"}};
  const auto hello_frame = frame(FrameKind::hello, encode(hello));
  write("fuzz_frame", "hello", hello_frame);
  write("fuzz_frame", "load_failed", frame(FrameKind::load_failed, encode(LoadFailed{"undefined symbol: foo"})));
  CallRequest call;
  call.id = 7;
  call.task = 1;
  call.flags = kExitAfterCall;
  call.items.push_back(ferry::codec::encode(std::int64_t{2}, std::int64_t{3}));
  call.items.push_back(ferry::codec::encode(std::string("x")));
  write("fuzz_frame", "call", frame(FrameKind::call, encode(call)));
  CallReply reply;
  reply.id = 7;
  reply.status = {0, 1, 2};
  for (const std::string& item : {ferry::codec::encode(std::int64_t{5}), std::string("std::runtime_error\0boom", 23),
                                  std::string("bad input")})
    reply.items.push_back(item);
  const auto reply_frame = frame(FrameKind::reply, encode(reply));
  write("fuzz_frame", "reply", reply_frame);
  // The compact forms: items of one size without their ends, a reply that
  // all succeeded without its statuses.
  CallRequest ints;
  ints.id = 8;
  ints.task = 0;
  CallReply squares;
  squares.id = 8;
  for (std::int64_t i = 0; i < 4; ++i) {
    ints.items.push_back(ferry::codec::encode(i));
    squares.status.push_back(0);
    squares.items.push_back(ferry::codec::encode(i * i));
  }
  write("fuzz_frame", "call_uniform", frame(FrameKind::call, encode(ints)));
  write("fuzz_frame", "reply_all_ok", frame(FrameKind::reply, encode(squares)));
  const auto log_frame = frame(FrameKind::log, encode(LogLine{2, "greet", "greeting Ada"}));
  write("fuzz_frame", "log", log_frame);
  write("fuzz_frame", "shutdown", frame(FrameKind::shutdown, ""));
  write("fuzz_frame", "manager_request", frame(FrameKind::manager_request, u64(3)));
  // A session: hello, a log line, the reply.
  write("fuzz_frame", "session", hello_frame + log_frame + reply_frame);
  // Hostile: a huge or over-limit length, unknown kinds, truncation, and
  // payloads whose strings and lists claim far more than they hold.
  write("fuzz_frame", "edge_huge_length", header(1u << 30, 4) + "abc");
  write("fuzz_frame", "edge_over_limit", header(0xffffffffu, 4));
  write("fuzz_frame", "edge_kind_0", header(0, 0));
  write("fuzz_frame", "edge_kind_200", header(1, 200) + "x");
  write("fuzz_frame", "edge_truncated", reply_frame.substr(0, reply_frame.size() - 3));
  write("fuzz_frame", "edge_header_only", header(16, 5));
  write("fuzz_frame", "edge_string_claims_1T", frame(FrameKind::load_failed, u64(std::uint64_t{1} << 40) + "why"));
  write("fuzz_frame", "edge_string_claims_4G", frame(FrameKind::log, ferry::codec::encode(std::int32_t{1}) +
                                                                         u64(std::uint64_t{1} << 32) + "task"));
  write("fuzz_frame", "edge_items_claim_1G",
        frame(FrameKind::reply, u64(7) + u64(std::uint64_t{1} << 30) + ferry::codec::encode(std::int32_t{0})));
  write("fuzz_frame", "edge_tasks_claim_max",
        frame(FrameKind::hello, ferry::codec::encode(std::uint32_t{1}, std::int32_t{1}) + u64(1) + "m" + u64(0) +
                                    u64(std::numeric_limits<std::uint64_t>::max())));
  write("fuzz_frame", "edge_trailing_bytes", frame(FrameKind::log, encode(LogLine{1, "t", "m"}) + "!!"));
}

void values() {
  // decode_value seeds, with type byte 0 (any), which reads the same bytes.
  const std::vector<std::pair<std::string, Value>> samples = {
      {"null", Value()},
      {"bool", Value(true)},
      {"int", Value(std::int64_t{-42})},
      {"float", Value(3.5)},
      {"nan", Value(std::numeric_limits<double>::quiet_NaN())},
      {"string", Value("hello")},
      {"bytes", Value(ferry::Bytes{{0, 1, 2, 255}})},
      {"list", Value(Value::List{1, "two", 3.0, nullptr, false})},
      {"map", Value(Value::Map{{"a", 1}, {"b", Value::List{"x", Value::Map{{"c", ferry::Bytes{{7}}}}}}, {"a", 2}})},
      {"nested", Value(Value::List{Value::List{Value::List{Value::List{Value::Map{{"deep", true}}}}}})},
  };
  for (const auto& [name, v] : samples) write("fuzz_value", "any_" + name, std::string(1, '\0') + ferry::codec::encode_value(v));
  // Typed seeds for the types of value_types.hpp, by the index of each.
  const auto typed = [](std::size_t index, const std::string& name, const std::string& bytes) {
    write("fuzz_value", "typed_" + std::to_string(index) + "_" + name, std::string(1, static_cast<char>(index)) + bytes);
  };
  typed(1, "list", ferry::codec::encode(std::vector<Value>{Value(1), Value("s"), Value(Value::List{})}));
  typed(2, "list", ferry::codec::encode(std::vector<std::int64_t>{1, -2, std::numeric_limits<std::int64_t>::min()}));
  typed(3, "map", ferry::codec::encode(std::map<std::string, std::vector<double>>{{"a", {1.5, -0.0}}, {"b", {}}}));
  typed(4, "tuple", ferry::codec::encode(std::tuple<std::string, std::optional<std::int64_t>>{"k", 9}));
  typed(4, "tuple_nullopt", ferry::codec::encode(std::tuple<std::string, std::optional<std::int64_t>>{"", std::nullopt}));
  typed(5, "map", ferry::codec::encode(std::map<std::int32_t, std::string>{{-1, "neg"}, {3, "three"}}));
  typed(6, "map", ferry::codec::encode(std::map<std::uint64_t, std::vector<std::uint8_t>>{
                      {std::numeric_limits<std::uint64_t>::max(), {1, 2}}}));
  typed(7, "list", ferry::codec::encode(std::vector<std::tuple<>>(3)));
  typed(8, "array", ferry::codec::encode(std::array<std::uint8_t, 4>{1, 2, 3, 4}));
  typed(9, "optional", ferry::codec::encode(std::optional<std::vector<bool>>{std::vector<bool>{true, false}}));
  typed(10, "tuple", ferry::codec::encode(std::make_tuple(std::int8_t{-1}, std::uint16_t{2}, std::int32_t{-3},
                                                            std::uint32_t{4}, std::uint64_t{5}, 6.5f, 7.25)));
  typed(11, "map", ferry::codec::encode(std::map<std::string, Value>{{"x", Value(1)}, {"y", Value("z")}}));
  typed(12, "list", ferry::codec::encode(std::vector<std::vector<std::vector<std::string>>>{{{"a"}, {}}, {}}));
  typed(13, "map", ferry::codec::encode(std::map<double, std::int64_t>{{1.5, 2}}));
  typed(14, "list", ferry::types::encode_typed(*ferry::types::parse_type(ferry_fuzz::kValueTypes[14]),
                                              Value(Value::List{nullptr, Value::Map{{"k", Value::List{"b", 1}}}})));
  typed(15, "array", ferry::codec::encode(std::array<std::array<std::int16_t, 3>, 2>{{{1, 2, 3}, {-4, -5, -6}}}));
  // Hostile: counts far beyond the bytes, nesting beyond the limit, bad kinds.
  write("fuzz_value", "edge_list_claims_max", std::string(1, '\0') + '\6' + u64(std::numeric_limits<std::uint64_t>::max()));
  write("fuzz_value", "edge_string_claims_1T", std::string(1, '\0') + '\4' + u64(std::uint64_t{1} << 40) + "abc");
  write("fuzz_value", "edge_bad_kind", std::string(1, '\0') + '\x09');
  write("fuzz_value", "edge_bool_2", std::string(1, '\0') + '\1' + '\2');  // was undefined behaviour
  std::string deep(1, '\0');
  for (int i = 0; i < 80; ++i) deep += '\6' + u64(1);
  write("fuzz_value", "edge_too_deep", deep + '\0');
  write("fuzz_value", "edge_empty_tuples_claim_1G", std::string(1, '\7') + u64(std::uint64_t{1} << 30));
  write("fuzz_value", "edge_trailing", std::string(1, '\0') + '\0' + "x");
}

void pipelines(const fs::path& root) {
  for (const auto* folder : {"configs", "tests/pipelines/broken"})
    for (const auto& e : fs::directory_iterator(root / folder))
      if (e.path().extension() == ".yaml") fs::copy_file(e.path(), g_out / "fuzz_pipeline" / e.path().filename(),
                                                         fs::copy_options::overwrite_existing);
  // With --set overrides after a NUL byte.
  std::ifstream in(root / "configs" / "word-count.yaml");
  const std::string word_count{std::istreambuf_iterator<char>(in), {}};
  std::string sep(1, '\0');
  write("fuzz_pipeline", "override_workers", word_count + sep + "stages.count.workers=8" + sep + "defaults.timeout=5s");
  write("fuzz_pipeline", "override_bad", word_count + sep + "stages.9.x=1" + sep + "a..b=2" + sep + "nothing" + sep +
                                             "stages.count.workers=[1, {a: b}]");
  write("fuzz_pipeline", "override_empty_file", sep + "pipeline=p" + sep + "stages=[{name: s, source: {values: [1]}}]");
  write("fuzz_pipeline", "edge_aliases",
        "pipeline: a\nx: &a [1, 1, 1, 1]\ny: &b [*a, *a, *a, *a]\nz: &c [*b, *b, *b, *b]\n"
        "stages:\n  - source: {values: [*c, *c, *c]}\n");
  // Regression: an override naming its own anchor recursed until the stack
  // overflowed. (The other loader regression, an alias expanding to 1.1M
  // values used by two list items, is in tests/unit/pipeline_loader_test.cpp
  // only: at 2M values each run of it and of its mutations costs seconds.)
  write("fuzz_pipeline", "regression_override_self_alias",
        "pipeline: p\nstages:\n  - name: s\n    source: {values: [1]}\n" + sep + "x=&a [*a]" + sep +
            "stages.s.source={values: &b [1, *b]}");
  write("fuzz_pipeline", "edge_deep", std::string(300, '[') + std::string(300, ']'));
  write("fuzz_pipeline", "edge_tags", "pipeline: !!str 1\nstages: !!seq [ {source: {range: [!!int 0, 0x10, -1]}} ]\n");
  write("fuzz_pipeline", "edge_numbers",
        "pipeline: n\ndefaults: {workers: 99999999999999999999, timeout: 1e309s, memory_limit: 0.5KiB}\n"
        "stages:\n  - source: {range: [-9223372036854775808, 9223372036854775807, 0]}\n  - sink: stdout\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s REPO_ROOT CORPUS_DIR\n", argv[0]);
    return 2;
  }
  g_out = argv[2];
  fs::create_directories(g_out / "fuzz_pipeline");
  frames();
  values();
  pipelines(argv[1]);
  return 0;
}
