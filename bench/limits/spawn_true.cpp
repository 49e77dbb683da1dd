// The floor under starting a worker: posix_spawn of /bin/true and waitpid,
// in milliseconds, the median of 100.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "bench.hpp"

extern char** environ;

int main() {
  return bench::run("spawn_true", [] {
    std::vector<double> ms;
    for (int i = 0; i < 100; ++i) {
      const auto start = bench::Clock::now();
      pid_t pid = 0;
      char arg0[] = "/bin/true";
      char* argv[] = {arg0, nullptr};
      if (::posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ) != 0)
        throw std::runtime_error("posix_spawn /bin/true failed");
      int status = 0;
      ::waitpid(pid, &status, 0);
      ms.push_back(bench::seconds_since(start) * 1e3);
      bench::check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "/bin/true exit status");
    }
    bench::emit("ms", bench::median(ms), "ms");
  });
}
