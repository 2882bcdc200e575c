/**
 * Lua scripts the Redis store runs atomically. Lock values are `<owner id>:<fence>`; the fence only
 * grows and is stored with every value written under the lock. Fences are kept as decimal strings
 * (`%d`): Lua numbers are doubles and would otherwise be written in exponent form.
 */

/**
 * KEYS: lock, fence, object. ARGV: owner id, lease ms, largest value in bytes.
 * → taken: [fence, 0, data, mtime, stored fence] (the value as READ gives it, so the holder's first
 * read costs no round trip; [fence, 0, size] when it is too large); busy: [0, lease left ms, lock value].
 * The fence is the largest of the last fence + 1, the stored value's fence + 1 and Redis's clock in
 * microseconds, so it still grows when a restart without persistence lost the fence key (and the value).
 */
export const ACQUIRE = `
local t = redis.call('TIME')
local fence = math.max(
  tonumber(redis.call('GET', KEYS[2]) or '0') + 1,
  tonumber(redis.call('HGET', KEYS[3], 'fence') or '0') + 1,
  tonumber(t[1]) * 1000000 + tonumber(t[2]))
fence = string.format('%d', fence)
redis.call('SET', KEYS[2], fence)
if redis.call('SET', KEYS[1], ARGV[1] .. ':' .. fence, 'NX', 'PX', ARGV[2]) then
  local size = redis.call('HSTRLEN', KEYS[3], 'data')
  if size > tonumber(ARGV[3]) then return {tonumber(fence), 0, size} end
  local v = redis.call('HMGET', KEYS[3], 'data', 'mtime', 'fence')
  return {tonumber(fence), 0, v[1], v[2], v[3]}
end
return {0, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1])}
`;

/**
 * KEYS: object. ARGV: largest value in bytes. → [data, mtime, fence] (all nil when missing), or [size]
 * when the value is larger than allowed: its length is checked before it is read.
 */
export const READ = `
local size = redis.call('HSTRLEN', KEYS[1], 'data')
if size > tonumber(ARGV[1]) then return {size} end
return redis.call('HMGET', KEYS[1], 'data', 'mtime', 'fence')
`;

/** Compare-and-delete. KEYS: lock. ARGV: lock value, channel, message (published once released). → 1 released, 0 not ours. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
`;

/**
 * Compare-and-set write. KEYS: object, lock. ARGV: text, mtime ms, fence ('' = unlocked write), lock
 * value, channel, message (published once written). A fenced write is refused (→ 0) when another owner
 * holds the lock or the stored value carries a newer fence: a holder whose lease expired cannot
 * overwrite a newer value. Written → the value's fence, as a string.
 */
export const WRITE = `
local stored = redis.call('HGET', KEYS[1], 'fence') or '0'
local fence = stored
if ARGV[3] ~= '' then
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[4] then return 0 end
  fence = ARGV[3]
  if tonumber(stored) > tonumber(fence) then return 0 end
end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'mtime', ARGV[2], 'fence', fence)
redis.call('PUBLISH', ARGV[5], ARGV[6])
return fence
`;

/**
 * Catch-up write after an outage. KEYS: object. ARGV: text, mtime ms, channel, storage key. Writes
 * only when the stored value is missing or older than ours (→ 1), else leaves it (→ 0).
 */
export const RESTORE = `
local mtime = tonumber(redis.call('HGET', KEYS[1], 'mtime') or '-1')
if mtime >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'mtime', ARGV[2], 'fence', redis.call('HGET', KEYS[1], 'fence') or '0')
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

/** Extend the lease while we hold it. KEYS: lock. ARGV: lock value, lease ms. → 1 extended, 0 lost. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
