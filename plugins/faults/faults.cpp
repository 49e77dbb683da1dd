// The `faults` plugin: tasks that break their worker on purpose, one way
// each, so tests can check that the engine survives crashes, hangs, protocol
// garbage and oversized results, and reports each for what it is.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include <ferry/plugin.hpp>

namespace {

using i64 = std::int64_t;

// The worker's end of its protocol socket; ferry-worker guarantees this number.
constexpr int kProtocolFd = 3;

i64 segfault(i64 x) {
  // A store to a page mapped without access: a genuine SIGSEGV, yet not the
  // undefined behaviour of a null store, which the compiler may turn into a
  // trap (SIGILL) and UBSan reports as an exit instead of a signal.
  void* page = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) throw std::runtime_error("segfault: mmap failed");
  *static_cast<volatile int*>(page) = 42;
  std::raise(SIGSEGV);  // only reached if a handler swallowed the fault
  return x;
}

i64 abort_now(i64 x) {
  std::abort();
  return x;
}

i64 exit_with(i64 code) {
  std::exit(static_cast<int>(code));
  return code;
}

i64 hang(i64 x) {
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // idle, not spinning a core
  return x;
}

i64 throw_error(std::string message) { throw std::runtime_error(message); }

i64 throw_int(i64) {
  throw 42;  // not a std::exception: the SDK can report only its type
}

std::string huge_result(i64 bytes) {
  if (bytes < 0) throw std::invalid_argument("huge_result: negative size " + std::to_string(bytes));
  return std::string(static_cast<std::size_t>(bytes), 'x');
}

i64 echo(i64 x) { return x; }

i64 kill_self(i64 x) {
  std::raise(SIGKILL);
  return x;
}

i64 garbage_to_host(i64 x) {
  const std::string garbage(64, '\xFF');
  if (::write(kProtocolFd, garbage.data(), garbage.size()) < 0)
    throw std::runtime_error("garbage_to_host: write to fd 3 failed");
  return x;
}

i64 close_pipe(i64 x) {
  ::close(kProtocolFd);
  return x;
}

// Item-dependent faults, for pipelines where only some items break.
i64 segfault_on_3(i64 x) { return x % 10 == 3 ? segfault(x) : x; }

i64 throw_on_7(i64 x) {
  if (x % 10 == 7) throw std::domain_error("item " + std::to_string(x) + " ends in 7");
  return x;
}

// Dies of SIGKILL the first time it sees x (a marker file in dir remembers
// across workers), returns x on the next attempt: a retry always succeeds.
i64 die_once(i64 x, std::string dir) {
  const std::string marker = dir + "/" + std::to_string(x);
  const int fd = ::open(marker.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    std::raise(SIGKILL);
  }
  return x;
}

// Kills its own worker (SIGKILL) on about 1% of calls, at random: chaos for
// retries. Seeded per process, so a replacement worker draws differently.
i64 chaos_kill(i64 x) {
  thread_local std::mt19937_64 rng{std::random_device{}() ^ static_cast<std::uint64_t>(::getpid())};
  if (std::uniform_int_distribution<int>(0, 99)(rng) == 0) std::raise(SIGKILL);
  return x;
}

// What the task sees of its call's deadline: milliseconds left, or -1.
i64 time_left_ms(ferry::Context& ctx, i64) {
  const auto left = ctx.time_left();
  return left ? std::chrono::duration_cast<std::chrono::milliseconds>(*left).count() : -1;
}

// Which worker ran the call: tells a replacement from the worker it replaced.
i64 worker_pid(i64) { return ::getpid(); }

// Sleeps ms milliseconds, then returns the pid of its worker.
i64 pid_after_ms(i64 ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ::getpid();
}

// Returns x after 200 microseconds: an item slow enough to interrupt a run.
i64 echo_after_us(i64 x) {
  std::this_thread::sleep_for(std::chrono::microseconds(200));
  return x;
}

// One log line at each level (debug, info, warning, error), then `lines`
// more at info as fast as it can: for log levels and the rate limit.
i64 log_levels(ferry::Context& ctx, i64 lines) {
  ctx.log("a debug line", ferry::LogLevel::debug);
  ctx.log("an info line");
  ctx.log("a warning line", ferry::LogLevel::warning);
  ctx.log("an error line", ferry::LogLevel::error);
  for (i64 i = 0; i < lines; ++i) ctx.log("flood " + std::to_string(i));
  return lines;
}

i64 sleep_ms(i64 ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

}  // namespace

FERRY_PLUGIN(faults, "1.0") {
  plugin.task("segfault", segfault, "dies of SIGSEGV (a write to an inaccessible page)")
      .task("abort_now", abort_now, "dies of SIGABRT via std::abort")
      .task("exit_with", exit_with, "exits the worker with status code")
      .task("hang", hang, "never returns (sleeps in 1 s steps)")
      .task("throw_error", throw_error, "throws std::runtime_error(message)")
      .task("throw_int", throw_int, "throws an int, not a std::exception")
      .task("huge_result", huge_result, "a string of `bytes` 'x' characters")
      .task("echo", echo, "returns its input: a healthy task")
      .task("kill_self", kill_self, "dies of SIGKILL")
      .task("garbage_to_host", garbage_to_host, "writes 64 0xFF bytes to the protocol socket (fd 3), returns x")
      .task("close_pipe", close_pipe, "closes the protocol socket (fd 3), returns x")
      .task("sleep_ms", sleep_ms, "sleeps ms milliseconds, returns ms")
      .task("log_levels", log_levels, "logs a line at each level, then `lines` more at info; returns lines")
      .task("echo_after_us", echo_after_us, "returns x after sleeping 200 microseconds")
      .task("worker_pid", worker_pid, "the pid of the worker running the call")
      .task("pid_after_ms", pid_after_ms, "sleeps ms milliseconds, returns its worker's pid")
      .task("segfault_on_3", segfault_on_3, "dies of SIGSEGV when x % 10 == 3, else returns x")
      .task("throw_on_7", throw_on_7, "throws std::domain_error when x % 10 == 7, else returns x")
      .task("die_once", die_once, "dies of SIGKILL the first time it sees x (marker file in dir), then returns x")
      .task("chaos_kill", chaos_kill, "dies of SIGKILL on about 1% of calls, at random; else returns x")
      .task("time_left_ms", time_left_ms, "milliseconds left before the call's deadline (ctx.time_left), or -1");
}
