// The same 5,000 set + get pairs as dict_host, from a worker that gets the
// dict as its task argument; timed inside the worker.
#include <cstdint>
#include <string>

#include <ferry/ferry.hpp>

#include "bench.hpp"

int main() {
  return bench::run("dict_worker", [] {
    using i64 = std::int64_t;
    constexpr i64 kPairs = 5'000;
    ferry::Engine engine;
    const ferry::Plugin plugin = engine.load("bench");
    auto d = engine.dict<std::string, i64>("d");

    ferry::Process p(plugin, "dict_ops", d, kPairs);
    p.start();
    const i64 ns = p.result<i64>();
    bench::check(d.size() == 1000 && d.at("key999") == kPairs - 1, "dict contents");
    bench::emit("ops_per_s", 2.0 * kPairs / (static_cast<double>(ns) / 1e9), "ops/s");
  });
}
