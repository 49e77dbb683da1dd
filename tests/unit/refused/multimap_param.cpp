// Must not compile: a task taking a std::multimap (see sdk_refused_types tests).
#include <map>
#include <string>

#include <ferry/plugin.hpp>

namespace {
int count(std::multimap<std::string, int> m) { return static_cast<int>(m.size()); }
}  // namespace

FERRY_PLUGIN(refused, "0") { plugin.task("count", count); }
