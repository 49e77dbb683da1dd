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

}  // namespace

TEST_CASE("SIGKILL of the host leaves no ferry-worker running", "[process]") {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  char* argv[] = {const_cast<char*>(FERRY_TEST_HOST), nullptr};
  pid_t host = 0;
  REQUIRE(::posix_spawn(&host, FERRY_TEST_HOST, &actions, nullptr, argv, environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);

  FILE* from_host = ::fdopen(out[0], "r");
  std::vector<int> workers;
  bool ready = false;
  char line[64] = {};
  while (std::fgets(line, sizeof line, from_host)) {
    if (std::string(line) == "ready\n") {
      ready = true;
      break;
    }
    workers.push_back(std::atoi(line));
  }
  // The workers are the host's own children, not strays.
  const std::vector<int> children = children_of(host);
  ::kill(host, SIGKILL);
  int status = 0;
  ::waitpid(host, &status, 0);
  std::fclose(from_host);

  REQUIRE(ready);
  std::sort(workers.begin(), workers.end());
  CHECK(workers == children);
  REQUIRE(workers.size() == 2);
  // The kernel delivers the death signal at once; allow a bounded while.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int pid : workers) {
    while (!gone(pid) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(gone(pid));
  }
}
