-- RedisResumeDirectory: remembers connections for a resume on any node. KEYS are the connections' keys (one each),
-- ARGV[1] how long to keep them (ms), then one value per key. Several keys in one call only on a standalone Redis.
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1])
end
return {#KEYS}
