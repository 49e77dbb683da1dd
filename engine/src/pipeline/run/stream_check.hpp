// Checked writes for results: a full disk or a closed pipe must fail the
// run, not lose its output quietly.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace ferry::pipeline {

// Writes text to os and flushes it, so an error shows now and not at exit,
// when nobody checks. False when any of it failed.
bool write_all(std::ostream& os, std::string_view text);

// Why the last failed write of this thread failed: the system's reason
// ("No space left on device"), or "write error" when it gave none.
std::string write_failure();

}  // namespace ferry::pipeline
