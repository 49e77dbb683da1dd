// The `math` plugin: ferry versions of the classic Python multiprocessing
// tutorial examples (Pool.map over is_prime, Process with an exit code,
// apply_async with errors, ...), so each tutorial translates line for line.
//
// Self-contained on purpose; it builds without CMake:
//   g++ -std=c++20 -shared -fPIC -I sdk/include plugins/math/math.cpp -o libmath.so
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <ferry/plugin.hpp>

// A user type crossing the wire: its CEREAL_NVP names become the map keys of
// its Value form, so YAML and the CLI can write {x: 1, y: 2}.
struct Point {
  double x = 0, y = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(x), CEREAL_NVP(y));
  }
};

namespace {

using i64 = std::int64_t;
__extension__ typedef __int128 i128;  // __extension__: GNU type, quiet under -Wpedantic
using Matrix = std::vector<std::vector<i64>>;

void sleep_ms(i64 ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Signed overflow is undefined behaviour; a worker must report it, not return
// a silently wrapped number.
i64 checked_mul(i64 a, i64 b) {
  i64 r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw std::overflow_error("integer overflow in multiplication");
  return r;
}

i64 checked_add(i64 a, i64 b) {
  i64 r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw std::overflow_error("integer overflow in addition");
  return r;
}

// --- numbers ---------------------------------------------------------------

// Trial division by 2 and the odd numbers up to sqrt(n): the tutorials'
// is_prime, and bench/python/primes.py's, line for line.
bool is_prime(i64 n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (i64 d = 3; d <= n / d; d += 2)  // d <= n / d: d * d could overflow
    if (n % d == 0) return false;
  return true;
}

i64 square(i64 x) { return checked_mul(x, x); }
i64 inc(i64 x) { return checked_add(x, 1); }
bool is_even(i64 x) { return x % 2 == 0; }
i64 mul(i64 a, i64 b) { return checked_mul(a, b); }

i64 power(i64 base, i64 exp) {
  if (exp < 0) throw std::invalid_argument("power: negative exponent " + std::to_string(exp));
  i64 result = 1;
  for (; exp > 0; exp >>= 1) {  // square-and-multiply: O(log exp) steps
    if (exp & 1) result = checked_mul(result, base);
    if (exp > 1) base = checked_mul(base, base);
  }
  return result;
}

Matrix multiply_matrices(Matrix a, Matrix b) {
  const std::size_t inner = b.size();
  const std::size_t cols = b.empty() ? 0 : b[0].size();
  for (std::size_t i = 0; i < b.size(); ++i)
    if (b[i].size() != cols)
      throw std::invalid_argument("multiply_matrices: row " + std::to_string(i) + " of b has " +
                                  std::to_string(b[i].size()) + " columns, row 0 has " + std::to_string(cols));
  Matrix out(a.size(), std::vector<i64>(cols, 0));
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != inner)
      throw std::invalid_argument("multiply_matrices: row " + std::to_string(i) + " of a has " +
                                  std::to_string(a[i].size()) + " columns but b has " + std::to_string(inner) +
                                  " rows");
    for (std::size_t k = 0; k < inner; ++k)
      for (std::size_t j = 0; j < cols; ++j) out[i][j] = checked_add(out[i][j], checked_mul(a[i][k], b[k][j]));
  }
  return out;
}

double analyze_chunk(std::vector<i64> chunk) {
  if (chunk.empty()) throw std::invalid_argument("analyze_chunk: empty chunk has no average");
  double sum = 0;  // a double sum cannot overflow where an i64 one could
  for (i64 x : chunk) sum += static_cast<double>(x);
  return sum / static_cast<double>(chunk.size());
}

i64 sum_range(i64 start, i64 stop) {
  if (stop <= start) return 0;
  // Closed form in 128 bits: a loop would take minutes on a wide range.
  const i128 n = static_cast<i128>(stop) - start;
  const i128 sum = (static_cast<i128>(start) + stop - 1) * n / 2;
  if (sum > INT64_MAX || sum < INT64_MIN) throw std::overflow_error("sum_range: sum does not fit in i64");
  return static_cast<i64>(sum);
}

Point midpoint(Point a, Point b) { return Point{(a.x + b.x) / 2, (a.y + b.y) / 2}; }

// --- timing ----------------------------------------------------------------

i64 slow_square(i64 x) {
  sleep_ms(100);
  return square(x);
}

