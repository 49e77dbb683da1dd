// A worker sends 10 messages of 10 MB (10^7 bytes) through a one-way pipe,
// the host receives them: MB a second, from Process start to the last recv.
#include <cstdint>

#include <ferry/ferry.hpp>

#include "bench.hpp"

int main() {
  return bench::run("pipe_large", [] {
    using i64 = std::int64_t;
    constexpr i64 kMessages = 10, kBytes = 10'000'000;
    ferry::Engine engine;
    const ferry::Plugin plugin = engine.load("bench");
    auto [receiver, sender] = engine.pipe<ferry::Bytes>(false);

    const auto start = bench::Clock::now();
    ferry::Process producer(plugin, "pipe_send", sender, kMessages, kBytes);
    producer.start();
    for (i64 i = 0; i < kMessages; ++i) {
      const ferry::Bytes b = receiver.recv();
      bench::check(b.data.size() == kBytes && b.data[0] == i % 256, "message " + std::to_string(i));
    }
    const double s = bench::seconds_since(start);
    producer.join();
    bench::check(producer.exitcode() == 0, "producer exit code");
    bench::emit("mb_per_s", kMessages * kBytes / 1e6 / s, "MB/s");
  });
}
