// source: {range: [start, stop, step]}: Python's range() as i64 items.
#include <cstring>
#include <limits>
#include <string>

#include <ferry/codec.hpp>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {
namespace {

class RangeSource final : public SourceConfig {
 public:
  using SourceConfig::SourceConfig;
  SourceItems items() const override { return {SourceItems::Kind::typed, "i64", nullptr, nullptr}; }
  // Without overflowing at the ends of i64. Items go out in blocks of
  // kBlock (ItemEmitter::emit_fixed): no string or call for each.
  void read(ItemEmitter& out, const SourceIo&) const override {
    constexpr std::size_t kEach = 1 + sizeof(std::int64_t), kBlock = 256;
    char block[kBlock * kEach];
    std::size_t n = 0;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop;) {
      // The Value archive of an integer (codec::encode_value), made directly.
      char* archive = block + n * kEach;
      archive[0] = static_cast<char>(Value::Kind::integer);
      std::memcpy(archive + 1, &i, sizeof i);
      if (++n == kBlock) {
        if (!out.emit_fixed({block, n * kEach}, kEach)) return;
        n = 0;
      }
      if (step > 0 ? i > std::numeric_limits<std::int64_t>::max() - step
                   : i < std::numeric_limits<std::int64_t>::min() - step)
        break;
      i += step;
    }
    if (n) out.emit_fixed({block, n * kEach}, kEach);
  }
  std::optional<std::uint64_t> size() const override {
    if (step > 0 ? start >= stop : start <= stop) return 0;
    // In unsigned arithmetic: stop - start may not fit an i64.
    const auto span = step > 0 ? static_cast<std::uint64_t>(stop) - static_cast<std::uint64_t>(start)
                               : static_cast<std::uint64_t>(start) - static_cast<std::uint64_t>(stop);
    const auto by = step > 0 ? static_cast<std::uint64_t>(step) : 0 - static_cast<std::uint64_t>(step);
    return (span - 1) / by + 1;
  }
  std::int64_t start = 0, stop = 0, step = 1;
};

// [start, stop] or [start, stop, step], integers, step not 0.
std::unique_ptr<SourceConfig> parse_range_source(const SourceKind& kind, const ConnectorParse& p) {
  const auto& node = p.value;
  if (!node.IsSequence() || node.size() < 2 || node.size() > 3) {
    const auto got = node.IsSequence() ? "a list of " + std::to_string(node.size()) : detail::describe(node);
    p.cx.problem(node, "range must be [start, stop] or [start, stop, step] of integers, got " + got);
    return nullptr;
  }
  auto source = std::make_unique<RangeSource>(kind);
  static const char* const names[] = {"start", "stop", "step"};
  std::int64_t* fields[] = {&source->start, &source->stop, &source->step};
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto n = detail::int_of(node[i]);
    if (!n)
      p.cx.problem(node[i], std::string("range ") + names[i] + " must be an integer, got " + detail::describe(node[i]));
    else if (i == 2 && *n == 0)
      p.cx.problem(node[i], "range step must not be 0");
    else
      *fields[i] = *n;
  }
  return source;
}

}  // namespace

SourceKind range_source() { return {"range", "{range: [start, stop]}", {}, parse_range_source}; }

}  // namespace ferry::pipeline
