// Every Pool and Process example of the tutorials in shared/seeds, run
// through ferry, giving the answer Python gives. (Examples that need Queue,
// Manager, Value, Array, Lock or Event belong to the shared-state tests.)
#include <catch2/catch.hpp>

#include <chrono>
#include <numeric>
#include <random>

#include <ferry/ferry.hpp>

using namespace std::chrono_literals;
using I64 = std::int64_t;
using Matrix = std::vector<std::vector<I64>>;

TEST_CASE("how-to: Pool(3).map(worker, [1, 2, 3])", "[seeds]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("math"), {.workers = 3});
  CHECK(pool.map<std::string>("worker_result", std::vector<I64>{1, 2, 3}) ==
        std::vector<std::string>{"Worker 1 result", "Worker 2 result", "Worker 3 result"});
}

TEST_CASE("how-to and golinuxcloud: Process per task, start all, join all", "[seeds]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  std::vector<ferry::Process> procs;
  for (int i = 0; i < 3; ++i) procs.emplace_back(math, "announce", "Process-" + std::to_string(i));
  procs.emplace_back(math, "say_hi", std::string("Ada"));
  procs.emplace_back(math, "add", I64{2}, I64{3}, std::string("result"));
  for (auto& p : procs) p.start();
  for (auto& p : procs) {
    p.join();
    CHECK(p.exitcode() == 0);
  }
}

TEST_CASE("how-to: apply_async(slow_task, (10,)) and map(slow_task, [1, 2, 3])", "[seeds]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("math"), {.workers = 4});
  auto result = pool.apply_async<I64>("slow_task", I64{10});
  CHECK(result.get() == 100);
  CHECK(pool.map<I64>("slow_task", std::vector<I64>{1, 2, 3}) == std::vector<I64>{1, 4, 9});
}

TEST_CASE("how-to: join(timeout) on a hanging task, then terminate", "[seeds]") {
  ferry::Engine engine;
  ferry::Process p(engine.load("math"), "long_task");
  p.start();
  CHECK_FALSE(p.join(1s));
  REQUIRE(p.is_alive());
  p.terminate();
  p.join();
  CHECK_FALSE(p.is_alive());
}

TEST_CASE("how-to: chunk averages of 1,000 random numbers in chunks of 250", "[seeds]") {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<I64> d(1, 100);
  std::vector<I64> data(1000);
  for (auto& x : data) x = d(rng);
  std::vector<std::vector<I64>> chunks;
  for (std::size_t i = 0; i < data.size(); i += 250) chunks.emplace_back(data.begin() + i, data.begin() + i + 250);

  ferry::Engine engine;
  ferry::Pool pool(engine.load("math"), {.workers = 4});
  const auto averages = pool.map<double>("analyze_chunk", chunks);
  REQUIRE(averages.size() == 4);
  for (std::size_t i = 0; i < 4; ++i)
    CHECK(averages[i] == static_cast<double>(std::accumulate(chunks[i].begin(), chunks[i].end(), I64{0})) / 250.0);
}

TEST_CASE("how-to: the simple parallel task scheduler", "[seeds]") {
  // The tutorial's delays are 2, 1 and 3 seconds; a tenth keeps the test quick.
  const std::vector<std::tuple<std::string, double>> tasks = {
      {"Data backup", 0.2}, {"Log analysis", 0.1}, {"Email sending", 0.3}};
  ferry::Engine engine;
  ferry::Pool pool(engine.load("math"), {.workers = 3});
  const auto results = pool.map<std::tuple<std::string, std::string>>("scheduled_task", tasks);
  REQUIRE(results.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(std::get<0>(results[i]) == std::get<0>(tasks[i]));
    const std::string& t = std::get<1>(results[i]);  // HH:MM:SS
    CHECK(t.size() == 8);
    CHECK(t[2] == ':');
    CHECK(t[5] == ':');
    CHECK(t.find_first_not_of("0123456789:") == std::string::npos);
  }
}

