// The math plugin as a worker sees it: its published table (which the host
// matches byte for byte) and what each task computes, prints or throws.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cctype>
#include <string>
#include <tuple>
#include <vector>

#include "plugin_harness.hpp"

using ferry::Value;
using plugin_test::call;

namespace {

const ferry_plugin_v1* math() {
  static const plugin_test::Library lib("math");
  return lib.descriptor();
}

Value matrix(std::vector<std::vector<int>> rows) {
  Value::List out;
  for (const auto& r : rows) out.emplace_back(Value::List(r.begin(), r.end()));
  return Value(std::move(out));
}

// "HH:MM:SS". (Not std::regex: g++ 12 warns inside it under ASan.)
bool is_clock_time(const std::string& s) {
  auto two = [&](std::size_t at, int max) {
    return std::isdigit(static_cast<unsigned char>(s[at])) && std::isdigit(static_cast<unsigned char>(s[at + 1])) &&
           (s[at] - '0') * 10 + (s[at + 1] - '0') <= max;
  };
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && two(0, 23) && two(3, 59) && two(6, 60);
}

}  // namespace

TEST_CASE("plugins math: publishes every task with its signature", "[plugins]") {
  const ferry_plugin_v1* p = math();
  CHECK(p->abi_version == FERRY_ABI_VERSION);
  CHECK(std::string(p->name) == "math");
  CHECK(std::string(p->version) == "1.0");
  CHECK(p->load_error == nullptr);

  const std::vector<std::tuple<std::string, std::string, std::string>> expected{
      {"is_prime", "(i64)", "bool"},
      {"square", "(i64)", "i64"},
      {"inc", "(i64)", "i64"},
      {"is_even", "(i64)", "bool"},
      {"mul", "(i64,i64)", "i64"},
      {"power", "(i64,i64)", "i64"},
      {"multiply_matrices", "(list<list<i64>>,list<list<i64>>)", "list<list<i64>>"},
      {"analyze_chunk", "(list<i64>)", "f64"},
      {"sum_range", "(i64,i64)", "i64"},
      {"midpoint", "(Point,Point)", "Point"},
      {"slow_square", "(i64)", "i64"},
      {"slow_task", "(i64)", "i64"},
      {"slow_job", "(i64)", "i64"},
      {"scheduled_task", "(tuple<str,f64>)", "tuple<str,str>"},
      {"slow_fetch", "(str)", "str"},
      {"work_with_error", "(bool)", "str"},
      {"long_task", "()", "none"},
      {"worker_result", "(i64)", "str"},
      {"process_item", "(i64)", "str"},
      {"announce", "(str)", "none"},
      {"say_hi", "(str)", "none"},
      {"add", "(i64,i64,str)", "none"},
      {"worker_function", "(str,str,i64)", "none"},
      {"bad", "()", "none"},
      {"log_and_echo", "(str)", "str"},
  };
  REQUIRE(p->task_count == expected.size());
  for (const auto& [name, params, result] : expected) {
    INFO("task " << name);
    const ferry_task_v1* t = plugin_test::find_task(p, name);
    REQUIRE(t != nullptr);
    CHECK(t->params == params);
    CHECK(t->result == result);
    CHECK(!std::string(t->doc).empty());
  }
}

TEST_CASE("plugins math: number tasks", "[plugins]") {
  const ferry_plugin_v1* p = math();
  std::vector<std::int64_t> primes;
  for (int n = -3; n < 30; ++n)
    if (call(p, "is_prime", {n}).value().as_bool()) primes.push_back(n);
  CHECK(primes == std::vector<std::int64_t>{2, 3, 5, 7, 11, 13, 17, 19, 23, 29});
  CHECK(call(p, "is_prime", {std::int64_t{2147483647}}).value() == Value(true));
  CHECK(call(p, "is_prime", {std::int64_t{1000000007} * 3}).value() == Value(false));
  CHECK(call(p, "is_prime", {std::int64_t{1000003} * 1000003}).value() == Value(false));  // an odd prime squared

  CHECK(call(p, "square", {-12}).value() == Value(144));
  CHECK(call(p, "inc", {41}).value() == Value(42));
  CHECK(call(p, "is_even", {-4}).value() == Value(true));
  CHECK(call(p, "is_even", {7}).value() == Value(false));
  CHECK(call(p, "mul", {6, -7}).value() == Value(-42));
  CHECK(call(p, "power", {2, 10}).value() == Value(1024));
  CHECK(call(p, "power", {-3, 3}).value() == Value(-27));
  CHECK(call(p, "power", {5, 0}).value() == Value(1));
  CHECK(call(p, "power", {2, 62}).value() == Value(std::int64_t{1} << 62));
  CHECK(call(p, "power", {2, 63}).error() == "std::overflow_error: integer overflow in multiplication");
  CHECK_THAT(call(p, "power", {2, -1}).error(), Catch::StartsWith("std::invalid_argument: "));
  CHECK_THAT(call(p, "square", {std::int64_t{1} << 32}).error(), Catch::StartsWith("std::overflow_error"));

  CHECK(call(p, "sum_range", {0, 10}).value() == Value(45));
  CHECK(call(p, "sum_range", {-5, 6}).value() == Value(0));
  CHECK(call(p, "sum_range", {5, 5}).value() == Value(0));
  CHECK(call(p, "sum_range", {9, 1}).value() == Value(0));
  CHECK(call(p, "sum_range", {1, 1000000001}).value() == Value(std::int64_t{500000000500000000}));
  CHECK_THAT(call(p, "sum_range", {0, std::int64_t{1} << 40}).error(), Catch::Contains("does not fit"));

  CHECK(call(p, "analyze_chunk", {Value::List{1, 2, 3, 4}}).value() == Value(2.5));
  CHECK(call(p, "analyze_chunk", {Value::List{}}).error() ==
        "std::invalid_argument: analyze_chunk: empty chunk has no average");
}

