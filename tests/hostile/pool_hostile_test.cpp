// The same misbehaviours through the embedding API's Pool and Process, where
// a host sees them without a pipeline around: a timeout holds per item in a
// chunk, a broken manager channel costs only its own item, a result too
// large for a reply says so, and a pool that cannot get its threads throws.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <string>
#include <vector>

#include <ferry/ferry.hpp>

#include "leftovers.hpp"

using namespace std::chrono_literals;
using ferry::test::ProcessTag;

namespace {

// Every item's outcome of an imap, in order: its value or its error text.
template <class R>
std::vector<std::string> outcomes(ferry::ResultStream<R> stream) {
  std::vector<std::string> out;
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    try {
      out.push_back(std::to_string(*it));
    } catch (const std::exception& e) {
      out.push_back(std::string("error: ") + e.what());
    }
  }
  return out;
}

std::vector<std::int64_t> range(std::int64_t n) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST_CASE("a hung item in a chunk of ten: only it times out, once", "[hostile][pool]") {
  ferry::Engine engine;
  int timeouts = 0;
  ferry::Pool pool(engine.load("hostile"),
                   {.workers = 1, .timeout = 1s, .on_worker_replaced = [&](const ferry::WorkerReplaced& w) {
                      timeouts += w.cause == ferry::WorkerLoss::timed_out;
                    }});
  const auto got = outcomes(pool.imap<std::int64_t>("hang", range(10), {.chunksize = 10}));
  REQUIRE(got.size() == 10);
  for (std::int64_t i = 0; i < 10; ++i) {
    if (i == 3) CHECK_THAT(got[3], Catch::Contains("timed out after 1s"));
    else CHECK(got[static_cast<std::size_t>(i)] == std::to_string(i));
  }
  pool.close();
  pool.join();
  CHECK(timeouts == 1);  // before: the chunk, then item 3 alone again
}

TEST_CASE("a task that breaks its manager channel costs its own item only", "[hostile][pool]") {
  ferry::Engine engine;
  auto seen = engine.dict<std::string, std::int64_t>("hostile_seen");
  int retired = 0;
  ferry::Pool pool(engine.load("hostile"), {.workers = 1, .on_worker_replaced = [&](const ferry::WorkerReplaced& w) {
                                              retired += w.cause == ferry::WorkerLoss::retired;
                                            }});
  for (const char* task : {"junk_to_manager", "close_manager"}) {
    INFO(task);
    // One worker, chunks of ten: items 4..9 share the call of the culprit.
    const auto got = outcomes(pool.imap<std::int64_t>(task, range(10), {.chunksize = 10}));
    REQUIRE(got.size() == 10);
    for (std::int64_t i = 0; i < 10; ++i) {
      if (i == 3) CHECK_THAT(got[3], Catch::Contains("the manager is unreachable"));
      else CHECK(got[static_cast<std::size_t>(i)] == std::to_string(i));
    }
    // The next map runs on a fresh worker whose channel is whole.
    CHECK(pool.map<std::int64_t>("touch_dict", range(10)) == range(10));
  }
  CHECK(seen.size() == 10);
  CHECK(retired == 2);  // one worker for each task that broke its channel
}

#ifndef __SANITIZE_THREAD__  // ThreadSanitizer looks for races: a gigabyte through its memcpy takes minutes, finds none
TEST_CASE("a result over the frame limit is refused with its size and the limit", "[hostile][process]") {
  ferry::Engine engine;
  ferry::Process p(engine.load("faults"), "huge_result", std::int64_t{1100000000});
  p.start();
  p.join();
  CHECK(p.exitcode() == 1);
  CHECK_THROWS_WITH(p.value_result(), Catch::Contains("ferry::ResultTooLarge") &&
                                          Catch::Contains("result is 1100000008 bytes") && Catch::Contains("1073741824"));
}
#endif

#ifndef FERRY_SANITIZED  // sanitizers reserve terabytes of address space: RLIMIT_AS cannot apply
TEST_CASE("a pool that cannot start its threads throws instead of aborting", "[hostile][pool]") {
  ferry::Engine engine;
  const auto plugin = engine.load("math");
  // As a container's limits would: address space for a few more thread
  // stacks (8 MiB each) only, so a pool of 64 gets some threads and must
  // stop them before it throws.
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_AS, &saved) == 0);
  const rlimit low{ferry::test::address_space() + (64u << 20), saved.rlim_max};
  REQUIRE(::setrlimit(RLIMIT_AS, &low) == 0);
  std::string error;
  try {
    ferry::Pool pool(plugin, {.workers = 64});
  } catch (const ferry::Error& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_AS, &saved);
  CHECK_THAT(error, Catch::Contains("cannot start a pool of 64 workers"));
  // The engine still works.
  ferry::Pool pool(plugin, {.workers = 1});
  CHECK(pool.apply<std::int64_t>("square", std::int64_t{7}) == 49);
}
#endif

// Shared memory is one file mapped by the host and the worker: a task that
// shrinks it would make the host's next access a SIGBUS. Segments are
// sealed at their size, so the shrink is refused and the host reads on.
TEST_CASE("a task cannot shrink shared memory under the host", "[hostile][shared]") {
  ferry::Engine engine;
  auto v = engine.shared_value<std::int64_t>(5);
  ferry::Process p(engine.load("hostile"), "shrink_shared", v);
  p.start();
  const auto shrunk = p.result<std::int64_t>();
  p.join();
  INFO("shrink_shared: 1 shrunk, 0 refused, < 0 map_files not open to this user (-errno)");
  if (shrunk < 0) WARN("not exercised: /proc/self/map_files needs root (CI runs as root); shared_pages_test checks the seals");
  CHECK(shrunk <= 0);
  CHECK(v.value() == 5);
  v.set(6);
  CHECK(v.value() == 6);
}

// The header in front of a shared array's elements is in the same memory:
// a count a task scribbled there cannot send the host past the mapping.
TEST_CASE("a shared array's scribbled count does not take the host past its memory", "[hostile][shared]") {
  ferry::Engine engine;
  auto a = engine.shared_array<std::int64_t>(std::vector<std::int64_t>{1, 2, 3});
  ferry::Process p(engine.load("hostile"), "scribble_count", a);
  p.start();
  p.join();
  CHECK(p.exitcode() == 0);
  CHECK(a.size() == 3);
  CHECK(a.to_vector() == std::vector<std::int64_t>{1, 2, 3});
  CHECK_THROWS_AS(a.get(3), ferry::ManagerError);
}
