/**
 * The Lua scripts that keep replicas' shared state atomic. Times come from Redis's own clock (TIME), so
 * replicas' clocks never matter. Floats travel as strings (Redis truncates Lua numbers to integers).
 */

const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000`;

/**
 * GCRA pacing (virtual scheduling): reserves the next slot, `interval` ms after the previous one.
 * KEYS[1] the theoretical arrival time; ARGV interval_ms, max_wait_ms.
 * Returns {1, wait_ms} granted (sleep that long first), or {0, wait_ms} refused (the wait is too long).
 */
export const RESERVE_SLOT = `${NOW_MS}
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(tat, now)
local wait = slot - now
if wait > tonumber(ARGV[2]) then return {0, tostring(wait)} end
redis.call('SET', KEYS[1], tostring(slot + tonumber(ARGV[1])), 'PX', math.ceil(wait + tonumber(ARGV[1]) + 1000))
return {1, tostring(wait)}`;

/**
 * One send for the shared limiter, decided at once (nothing reserved ahead, so a stalled replica never
 * comes back with a backlog of slots): GCRA pacing with a tolerance of a few calls, then the hard guard —
 * sends written in the guard window plus sends granted and not yet written stay under `limit`. A granted
 * send is recorded as unwritten (scored `pending_ms` ahead, so it counts until its write is recorded).
 * KEYS[1] the theoretical arrival time, KEYS[2] a sorted set of sends;
 * ARGV interval_ms, tolerance_ms, limit, window_ms, pending_ms, unique_id.
 * Returns {1, '0'} granted, or {0, wait_ms}: ask again after that long.
 */
export const TAKE_SEND = `${NOW_MS}
local interval, tolerance, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local window, pending = tonumber(ARGV[4]), tonumber(ARGV[5])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
if slot - now > tolerance then return {0, tostring(slot - now - tolerance)} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tostring(now - window))
if redis.call('ZCARD', KEYS[2]) >= limit then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2])
  if oldest > now then return {0, '5'} end
  return {0, tostring(math.max(1, oldest + window - now))}
