// The floor under starting a worker: posix_spawn of a program and waitpid,
// in milliseconds, the median of 100. Without an argument the program is
// /bin/true (C only); with "cpp", cxx_hello next to this program, a C++
// program that loads and starts libstdc++ as ferry-worker does.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bench.hpp"

extern char** environ;

int main(int argc, char** argv) {
  const bool cpp = argc > 1 && std::string(argv[1]) == "cpp";
  return bench::run(cpp ? "spawn_true cpp" : "spawn_true", [cpp] {
    const std::string program =
        cpp ? (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "cxx_hello").string() : "/bin/true";
    std::vector<double> ms;
    for (int i = 0; i < 100; ++i) {
      const auto start = bench::Clock::now();
      pid_t pid = 0;
      std::string arg0 = program;
      char* args[] = {arg0.data(), nullptr};
      if (::posix_spawn(&pid, program.c_str(), nullptr, nullptr, args, environ) != 0)
        throw std::runtime_error("posix_spawn " + program + " failed");
      int status = 0;
      ::waitpid(pid, &status, 0);
      ms.push_back(bench::seconds_since(start) * 1e3);
      bench::check(WIFEXITED(status) && WEXITSTATUS(status) == 0, program + " exit status");
    }
    bench::emit("ms", bench::median(ms), "ms");
  });
}
