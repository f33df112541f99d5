-- Renews a node's lease: ARGV[1] ms from Redis's now. Channels left from an expiry that did not finish go back to
-- the node's channel set, so they are checked again if it lapses later.
redis.call('HSET', KEYS[1], 'until', now_ms() + tonumber(ARGV[1]))
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('SUNIONSTORE', KEYS[2], KEYS[2], KEYS[3])
  redis.call('DEL', KEYS[3])
end
return {}
