// The `hostile` plugin: each task misbehaves in one way a plugin can hurt its
// own worker process (its descriptors, its children, its signals, its
// memory), but only on the trigger item x == 3; on every other item it
// returns x. tests/hostile runs each in a pipeline and checks that only the
// trigger item fails (or none, where the misbehaviour is survivable), that
// the run ends, and that nothing is left behind. shrink_shared and
// scribble_count take shared memory instead and always misbehave: they go
// after what the host maps too (tests/hostile/pool_hostile_test.cpp).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include <ferry/plugin.hpp>
#include <ferry/shared_memory.hpp>

namespace {

using i64 = std::int64_t;

constexpr i64 kTrigger = 3;
// ferry-worker's protocol socket and manager socket: documented numbers.
constexpr int kProtocolFd = 3;
constexpr int kManagerFd = 4;

void write_junk(int fd) {
  const char junk[] = "this is not a ferry frame\n";
  [[maybe_unused]] auto w = ::write(fd, junk, sizeof junk - 1);
}

// Every item records itself in a shared dict, so breaking the manager
// channel on the trigger item is felt by that item's own request.
i64 touch_dict(ferry::Context& ctx, i64 x) {
  ctx.dict<std::string, i64>("hostile_seen").set(std::to_string(x), x);
  return x;
}

i64 junk_to_host(i64 x) {
  if (x == kTrigger) write_junk(kProtocolFd);
  return x;
}

i64 close_host(i64 x) {
  if (x == kTrigger) ::close(kProtocolFd);
  return x;
}

i64 junk_to_manager(ferry::Context& ctx, i64 x) {
  if (x == kTrigger) write_junk(kManagerFd);
  return touch_dict(ctx, x);
}

i64 close_manager(ferry::Context& ctx, i64 x) {
  if (x == kTrigger) ::close(kManagerFd);
  return touch_dict(ctx, x);
}

// On x == 3 publishes bytes that are no frame in the worker's manager lane
// (the shared page "memfd:ferry-lane" beside fd 4), rings the manager's
// doorbell, waits until the manager has taken them, then uses a dict. The
// offsets are those of engine/src/wire/lane.cpp's slot toward the host:
// published at 0, after at 8, size at 16, taken at 64, the bytes from 128.
i64 junk_in_lane(ferry::Context& ctx, i64 x) {
  if (x != kTrigger) return touch_dict(ctx, x);
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find("/memfd:ferry-lane") == std::string::npos) continue;
    auto* page = reinterpret_cast<unsigned char*>(std::stoull(line, nullptr, 16));
    const char junk[] = "this is not a ferry frame";
    std::memcpy(page + 128, junk, sizeof junk - 1);
    const std::uint32_t size = sizeof junk - 1;
    const std::uint64_t after = 0;
    std::memcpy(page + 16, &size, sizeof size);
    std::memcpy(page + 8, &after, sizeof after);
    auto* published = reinterpret_cast<std::atomic<std::uint64_t>*>(page);
    auto* taken = reinterpret_cast<std::atomic<std::uint64_t>*>(page + 64);
    const std::uint64_t mine = published->fetch_add(1) + 1;
    const char doorbell[] = {0, 0, 0, 0, 14};
    [[maybe_unused]] auto w = ::write(kManagerFd, doorbell, sizeof doorbell);
    for (int i = 0; i < 10'000 && taken->load() != mine; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    break;
  }
  return touch_dict(ctx, x);
}

// On x == 3 puts x twice on the queue "hostile_puts" (the first put waits
// for the manager, the second is posted) and closes the manager socket
// (fd 4): the posted put may never have arrived.
i64 post_then_close_manager(ferry::Context& ctx, i64 x) {
  if (x != kTrigger) return x;
  auto q = ctx.queue<i64>("hostile_puts");
  q.put(x);
  q.put(x);
  ::close(kManagerFd);
  return x;
}

// A child that outlives the task by far, holding every descriptor the
// worker had (sockets, stdout).
i64 fork_outlive(i64 x) {
  if (x == kTrigger && ::fork() == 0) {
    for (int i = 0; i < 600; ++i) ::sleep(1);
    ::_exit(0);
  }
  return x;
}