end
redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', math.ceil(slot + interval - now + 1000))
redis.call('ZADD', KEYS[2], tostring(now + pending), ARGV[6])
redis.call('PEXPIRE', KEYS[2], math.ceil(window + pending))
return {1, '0'}`;

/** A granted send was written: it counts from now (Redis's clock, at or after the real write: errs safe). KEYS[1] the sends; ARGV unique_id. */
export const MARK_WRITTEN = `${NOW_MS}
redis.call('ZADD', KEYS[1], tostring(now), ARGV[1])
return 1`;

/** Hands out the member's next number (`seq` holds its last) for value ARGV[1]: Redis's clock in µs, above the last. */
const STAMP_NEXT = `local t = redis.call('TIME')
seq = math.max(seq + 1, tonumber(t[1]) * 1000000 + tonumber(t[2]))
redis.call('HSET', KEYS[1], 'seq', string.format('%.0f', seq), 'value', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'stamps', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return seq`;

/**
 * A member's update arrives: it gets the next sequence number and becomes the member's latest value —
 * unless the latest value, not yet applied (pending or in flight on any replica), is this same value: then
 * it shares that sequence number, so identical concurrent updates cost one call.
 * Sequence numbers are Redis's clock in microseconds (and always above the member's last one), not a
 * counter: a Redis that lost the member's state (restarted empty, failed over to a replica that missed the
 * last writes, expired it) never hands out a number already given, so nothing stamped later can look
 * applied by an older call's record. (Lua numbers are doubles: exact to 2^53, far beyond these.)
 * KEYS[1] the member's hash {seq, value, applied, appliedValue, stamps: how many numbers it handed out};
 * ARGV value, ttl_ms. Returns the sequence number.
 */
export const SUBMIT_UPDATE = `local state = redis.call('HMGET', KEYS[1], 'seq', 'value', 'applied')
local seq = tonumber(state[1] or '0')
if seq > tonumber(state[3] or '0') and state[2] == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return seq
end
${STAMP_NEXT}`;

/**
 * A late-write repair sends the member's applied value again: stamped as a new update (so the lease holder
 * sends it) only while nothing newer is on its way — the last number handed out is the applied one — and
 * the applied value is still `value`. KEYS[1] the member's hash; ARGV value, ttl_ms. Returns the number, or 0.
 */
export const RESTAMP_APPLIED = `local state = redis.call('HMGET', KEYS[1], 'seq', 'applied', 'appliedValue')
if not state[1] or not state[2] or tonumber(state[1]) ~= tonumber(state[2]) or state[3] ~= ARGV[1] then return 0 end
local seq = tonumber(state[1])
${STAMP_NEXT}`;

/**
 * Whose turn is it? {1, applied_value}: an update at least as new as mine is already applied (done, no call);
 * {2, seq, value}: I hold the member's lease and must send this latest value; {0, lease_ttl_ms}: wait.
 * When Redis holds nothing as new as my stamp, it lost it (a restart, a failover, an expiry): my value is put
 * back as the latest, since every update stamped after it has a higher number.
 * KEYS[1] the member's hash, KEYS[2] its lease; ARGV my_seq, token, lease_ms, my_value, ttl_ms.
 */
export const CLAIM_MEMBER = `local applied = tonumber(redis.call('HGET', KEYS[1], 'applied') or '0')
if applied >= tonumber(ARGV[1]) then return {1, redis.call('HGET', KEYS[1], 'appliedValue') or false} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  local latest = redis.call('HMGET', KEYS[1], 'seq', 'value')
  if tonumber(latest[1] or '0') < tonumber(ARGV[1]) then
    redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'value', ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
    return {2, tonumber(ARGV[1]), ARGV[4]}
  end
  return {2, tonumber(latest[1]), latest[2]}
end
return {0, redis.call('PTTL', KEYS[2])}`;

/**
 * Ends my turn: records the sequence number and value IM applied (on success) and releases my lease, telling
 * the replicas waiting for it (PUBLISH of the member's key) — or, when a call of mine was abandoned and may
 * still land, keeps it `hold_ms` longer so no replica sends sooner.
 * KEYS[1] the member's hash, KEYS[2] its lease; ARGV token, applied_seq ('' after a failure), applied_value, hold_ms, ttl_ms, channel.
 */
export const RELEASE_MEMBER = `if ARGV[2] ~= '' then
  local applied = tonumber(redis.call('HGET', KEYS[1], 'applied') or '0')
  if tonumber(ARGV[2]) > applied then
    redis.call('HSET', KEYS[1], 'applied', ARGV[2], 'appliedValue', ARGV[3])
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
  end
end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  local hold = tonumber(ARGV[4] or '0')
  if hold > 0 then
    redis.call('PEXPIRE', KEYS[2], math.ceil(hold))
  else
    redis.call('DEL', KEYS[2])
    redis.call('PUBLISH', ARGV[6], KEYS[1])
  end
end
return 1`;

/**
 * The shared state's reset marker: 'mark' records that a replica found Redis to be another server than
 * before (a restart or a failover: recent writes may be lost), on Redis's clock, for `hold_ms`; 'read' only
 * reads it. KEYS[1] the marker; ARGV 'mark' | 'read', hold_ms. Returns {reset_at_ms or false, now_ms}.
 */
export const RESET_MARKER = `${NOW_MS}
if ARGV[1] == 'mark' then redis.call('SET', KEYS[1], string.format('%.0f', now), 'PX', ARGV[2]) end
return {redis.call('GET', KEYS[1]) or false, string.format('%.0f', now)}`;

/**
 * A replica is alive: scored by when it stops counting (Redis's clock); the others that stopped are dropped.
 * KEYS[1] the replicas' sorted set; ARGV instance, seen_for_ms. Returns how many replicas count now.
 */
export const HEARTBEAT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[2])), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])`;

/** Extends my lease while my call is still running. KEYS[1] the lease; ARGV token, lease_ms. */
export const RENEW_LEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
