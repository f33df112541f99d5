-- RedisLink: a node says it is alive until ARGV[2] (epoch ms, its clock) and reads the nodes alive at ARGV[3].
-- KEYS[1] the sorted set of nodes by when they stop counting as alive; ARGV[1] this node's id.
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], 86400000)
return redis.call('ZRANGE', KEYS[1], 0, -1)