// As fork_outlive, through fork + exec of a program that sleeps: the
// worker's own descriptors must not reach it.
i64 spawn_outlive(i64 x) {
  if (x == kTrigger && ::fork() == 0) {
    ::execlp("sleep", "sleep", "600", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return x;
}

i64 exit_zero(i64 x) {
  if (x == kTrigger) std::exit(0);
  return x;
}

struct NotAnException {
  int code;
};

i64 throw_non_std(i64 x) {
  if (x == kTrigger) throw NotAnException{7};
  return x;
}

// volatile and the use after the call keep the compiler from turning the
// recursion into a loop; the bound, never reached, keeps it from calling
// the recursion infinite.
volatile int max_depth = 1 << 30;
int recurse(int depth) {
  if (depth >= max_depth) return 0;
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  return recurse(depth + 1) + frame[0];
}

i64 stack_overflow(i64 x) {
  if (x == kTrigger) return recurse(0);
  return x;
}

// 20 GB: the stage's memory_limit must turn this into std::bad_alloc.
// The block goes through a volatile pointer: an allocation nobody can see
// may be left out by the compiler altogether.
char* volatile kept = nullptr;
i64 allocate_20gb(i64 x) {
  if (x == kTrigger) {
    kept = new char[std::size_t{20} << 30];
    kept[0] = 1;
    delete[] kept;
    kept = nullptr;
  }
  return x;
}

// Ignores SIGTERM and never returns: only SIGKILL ends it.
i64 ignore_sigterm(i64 x) {
  if (x == kTrigger) {
    ::signal(SIGTERM, SIG_IGN);
    for (;;) ::sleep(1);
  }
  return x;
}

// Leaves a thread running after the task returns.
i64 leave_thread(i64 x) {
  if (x == kTrigger)
    std::thread([] {
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    }).detach();
  return x;
}

// 500 MB for the trigger item, a short string for the others.
std::string big_result(i64 x) {
  if (x == kTrigger) return std::string(std::size_t{500} << 20, 'x');
  return std::to_string(x);
}

i64 length_of(std::string s) { return static_cast<i64>(s.size()); }

// Kills the process that started its worker (a host, or a `ferry worker`)
// on x == 3: what a distributed run's delivery cap is for.
i64 kill_parent(i64 x) {
  if (x == 3) ::kill(::getppid(), SIGKILL);
  return x;
}

// Hangs (sleeping, not spinning) on the trigger item.
i64 hang(i64 x) {
  if (x == kTrigger)
    for (;;) ::sleep(1);
  return x;
}

}  // namespace

// Shrinks the file behind v's mapping to nothing through
// /proc/self/map_files (which root may open): the host maps the same file,
// and an access past its end would be a SIGBUS there. Returns 1 when the
// shrink was done, 0 when it was refused, -errno when the file could not be
// opened (not root).
i64 shrink_shared(ferry::SharedValue<i64> v) {
  const auto at = reinterpret_cast<std::uintptr_t>(&v.unsynchronized());
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const std::string range = line.substr(0, line.find(' '));
    const auto dash = range.find('-');
    const auto begin = std::stoull(range.substr(0, dash), nullptr, 16);
    const auto end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (at < begin || at >= end) continue;
    const int fd = ::open(("/proc/self/map_files/" + range).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    const int r = ::ftruncate(fd, 0);
    ::close(fd);
    return r == 0 ? 1 : 0;
  }
  return -ENOENT;
}

// Writes a count of 2^40 elements into a's segment header (its elements
// are preceded by it in the same mapping).
void scribble_count(ferry::SharedArray<i64> a) {
  auto* data = reinterpret_cast<char*>(a.span().data());
  reinterpret_cast<ferry::detail::SegmentHeader*>(data - ferry::detail::kSegmentDataOffset)->count = i64{1} << 40;
}

FERRY_PLUGIN(hostile, "1.0") {
  plugin.task("junk_to_host", junk_to_host, "writes junk to the protocol socket (fd 3) on x == 3")
      .task("kill_parent", kill_parent, "kills its worker's parent (SIGKILL) on x == 3, else returns x")
      .task("close_host", close_host, "closes the protocol socket (fd 3) on x == 3")
      .task("junk_to_manager", junk_to_manager, "writes junk to the manager socket (fd 4) on x == 3, then uses a dict")
      .task("close_manager", close_manager, "closes the manager socket (fd 4) on x == 3, then uses a dict")
      .task("junk_in_lane", junk_in_lane, "publishes junk in the manager lane on x == 3, then uses a dict")
      .task("post_then_close_manager", post_then_close_manager,
            "puts x twice on a queue, then closes the manager socket (fd 4), on x == 3")
      .task("touch_dict", touch_dict, "sets hostile_seen[x] = x; returns x")
      .task("fork_outlive", fork_outlive, "forks a child that sleeps 10 minutes on x == 3")
      .task("spawn_outlive", spawn_outlive, "fork + exec of `sleep 600` on x == 3")
      .task("exit_zero", exit_zero, "calls std::exit(0) on x == 3")
      .task("throw_non_std", throw_non_std, "throws a struct that is not a std::exception on x == 3")
      .task("stack_overflow", stack_overflow, "recurses without end on x == 3")
      .task("allocate_20gb", allocate_20gb, "allocates 20 GB on x == 3")
      .task("ignore_sigterm", ignore_sigterm, "ignores SIGTERM and never returns on x == 3")
      .task("leave_thread", leave_thread, "leaves a thread running on x == 3")
      .task("big_result", big_result, "500 MB of 'x' on x == 3, else x as text")
      .task("length_of", length_of, "the length of a string")
      .task("hang", hang, "never returns on x == 3")
      .task("shrink_shared", shrink_shared, "shrinks the file behind a shared value's mapping to nothing")
      .task("scribble_count", scribble_count, "writes 2^40 as a shared array's element count");
}
