// 5,000 pairs of d[key] = i; d[key] on a manager dict from the host, over
// 1000 keys: operations (a set or a get) a second.
#include <cstdint>
#include <string>
#include <vector>

#include <ferry/ferry.hpp>

#include "bench.hpp"

int main() {
  return bench::run("dict_host", [] {
    using i64 = std::int64_t;
    constexpr i64 kPairs = 5'000;
    ferry::Engine engine;
    auto d = engine.dict<std::string, i64>("d");
    std::vector<std::string> keys;
    for (int k = 0; k < 1000; ++k) keys.push_back("key" + std::to_string(k));

    const auto start = bench::Clock::now();
    for (i64 i = 0; i < kPairs; ++i) {
      const std::string& key = keys[static_cast<std::size_t>(i % 1000)];
      d.set(key, i);
      bench::check(d.get(key) == i, "d[" + key + "]");
    }
    const double s = bench::seconds_since(start);
    bench::check(d.size() == 1000, "dict size");
    bench::emit("ops_per_s", 2.0 * kPairs / s, "ops/s");
  });
}
