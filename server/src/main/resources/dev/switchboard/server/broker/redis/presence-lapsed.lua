-- Whether a node's lease lapsed. Live: {}. Lapsed: { cutoff, channel tags to check... }, its channel set moved to the
-- set being expired (new entries of the node go to a fresh channel set). Lapsed with nothing left: { 'gone' }, and
-- its lease is deleted. The cutoff is Redis's time now: members the node writes after it are not expired by this round.
local now = now_ms()
local lease = tonumber(redis.call('HGET', KEYS[1], 'until'))
if lease and lease >= now then return {} end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('SUNIONSTORE', KEYS[3], KEYS[3], KEYS[2])
  redis.call('DEL', KEYS[2])
end
local stale = redis.call('SMEMBERS', KEYS[3])
if #stale == 0 then
  redis.call('DEL', KEYS[1])
  return { 'gone' }
end
local out = { tostring(now + 1) }
for i = 1, #stale do out[#out + 1] = stale[i] end
return out
