-- RedisRateLimiter: takes one permit from an address's token bucket (GCRA). KEYS[1] is the address's key; it holds
-- the time (µs) at which the bucket is full again. ARGV[1] = now, ARGV[2] = the period, ARGV[3] = the interval between
-- two permits (period / permits, rounded down), all in µs of the limiter's clock. A permit pushes that time one
-- interval on; it is refused (nothing changes) when that would put it more than a period ahead of now.
-- The key expires when the bucket is full, so idle addresses vanish. Returns {1} when taken, {0} when refused.
local now = tonumber(ARGV[1])
local full = tonumber(redis.call('GET', KEYS[1]) or '0')
if full < now then
    full = now
end
local after = full + tonumber(ARGV[3])
if after - now > tonumber(ARGV[2]) then
    return {0}
end
-- %.0f: tostring would round the µs timestamp to 14 significant digits.
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', string.format('%.0f', math.ceil((after - now) / 1000)))
return {1}
