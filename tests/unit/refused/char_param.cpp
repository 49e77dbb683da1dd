// Must not compile: a task taking a char (see sdk_refused_types tests).
#include <ferry/plugin.hpp>

namespace {
int initial(char c) { return c; }
}  // namespace

FERRY_PLUGIN(refused, "0") { plugin.task("initial", initial); }
