-- RedisResumeDirectory: hands a remembered connection to one caller and forgets it. KEYS[1] the connection's key.
local held = redis.call('GET', KEYS[1])
if not held then return {} end
redis.call('DEL', KEYS[1])
return {held}
