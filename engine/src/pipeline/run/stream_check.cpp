#include "pipeline/run/stream_check.hpp"

#include <cerrno>
#include <cstring>
#include <ostream>

namespace ferry::pipeline {

bool write_all(std::ostream& os, std::string_view text) {
  // Cleared first: a stream's failure leaves errno as its last system call
  // set it, and an older value would name the wrong reason.
  errno = 0;
  os.write(text.data(), static_cast<std::streamsize>(text.size()));
  os.flush();
  return static_cast<bool>(os);
}

std::string write_failure() { return errno ? std::strerror(errno) : "write error"; }

}  // namespace ferry::pipeline
