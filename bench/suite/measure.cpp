// measure REPORT PROGRAM [ARG...]: runs PROGRAM, then writes its peak
// resident size to the file REPORT as {"peak_rss_kib": N}, and exits with
// PROGRAM's status (128 + the signal that killed it).
//
// The driver cannot take this from its own wait4: a child it starts shares
// or copies the driver's memory until exec, and Linux counts that memory
// (some 20 MiB of Python) as the child's peak. Started from this small
// program instead, PROGRAM's peak is its own, or that of the largest
// process it waited for (its workers).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: measure REPORT PROGRAM [ARG...]\n");
    return 2;
  }
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("measure: fork");
    return 2;
  }
  if (child == 0) {
    ::execvp(argv[2], argv + 2);
    std::perror("measure: exec");
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(child, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      std::perror("measure: wait4");
      return 2;
    }
  }
  if (std::FILE* f = std::fopen(argv[1], "w")) {
    std::fprintf(f, "{\"peak_rss_kib\": %ld}\n", usage.ru_maxrss);
    std::fclose(f);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