TEST_CASE("plugins math: multiply_matrices computes products and refuses bad shapes", "[plugins]") {
  const ferry_plugin_v1* p = math();
  CHECK(call(p, "multiply_matrices", {matrix({{1, 2, 3}, {4, 5, 6}}), matrix({{7, 8}, {9, 10}, {11, 12}})}).value() ==
        matrix({{58, 64}, {139, 154}}));
  CHECK(call(p, "multiply_matrices", {matrix({{1, 0}, {0, 1}}), matrix({{5, 6}, {7, 8}})}).value() ==
        matrix({{5, 6}, {7, 8}}));
  CHECK(call(p, "multiply_matrices", {matrix({}), matrix({{1}})}).value() == matrix({}));

  CHECK(call(p, "multiply_matrices", {matrix({{1, 2}}), matrix({{1, 2}})}).error() ==
        "std::invalid_argument: multiply_matrices: row 0 of a has 2 columns but b has 1 rows");
  CHECK_THAT(call(p, "multiply_matrices", {matrix({{1, 2}}), matrix({{1, 2}, {3}})}).error(),
             Catch::Contains("row 1 of b has 1 columns"));
}

TEST_CASE("plugins math: string, struct and context tasks", "[plugins]") {
  const ferry_plugin_v1* p = math();
  CHECK(call(p, "worker_result", {3}).value() == Value("Worker 3 result"));
  CHECK(call(p, "process_item", {17}).value() == Value("Processed 17"));
  CHECK(call(p, "slow_fetch", {"http://a"}).value() == Value("Data from http://a"));
  CHECK(call(p, "work_with_error", {false}).value() == Value("Success!"));
  CHECK(call(p, "work_with_error", {true}).error() == "std::invalid_argument: Something went wrong!");
  CHECK(call(p, "bad", {}).error() == "std::runtime_error: worker failed");
  CHECK(call(p, "slow_square", {9}).value() == Value(81));
  CHECK(call(p, "slow_task", {-2}).value() == Value(4));
  CHECK(call(p, "slow_job", {1}).value() == Value(1));

  const Value done = call(p, "scheduled_task", {Value::List{"report", 0.01}}).value();
  REQUIRE(done.as_list().size() == 2);
  CHECK(done.as_list()[0] == Value("report"));
  CHECK(is_clock_time(done.as_list()[1].as_string()));

  const Value a(Value::Map{{"x", 0}, {"y", 1.0}}), b(Value::Map{{"x", 4.0}, {"y", -3.0}});
  CHECK(call(p, "midpoint", {a, b}).value() == Value(Value::Map{{"x", 2.0}, {"y", -1.0}}));
  CHECK_THAT(call(p, "midpoint", {a, Value::Map{{"x", 1.0}}}).output, Catch::Contains("missing field 'y'"));

  const plugin_test::Result echo = call(p, "log_and_echo", {"ping"});
  CHECK(echo.value() == Value("ping"));
  CHECK(echo.logs == std::vector<std::string>{"echo: ping"});
}

TEST_CASE("plugins math: printing tasks write whole lines to stdout", "[plugins]") {
  const ferry_plugin_v1* p = math();
  const auto [out, status] = plugin_test::child_stdout([p] {
    call(p, "announce", {"A"});
    call(p, "say_hi", {"bob"});
    call(p, "add", {2, 3, "sum"});
  });
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out == "Running task A\nhello from worker, bob\nsum 5\n");
}

TEST_CASE("plugins math: worker_function prints, then exits with its status", "[plugins]") {
  const ferry_plugin_v1* p = math();
  const auto [out, status] = plugin_test::child_stdout([p] { call(p, "worker_function", {"A", "London", 3}); });
  CHECK(out == "Begin: London     | worker A\nEnd  : London     | worker A\n");
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
}
