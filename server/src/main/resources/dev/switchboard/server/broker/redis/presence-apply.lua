-- One ENTER, UPDATE or LEAVE, atomically. ARGV: action, field, clientId, connectionId, nodeId, memberId, timestamp,
-- hasData ('1'/'0'), data. Returns {} when nothing changed, else { the member as changed }.
local field = ARGV[2]
local present = redis.call('HGET', KEYS[1], field)
local old = present and cmsgpack.unpack(present)
local data = false
if ARGV[8] == '1' then data = ARGV[9] end
local now = now_ms()

if ARGV[1] == 'LEAVE' then
  if not old then return {} end
  redis.call('HDEL', KEYS[1], field)
  redis.call('ZREM', KEYS[2], field)
  if not data then data = old[7] end
  return { cmsgpack.pack({ 'LEAVE', ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], data, now }) }
end

if ARGV[1] == 'ENTER' and old and old[5] == ARGV[6] then
  -- the same ENTER again changes nothing anyone sees, but the member is now written under its node's current lease
  old[4] = ARGV[5]
  old[8] = now
  redis.call('HSET', KEYS[1], field, cmsgpack.pack(old))
  return {}
end

local value = cmsgpack.pack({ ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], data, now })
redis.call('HSET', KEYS[1], field, value)
if not old then
  -- a new member goes last; an UPDATE or a new ENTER of a present member keeps its place
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  local seq = 1
  if last[2] then seq = tonumber(last[2]) + 1 end
  redis.call('ZADD', KEYS[2], seq, field)
end
return { value }
