-- RedisNonceStore: records a use of a token request's nonce. KEYS[1] is the use (key name and nonce).
-- ARGV[1] = expiresAt, ARGV[2] = the store's clock now (both epoch ms), ARGV[3] = how long Redis keeps the key (ms).
-- The store's clock decides whether a remembered use is still live (as in the other stores); Redis's TTL only evicts.
-- Returns {1} for a first use, {0} for a replay.
local held = redis.call('GET', KEYS[1])
if held and tonumber(held) >= tonumber(ARGV[2]) then
    return {0}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return {1}