i64 slow_task(i64 x) {
  sleep_ms(100);
  return square(x);
}

i64 slow_job(i64 x) {
  sleep_ms(checked_mul(x, 10));
  return square(x);
}

std::tuple<std::string, std::string> scheduled_task(std::tuple<std::string, double> info) {
  const auto& [name, delay] = info;
  std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
  return {name, buf};
}

std::string slow_fetch(std::string url) {
  sleep_ms(200);
  return "Data from " + url;
}

std::string work_with_error(bool should_fail) {
  sleep_ms(100);
  if (should_fail) throw std::invalid_argument("Something went wrong!");
  return "Success!";
}

void long_task() {
  std::cout << "Starting long task...\n" << std::flush;
  std::this_thread::sleep_for(std::chrono::seconds(10));
  std::cout << "Task complete\n" << std::flush;
}

// --- processes and output --------------------------------------------------
// Worker stdout is the host's stdout; flushing keeps lines from several
// workers whole and in the order they happened.

std::string worker_result(i64 num) { return "Worker " + std::to_string(num) + " result"; }
std::string process_item(i64 id) { return "Processed " + std::to_string(id); }

void announce(std::string name) { std::cout << "Running task " << name << '\n' << std::flush; }
void say_hi(std::string name) { std::cout << "hello from worker, " << name << '\n' << std::flush; }
void add(i64 a, i64 b, std::string label) { std::cout << label << ' ' << checked_add(a, b) << '\n' << std::flush; }

void worker_function(std::string worker, std::string city, i64 status) {
  std::cout << "Begin: " << std::left << std::setw(10) << city << " | worker " << worker << '\n';
  std::cout << "End  : " << std::left << std::setw(10) << city << " | worker " << worker << '\n' << std::flush;
  std::exit(static_cast<int>(status));  // the point of the example: the parent sees this code
}

void bad() { throw std::runtime_error("worker failed"); }

std::string log_and_echo(ferry::Context& ctx, std::string message) {
  ctx.log("echo: " + message);
  return message;
}

}  // namespace

// Parameter names (the last argument) are shown by `ferry inspect` and name
// arguments in messages.
FERRY_PLUGIN(math, "1.0") {
  plugin.task("is_prime", is_prime, "true when n is prime (trial division)", {"n"})
      .task("square", square, "x * x", {"x"})
      .task("inc", inc, "x + 1", {"x"})
      .task("is_even", is_even, "true when x is even", {"x"})
      .task("mul", mul, "a * b", {"a", "b"})
      .task("power", power, "base raised to a non-negative exp", {"base", "exp"})
      .task("multiply_matrices", multiply_matrices, "matrix product a * b; throws on a shape mismatch", {"a", "b"})
      .task("analyze_chunk", analyze_chunk, "average of a non-empty chunk of integers", {"chunk"})
      .task("sum_range", sum_range, "sum of the integers in [start, stop)", {"start", "stop"})
      .task("midpoint", midpoint, "the point halfway between a and b", {"a", "b"})
      .task("slow_square", slow_square, "x * x after sleeping 100 ms", {"x"})
      .task("slow_task", slow_task, "x * x after sleeping 100 ms", {"x"})
      .task("slow_job", slow_job, "x * x after sleeping x * 10 ms", {"x"})
      .task("scheduled_task", scheduled_task, "sleeps (name, delay) seconds; returns name and local HH:MM:SS",
            {"info"})
      .task("slow_fetch", slow_fetch, "\"Data from <url>\" after sleeping 200 ms", {"url"})
      .task("work_with_error", work_with_error, "after 100 ms, throws when should_fail, else \"Success!\"",
            {"should_fail"})
      .task("long_task", long_task, "prints, sleeps 10 s, prints again")
      .task("worker_result", worker_result, "\"Worker <num> result\"", {"num"})
      .task("process_item", process_item, "\"Processed <id>\"", {"id"})
      .task("announce", announce, "prints \"Running task <name>\"", {"name"})
      .task("say_hi", say_hi, "prints a greeting for name", {"name"})
      .task("add", add, "prints \"<label> <a + b>\"", {"a", "b", "label"})
      .task("worker_function", worker_function, "prints begin/end lines, then exits the worker with status", 
                 {"worker", "city", "status"})
      .task("bad", bad, "always throws std::runtime_error")
      .task("log_and_echo", log_and_echo, "logs message through the worker and returns it", {"message"});
}
