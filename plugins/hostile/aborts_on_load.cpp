// A plugin that aborts while it is being loaded (a static initializer), as a
// plugin built against a missing resource might.
#include <cstdlib>

#include <ferry/plugin.hpp>

namespace {
struct AbortsAtLoad {
  AbortsAtLoad() { std::abort(); }
};
const AbortsAtLoad aborts;

int never(int x) { return x; }
}  // namespace

FERRY_PLUGIN(aborts_on_load, "1.0") { plugin.task("never", never, "never reached: loading aborts first"); }
