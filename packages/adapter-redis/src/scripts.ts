/**
 * The Lua scripts that make each step atomic on the server. Every script takes one domain's keys:
 * KEYS[1] the sorted set of its keys (all scores 0, so BYLEX ranges compare bytes), KEYS[2] the hash
 * of its values, KEYS[3] its version (bumped by every write, read by every transactional read: the
 * optimistic check). Lua strings are byte strings, so binary keys and values pass unchanged.
 */

/** A value with its version; when absent, the stored keys around it (so probes in that gap need no fetch). */
const get = `
local value = redis.call('HGET', KEYS[2], ARGV[1])
local version = redis.call('GET', KEYS[3]) or '0'
if value then return {version, value} end
local before = redis.call('ZRANGE', KEYS[1], '(' .. ARGV[1], '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)
local after = redis.call('ZRANGE', KEYS[1], '(' .. ARGV[1], '+', 'BYLEX', 'LIMIT', 0, 1)
return {version, false, before[1] or false, after[1] or false}`;

/** ARGV: start, stop (BYLEX), '1' for descending, limit (-1: all). Returns version, then key and value pairs. */
const range = `
local command = {'ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'BYLEX', 'LIMIT', 0, ARGV[4]}
if ARGV[3] == '1' then table.insert(command, 6, 'REV') end
local keys = redis.call(unpack(command))
local out = {redis.call('GET', KEYS[3]) or '0'}
for _, key in ipairs(keys) do
  out[#out + 1] = key
  out[#out + 1] = redis.call('HGET', KEYS[2], key)
end
return out`;

/**
 * ARGV: the version read ('' for blind writes), the number of puts, their keys and values, the deleted
 * keys. Returns the new version, 0 on conflict. A group's keys are distinct, so the puts go as one
 * ZADD and one HSET per 500 entries, and the deletes as one ZREM and one HDEL per 1,000 keys:
 * two `redis.call`s per entry cost more than the writes themselves (`unpack` of 1,000 values stays
 * far below Lua's stack limit).
 */
const commit = `
if ARGV[1] ~= '' and (redis.call('GET', KEYS[3]) or '0') ~= ARGV[1] then return 0 end
local last = 2 + 2 * tonumber(ARGV[2])
for from = 3, last, 1000 do
  local to = math.min(from + 999, last)
  local members = {}
  for i = from, to, 2 do
    members[#members + 1] = 0
    members[#members + 1] = ARGV[i]
  end
  redis.call('ZADD', KEYS[1], unpack(members))
  redis.call('HSET', KEYS[2], unpack(ARGV, from, to))
end
for from = last + 1, #ARGV, 1000 do
  local to = math.min(from + 999, #ARGV)
  redis.call('ZREM', KEYS[1], unpack(ARGV, from, to))
  redis.call('HDEL', KEYS[2], unpack(ARGV, from, to))
end
return redis.call('INCR', KEYS[3])`;

/**
 * Compare-and-set of counters. ARGV: the guard key ('' for none), then per key: key, '1' when it was
 * read present ('0' absent), the bytes read, the bytes to write. Returns {2, guard value} when the
 * guard holds a value, {0, current values...} when a key changed since it was read, else {1}.
 */
const counters = `
if ARGV[1] ~= '' then
  local held = redis.call('HGET', KEYS[2], ARGV[1])
  if held then return {2, held} end
end
local changed = false
local current = {0}
for i = 2, #ARGV, 4 do
  local value = redis.call('HGET', KEYS[2], ARGV[i])
  current[#current + 1] = value
  if (ARGV[i + 1] == '1') ~= (value ~= false) or (value and value ~= ARGV[i + 2]) then changed = true end
end
if changed then return current end
for i = 2, #ARGV, 4 do
  redis.call('ZADD', KEYS[1], 0, ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 3])
end
redis.call('INCR', KEYS[3])
return {1}`;

/** ARGV: the guard key ('' for none). Returns the guard's value (and deletes nothing) when it holds one. */
const clear = `
if ARGV[1] ~= '' then
  local held = redis.call('HGET', KEYS[2], ARGV[1])
  if held then return held end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('INCR', KEYS[3])
return false`;

/** The scripts by command name, as `Redis.defineCommand` takes them (each on one domain's three keys). */
export const SCRIPTS = { asGet: get, asRange: range, asCommit: commit, asCounters: counters, asClear: clear } as const;
