// The Lua scripts behind a distributed run's shared objects (RedisObjects):
// each compound update runs inside Redis as one step.
#pragma once

#include <string>

namespace ferry::pipeline::objects_scripts {

// Sets a dict entry, recording a new key's place in the insertion order.
// KEYS: hash, order, sequence. ARGV: key, value.
inline const std::string kDictSet = R"lua(
if redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
end
return 1
)lua";
// KEYS as kDictSet. ARGV: key, value, key, value, ...
inline const std::string kDictUpdate = R"lua(
for i = 1, #ARGV, 2 do
  if redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[i])
  end
end
return 1
)lua";
// The stored value after setting it unless present. KEYS as kDictSet.
inline const std::string kDictSetDefault = R"lua(
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
  return ARGV[2]
end
return redis.call('HGET', KEYS[1], ARGV[1])
)lua";
// KEYS: hash, order. ARGV: key. The value removed, or nil.
inline const std::string kDictPop = R"lua(
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return v
)lua";
// Compare and set, for add(): sets key to ARGV[3] if its value is still
// ARGV[2] (ARGV[4] == '0': if it is still missing). KEYS as kDictSet.
inline const std::string kDictSwap = R"lua(
local v = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[4] == '0' then
  if v then return 0 end
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
elseif v ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
)lua";
// Keys in insertion order, with their values when ARGV[1] == '1'.
inline const std::string kDictItems = R"lua(
local keys = redis.call('ZRANGE', KEYS[2], 0, -1)
if ARGV[1] ~= '1' then return keys end
local out = {}
for _, k in ipairs(keys) do
  out[#out + 1] = k
  out[#out + 1] = redis.call('HGET', KEYS[1], k)
end
return out
)lua";
// A put on a queue with room. KEYS: list, unfinished. ARGV: capacity, item.
inline const std::string kQueuePut = R"lua(
if tonumber(ARGV[1]) > 0 and redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('INCR', KEYS[2])
return 1
)lua";
inline const std::string kTaskDone = R"lua(
if tonumber(redis.call('GET', KEYS[1]) or '0') <= 0 then return 0 end
redis.call('DECR', KEYS[1])
return 1
)lua";
// Releases a lock if token holds it.
inline const std::string kUnlock = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";
// Records an object's type, or tells the one it has. KEYS: types hash,
// keys set. ARGV: name, type, ttl ms, then the object's keys.
inline const std::string kRegister = R"lua(
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  for i = 4, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
  redis.call('SADD', KEYS[2], KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return ARGV[2]
end
return redis.call('HGET', KEYS[1], ARGV[1])
)lua";

}  // namespace ferry::pipeline::objects_scripts
