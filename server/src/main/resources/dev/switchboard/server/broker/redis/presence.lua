-- Shared head of every RedisPresenceManager script (the scripts are this file followed by their own).
-- Channel scripts: KEYS[1] is the channel's members hash (field clientId\nconnectionId), KEYS[2] its entry-order
-- sorted set (same fields, score = entry sequence). Node scripts: KEYS[1] the node's lease hash, KEYS[2] the set of
-- channel tags where it entered members, KEYS[3] the set of those being expired. A script touches one hash tag only.
--
-- A member is stored as a MessagePack array (Lua strings stay bytes, so data are binary-safe):
-- { action, clientId, connectionId, nodeId, memberId, timestamp (decimal string), data (false: none), written }
-- where written is Redis's time of the member's last write, compared with the cutoff of an expiry.

-- Redis's clock, not a node's: leases and cutoffs then agree whichever node asks.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
