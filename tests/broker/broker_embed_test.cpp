// Distributed runs through the embedding API, in one process: a
// BrokerWorker served from a thread and pipelines run with
// PipelineRunOptions::broker, so ThreadSanitizer sees the host's and the
// worker's threads meet (the shell cases in distributed_test.sh use the
// `ferry` binary and separate processes).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

#include <ferry/ferry.hpp>

#include "../pipelines/pipeline_test_support.hpp"
#include "redis_server.hpp"

using namespace ferry;
using ferry::test::RedisServer;
using ferry::test::TempDir;

namespace {

// A worker serving from a thread of its own until the scope ends.
class ServingWorker {
 public:
  explicit ServingWorker(const std::string& url, std::string name)
      : worker_(BrokerWorkerOptions{url, 2, {}, std::move(name), [](const std::string&) {}}),
        thread_([this] { worker_.run(); }) {}
  ~ServingWorker() {
    worker_.stop(StopMode::now);
    thread_.join();
  }
  BrokerWorker& worker() { return worker_; }

 private:
  BrokerWorker worker_;
  std::thread thread_;
};

std::string run_to_text(Pipeline& p, const std::string& broker, PipelineStats* stats = nullptr) {
  std::ostringstream out, errors;
  PipelineRunOptions o;
  o.out = &out;
  o.errors = &errors;
  o.broker = broker;
  o.broker_heartbeat = std::chrono::milliseconds(200);
  auto s = p.run(o);
  INFO(s.error << errors.str());
  REQUIRE(s.ok);
  if (stats) *stats = s;
  return out.str();
}

const char* kPipeline = R"(pipeline: embedded
plugins: {math: math, faults: faults}
shared: {seen: 'dict<str,i64>'}
stages:
  - {name: n, source: {range: [0, 3000]}}
  - {name: check, map: faults.throw_on_7, on_error: collect, chunksize: 16}
  - {name: sq, map: math.square}
  - {name: out, sink: stdout}
)";

}  // namespace

TEST_CASE("broker: a pipeline run on embedded BrokerWorkers writes what a local run writes") {
  RedisServer redis;
  TempDir dir;
  Engine engine;
  auto pipeline = Pipeline::load(engine, dir.write("p.yaml", kPipeline));
  const std::string local = run_to_text(pipeline, "");
  ServingWorker a(redis.url(), "a"), b(redis.url(), "b");
  PipelineStats stats;
  CHECK(run_to_text(pipeline, redis.url(), &stats) == local);
  CHECK(test::stage(stats, "n").items_out == 3000);
  CHECK(test::stage(stats, "check").collected == 300);  // 7, 17, 27, ...
  // A second run on the same workers, the same again.
  CHECK(run_to_text(pipeline, redis.url()) == local);
}

TEST_CASE("broker: Pipeline::stop ends a distributed run, and workers go on to the next") {
  RedisServer redis;
  TempDir dir;
  Engine engine;
  auto slow = Pipeline::load(engine, dir.write("slow.yaml", R"(pipeline: slow
plugins: {math: math}
stages:
  - {name: n, source: {range: [0, 1000]}}
  - {name: sq, map: math.slow_square, chunksize: 1}
  - {name: out, sink: stdout}
)"));
  ServingWorker a(redis.url(), "a");
  std::ostringstream out;
  PipelineRunOptions o;
  o.out = &out;
  o.broker = redis.url();
  o.broker_heartbeat = std::chrono::milliseconds(200);
  // Stopped once results reach the sink (told through on_progress).
  std::atomic<bool> written{false}, ended{false};
  o.on_progress = [&](const PipelineStats& st) {
    if (test::stage(st, "out").items_in > 0) written = true;
  };
  o.progress_interval = std::chrono::milliseconds(20);
  std::thread stopper([&] {
    while (!written && !ended) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    slow.stop(StopMode::now);
  });
  const auto s = slow.run(o);
  ended = true;
  stopper.join();
  CHECK(s.stopped);
  auto quick = Pipeline::load(engine, dir.write("quick.yaml", R"(pipeline: quick
plugins: {math: math}
stages:
  - {name: n, source: {range: [0, 5]}}
  - {name: sq, map: math.square}
  - {name: out, sink: stdout}
)"));
  CHECK(run_to_text(quick, redis.url()) == "0\n1\n4\n9\n16\n");
}
