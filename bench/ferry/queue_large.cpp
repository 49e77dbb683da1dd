// A worker puts 10 messages of 10 MB (10^7 bytes) on a Queue, the host gets
// them: MB a second, from Process start to the last get.
#include <cstdint>

#include <ferry/ferry.hpp>

#include "bench.hpp"

int main() {
  return bench::run("queue_large", [] {
    using i64 = std::int64_t;
    constexpr i64 kMessages = 10, kBytes = 10'000'000;
    ferry::Engine engine;
    const ferry::Plugin plugin = engine.load("bench");
    auto q = engine.queue<ferry::Bytes>("blobs");

    const auto start = bench::Clock::now();
    ferry::Process producer(plugin, "put_bytes", q, kMessages, kBytes);
    producer.start();
    for (i64 i = 0; i < kMessages; ++i) {
      const ferry::Bytes b = q.get();
      bench::check(b.data.size() == kBytes && b.data[0] == i % 256, "message " + std::to_string(i));
    }
    const double s = bench::seconds_since(start);
    producer.join();
    bench::check(producer.exitcode() == 0, "producer exit code");
    bench::emit("mb_per_s", kMessages * kBytes / 1e6 / s, "MB/s");
  });
}
