// A well-formed SDK plugin built as if against another ABI version: the one
// above this ferry's, so the loader must refuse it naming both versions.
// Only the macro is overridden; everything else is what FERRY_PLUGIN makes.
#include <cstdint>

#include <ferry/abi.h>

enum : std::uint32_t { kThisFerryAbi = FERRY_ABI_VERSION };
#undef FERRY_ABI_VERSION
#define FERRY_ABI_VERSION (kThisFerryAbi + 1u)

#include <ferry/plugin.hpp>

namespace {
std::int64_t echo(std::int64_t x) { return x; }
}  // namespace

FERRY_PLUGIN(other_abi, "1.0") { plugin.task("echo", echo, "never reached: the loader refuses the plugin"); }
