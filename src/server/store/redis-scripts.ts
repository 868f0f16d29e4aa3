/**
 * The Lua scripts of `redisStore`: each runs atomically on the Redis server.
 * KEYS[1] is the record (a hash: fp, state, owner, attempt, status, body),
 * KEYS[2] the lease (the owner token, with the lease as its TTL, so lease
 * ends are decided on Redis's own clock). Every write after the reservation
 * is a compare-and-set on the record's owner token.
 */

/** ARGV: fingerprint, owner, leaseMs, retentionMs. Returns {kind, ...}. */
export const RESERVE = `
local fp = redis.call('HGET', KEYS[1], 'fp')
if not fp then
  if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'busy', redis.call('PTTL', KEYS[2])} end
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'running', 'owner', ARGV[2], 'attempt', 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {'acquired', 1}
end
if fp ~= ARGV[1] then return {'mismatch'} end
local f = redis.call('HMGET', KEYS[1], 'state', 'status', 'body')
if f[1] == 'done' then return {'done', f[2], f[3]} end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'busy', redis.call('PTTL', KEYS[2])} end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'acquired', redis.call('HINCRBY', KEYS[1], 'attempt', 1)}
`;

/** The owner check every fenced write starts with (ARGV[1] is the owner). */
const HELD = `
local f = redis.call('HMGET', KEYS[1], 'state', 'owner')
if f[1] ~= 'running' or f[2] ~= ARGV[1] then return 0 end
`;

/** ARGV: owner, leaseMs. */
export const HEARTBEAT = `${HELD}
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** ARGV: owner, status, body, retentionMs. */
export const COMPLETE = `${HELD}
redis.call('HSET', KEYS[1], 'state', 'done', 'status', ARGV[2], 'body', ARGV[3])
redis.call('HDEL', KEYS[1], 'owner')
redis.call('DEL', KEYS[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** ARGV: owner, '1' to forget the key or '0' to keep it with the lease ended. */
export const RELEASE = `${HELD}
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HDEL', KEYS[1], 'owner')
end
redis.call('DEL', KEYS[2])
return 1
`;

/** Returns the record's fields, Redis's clock in ms, and both TTLs; nil without a record. */
export const READ = `
local f = redis.call('HMGET', KEYS[1], 'fp', 'state', 'owner', 'attempt', 'status', 'body')
if not f[1] then return nil end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {f[1], f[2], f[3] or '', f[4], f[5] or '', f[6] or '', tostring(now),
  tostring(redis.call('PTTL', KEYS[2])), tostring(redis.call('PTTL', KEYS[1]))}
`;
