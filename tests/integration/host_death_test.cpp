// After the host is SIGKILLed, none of its ferry-workers survives.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

// The pid's state letter and parent from /proc, or state 0 when it is gone.
struct ProcStat {
  char state = 0;
  int ppid = 0;
};
ProcStat proc_stat(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!f || !std::getline(f, line)) return {};
  ProcStat s;
  std::sscanf(line.c_str() + line.rfind(')') + 2, "%c %d", &s.state, &s.ppid);
  return s;
}

// Gone: no longer exists, or a zombie waiting for a reaper that, in a
// container, may never come.
bool gone(int pid) {
  const char state = proc_stat(pid).state;
  return state == 0 || state == 'Z';
}

std::vector<int> children_of(int parent) {
  std::vector<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    if (proc_stat(pid).ppid == parent && !gone(pid)) out.push_back(pid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs ferry_test_host (with method as its argument), kills it with SIGKILL
// once its two workers are busy, and waits (bounded) for each process it had
// started to be gone. Returns the workers' pids and the host's children as
// they were just before the kill.
struct KilledHost {
  std::vector<int> workers, children;
};
KilledHost kill_host(const char* method) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  char* argv[] = {const_cast<char*>(FERRY_TEST_HOST), const_cast<char*>(method), nullptr};
  pid_t host = 0;
  REQUIRE(::posix_spawn(&host, FERRY_TEST_HOST, &actions, nullptr, argv, environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);

  FILE* from_host = ::fdopen(out[0], "r");
  KilledHost k;
  bool ready = false;
  char line[64] = {};
  while (std::fgets(line, sizeof line, from_host)) {
    if (std::string(line) == "ready\n") {
      ready = true;
      break;
    }
    k.workers.push_back(std::atoi(line));
  }
  k.children = children_of(host);
  ::kill(host, SIGKILL);
  int status = 0;
  ::waitpid(host, &status, 0);
  std::fclose(from_host);
  REQUIRE(ready);
  std::sort(k.workers.begin(), k.workers.end());
  REQUIRE(k.workers.size() == 2);
  // The kernel delivers the death signal at once; allow a bounded while.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<int> started = k.workers;
  started.insert(started.end(), k.children.begin(), k.children.end());
  for (int pid : started) {
    while (!gone(pid) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(gone(pid));
  }
  return k;
}

}  // namespace

TEST_CASE("SIGKILL of the host leaves no ferry-worker running", "[process]") {
  const KilledHost k = kill_host("spawn");
  CHECK(k.workers == k.children);  // the workers are the host's own children, not strays
}

TEST_CASE("SIGKILL of a forkserver host leaves neither its forkserver nor its workers running", "[process][forkserver]") {
  const KilledHost k = kill_host("forkserver");
  REQUIRE(k.children.size() == 1);  // the forkserver, parent of the workers
  for (int pid : k.workers) CHECK(std::find(k.children.begin(), k.children.end(), pid) == k.children.end());
}
