// A worker puts 100,000 ints on a Queue, the host gets them: messages a
// second, from Process start to the last get.
#include <cstdint>

#include <ferry/ferry.hpp>

#include "bench.hpp"

int main() {
  return bench::run("queue_small", [] {
    using i64 = std::int64_t;
    constexpr i64 kMessages = 100'000;
    ferry::Engine engine;
    const ferry::Plugin plugin = engine.load("bench");
    auto q = engine.queue<i64>("numbers");

    const auto start = bench::Clock::now();
    ferry::Process producer(plugin, "put_ints", q, kMessages);
    producer.start();
    for (i64 i = 0; i < kMessages; ++i) bench::check(q.get() == i, "message order");
    const double s = bench::seconds_since(start);
    producer.join();
    bench::check(producer.exitcode() == 0, "producer exit code");
    bench::emit("msg_per_s", kMessages / s, "msg/s");
  });
}