TEST_CASE("pool tutorial: quick demo, is_prime, chunksize, starmap, matrices", "[seeds]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  ferry::Pool pool4(math, {.workers = 4});
  CHECK(pool4.map<I64>("slow_square", std::vector<I64>{1, 2, 3, 4, 5}) == std::vector<I64>{1, 4, 9, 16, 25});

  const std::vector<I64> numbers = {2, 17, 23, 50, 97, 100, 101, 200};
  CHECK(pool4.map<bool>("is_prime", numbers) == std::vector<bool>{true, true, true, false, true, false, true, false});

  std::vector<I64> jobs(20);
  std::iota(jobs.begin(), jobs.end(), 0);
  std::vector<I64> squares;
  for (auto x : jobs) squares.push_back(x * x);
  CHECK(pool4.map<I64>("slow_job", jobs, {.chunksize = 5}) == squares);
  CHECK(pool4.map<I64>("slow_job", jobs, {.chunksize = 25}) == squares);

  ferry::Pool pool2(math, {.workers = 2});
  CHECK(pool2.starmap<I64>("power", std::vector<std::tuple<I64, I64>>{{2, 3}, {3, 4}, {5, 2}, {10, 3}}) ==
        std::vector<I64>{8, 81, 25, 1000});

  ferry::Pool pool3(math, {.workers = 3});
  const std::vector<std::tuple<Matrix, Matrix>> pairs = {
      {{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}},
      {{{2, 0}, {1, 3}}, {{4, 1}, {2, 5}}},
      {{{1, 1}, {1, 1}}, {{1, 2}, {3, 4}}}};
  // Python gives [[8, 2], [10, 16]] for the second product; the tutorial
  // prints [[20, 12], [10, 16]].
  CHECK(pool3.starmap<Matrix>("multiply_matrices", pairs) ==
        std::vector<Matrix>{{{19, 22}, {43, 50}}, {{8, 2}, {10, 16}}, {{4, 6}, {4, 6}}});
}

TEST_CASE("pool tutorial: apply_async fetches, errors, and imap streaming", "[seeds]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  ferry::Pool pool(math, {.workers = 2});
  auto r1 = pool.apply_async<std::string>("slow_fetch", std::string("http://api.example.com/1"));
  auto r2 = pool.apply_async<std::string>("slow_fetch", std::string("http://api.example.com/2"));
  CHECK(r1.get() == "Data from http://api.example.com/1");
  CHECK(r2.get() == "Data from http://api.example.com/2");

  auto ok = pool.apply_async<std::string>("work_with_error", false);
  auto bad = pool.apply_async<std::string>("work_with_error", true);
  CHECK(ok.get(2s) == "Success!");
  CHECK_THROWS_WITH(bad.get(2s), Catch::Contains("Something went wrong!"));

  ferry::Pool pool4(math, {.workers = 4});
  std::vector<I64> items(1000);
  std::iota(items.begin(), items.end(), 0);
  I64 i = 0;
  int milestones = 0;
  for (const std::string& result : pool4.imap<std::string>("process_item", items, {.chunksize = 10})) {
    CHECK(result == "Processed " + std::to_string(i));
    if (++i % 100 == 0) ++milestones;
  }
  CHECK(milestones == 10);
}

TEST_CASE("golinuxcloud: Pool map and starmap examples, exit codes", "[seeds]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  ferry::Pool pool2(math, {.workers = 2});
  CHECK(pool2.map<I64>("inc", std::vector<I64>{1, 2, 3, 4}) == std::vector<I64>{2, 3, 4, 5});
  CHECK(pool2.starmap<I64>("mul", std::vector<std::tuple<I64, I64>>{{2, 3}, {4, 5}, {6, 7}}) ==
        std::vector<I64>{6, 20, 42});
  ferry::Pool pool3(math, {.workers = 3});
  CHECK(pool3.map<bool>("is_even", std::vector<I64>{0, 1, 2, 3, 4, 5}) ==
        std::vector<bool>{true, false, true, false, true, false});

  ferry::Process work(math, "slow_square", I64{1});
  work.start();
  CHECK(work.join(2s));
  CHECK_FALSE(work.is_alive());
  CHECK(work.exitcode() == 0);

  ferry::Process bad(math, "bad");
  bad.start();
  bad.join();
  CHECK(bad.exitcode() == 1);
}
