-- Removes, atomically, the members of lapsed nodes written before their node's cutoff. ARGV: nodeId, cutoff pairs.
-- Returns the removed members as LEAVEs: only the caller whose script removed a member reports it.
local cutoffs = {}
for i = 1, #ARGV, 2 do cutoffs[ARGV[i]] = tonumber(ARGV[i + 1]) end
local all = redis.call('HGETALL', KEYS[1])
local now = now_ms()
local out = {}
for i = 1, #all, 2 do
  local m = cmsgpack.unpack(all[i + 1])
  local cutoff = cutoffs[m[4]]
  if cutoff and m[8] < cutoff then
    redis.call('HDEL', KEYS[1], all[i])
    redis.call('ZREM', KEYS[2], all[i])
    out[#out + 1] = cmsgpack.pack({ 'LEAVE', m[2], m[3], m[4], m[5], tostring(now), m[7], now })
  end
end
return out
