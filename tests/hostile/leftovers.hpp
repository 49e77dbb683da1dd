// What a run may leave behind, counted from the host's side: its own open
// descriptors, entries in /dev/shm, and processes that carry a tag in their
// environment (every worker inherits the host's environment, and so does
// whatever a task starts), so a test can tell its own strays from the
// machine's other processes.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ferry::test {

inline std::size_t entries_in(const char* dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}
inline std::size_t open_fds() { return entries_in("/proc/self/fd"); }
inline std::size_t dev_shm_entries() { return entries_in("/dev/shm"); }

// Sets NAME=value in this process's environment (so in every worker started
// from now on) and finds the processes other than this one that carry it.
class ProcessTag {
 public:
  ProcessTag(std::string name, std::string value) : entry_(name + "=" + value) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  // Pids of live (not zombie) processes with the tag, this one excepted.
  std::vector<pid_t> tagged() const {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const pid_t pid = std::stoi(name);
      if (pid == ::getpid() || zombie(e.path())) continue;
      std::ifstream env(e.path() / "environ", std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
      std::size_t at = 0;
      for (std::size_t end; (end = text.find('\0', at)) != std::string::npos; at = end + 1)
        if (text.compare(at, end - at, entry_) == 0) {
          out.push_back(pid);
          break;
        }
    }
    return out;
  }
  // Waits (up to about ten seconds) until at least n tagged processes are
  // there, as a process just started may not be listed yet; returns how
  // many there are then.
  std::size_t await_at_least(std::size_t n) const {
    std::size_t found = 0;
    for (int i = 0; i < 1000 && (found = tagged().size()) < n; ++i) ::usleep(10'000);
    return found;
  }
  // Waits (up to about ten seconds) for the tagged processes to be gone: a
  // process sent SIGKILL is still listed until the kernel has ended it.
  // Returns those still there.
  std::vector<pid_t> remaining() const {
    for (int i = 0; i < 1000; ++i) {
      auto left = tagged();
      if (left.empty() || i == 999) return left;
      ::usleep(10'000);
    }
    return {};
  }
  // Kills what tagged() finds, so one failed case does not spill into the next.
  void kill_all() const {
    for (pid_t pid : tagged()) ::kill(pid, SIGKILL);
  }

 private:
  static bool zombie(const std::filesystem::path& proc) {
    std::ifstream stat(proc / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
  }
  std::string entry_;
};

// This process's address space in bytes (VmSize).
inline std::uint64_t address_space() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  return 0;
}

// True when this process has no child left, reaped or not.
inline bool no_children() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace ferry::test
