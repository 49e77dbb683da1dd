// A plugin whose registration throws part-way through: the loader must refuse
// it with the reason in load_error, not load the one task registered so far.
#include <cstdint>
#include <stdexcept>

#include <ferry/plugin.hpp>

namespace {
std::int64_t echo(std::int64_t x) { return x; }
}  // namespace

FERRY_PLUGIN(throws_on_load, "1.0") {
  plugin.task("echo", echo, "registered before the failure");
  throw std::runtime_error("cannot reach license server");
}
