// Checked writes to stdout: a result lost to a full disk or a closed pipe
// must fail the command, not exit 0 with nothing written.
#include <cerrno>
#include <cstring>
#include <iostream>

#include "commands.hpp"

namespace ferry::cli {

std::string stdout_failure() {
  // Cleared first, so an older errno cannot name the wrong reason; kept
  // when a write already failed (the stream is bad and flush writes
  // nothing), since it holds that write's reason.
  if (std::cout.good()) errno = 0;
  if (std::cout.flush()) return "";
  return std::string("cannot write to stdout: ") + (errno ? std::strerror(errno) : "write error");
}

void print_result(std::string_view text) {
  errno = 0;
  std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (auto why = stdout_failure(); !why.empty()) throw OutputError(why);
}

}  // namespace ferry::cli
