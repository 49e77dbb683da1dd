// Whether two paths name one file, for outputs that must not share one: a
// later writer would truncate or interleave with an earlier one.
#pragma once

#include <string>

namespace ferry::pipeline {

// True when a and b (each absolute, or relative to the current folder) are
// the same file: the same path once normalised and its folders' symbolic
// links resolved, or the same existing file reached another way (a hard
// link, a symbolic link, /proc/self/fd/N). Two names of one device or
// other non-regular file (/dev/null, a terminal) are not a clash: writing
// there twice loses nothing.
bool same_file(const std::string& a, const std::string& b);

}  // namespace ferry::pipeline
