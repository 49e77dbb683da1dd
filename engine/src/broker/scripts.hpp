// The Lua scripts that make a worker's writes atomic. Each runs inside Redis
// as one step, so no other client sees half of it.
#pragma once

#include <string>

namespace ferry::broker::scripts {

// Finishing an entry (fencing): writes the result only if this worker's
// acknowledgement is the one that counts. A worker presumed dead whose entry
// was reclaimed and finished by another finds it acknowledged already, and
// its late result is dropped; so is any result for a run whose host is gone
// (its keys must not be brought back by a late write).
// KEYS: in stream, out stream, the run's alive key. ARGV: group, entry id,
// result payload. Returns 1 written, 0 finished before, -1 run gone.
inline const std::string finish = R"lua(
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], '*', 'd', ARGV[3])
return 1
)lua";

// Putting the items of a reclaimed entry back as suspects, one entry each:
// which item took its worker down is unknown, so each is run again alone.
// Fenced like finish. KEYS: the stream it was in, the run's alive key, the
// suspects stream. ARGV: group, entry id, the times its items were lost
// running alone so far, then one payload per new entry. Returns the entries
// added, 0 when the entry was finished before, -1 when the run is gone.
inline const std::string requeue = R"lua(
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
for i = 4, #ARGV do redis.call('XADD', KEYS[3], '*', 'd', ARGV[i], 'n', ARGV[3]) end
return #ARGV - 3
)lua";

// Keeping entries in progress fresh: resets their idle time (XCLAIM JUSTID
// counts no delivery), but only of those still this consumer's, so that a
// worker back from a pause (SIGSTOP) does not take back what another has
// reclaimed meanwhile. KEYS: the stream. ARGV: group, consumer, ids...
// Returns the ids still held.
inline const std::string touch = R"lua(
local held = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    held[#held + 1] = ARGV[i]
  end
end
return held
)lua";

// Telling the host a stage failed the run (on_error: fail), unless the run
// is gone. KEYS: out stream, alive key. ARGV: payload.
inline const std::string report = R"lua(
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
redis.call('XADD', KEYS[1], '*', 'd', ARGV[1])
return 1
)lua";

}  // namespace ferry::broker::scripts
