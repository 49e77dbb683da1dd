// Names the calling thread as top -H, ps -L, perf and gdb show it: an
// operator looking at a busy host sees which stage's which thread it is.
#pragma once

#include <sys/prctl.h>

#include <algorithm>
#include <string_view>

namespace ferry::detail {

// The kernel keeps 15 bytes; a longer name is cut.
inline void name_this_thread(std::string_view role, std::string_view name) {
  char buf[16] = {};
  const std::size_t r = std::min<std::size_t>(role.size(), 15);
  std::copy_n(role.data(), r, buf);
  std::copy_n(name.data(), std::min<std::size_t>(name.size(), 15 - r), buf + r);
  ::prctl(PR_SET_NAME, buf, 0, 0, 0);
}

}  // namespace ferry::detail
