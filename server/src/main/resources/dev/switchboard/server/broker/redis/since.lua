-- since: the entries after a position, oldest first.
-- ARGV[3] the position's epoch, ARGV[4] its offset, ARGV[5] the stream id right after it, ARGV[6] at most how many.
-- Reply: epoch, top offset, then four values per entry (see add_entry); no entries when the epoch is another one.
-- Java decides continuity: the first entry must be the one right after the position.
local epoch, top = ensure_epoch()
local reply = {epoch, top}
if ARGV[3] ~= epoch or tonumber(ARGV[4]) > top then return reply end
local items = redis.call('XRANGE', KEYS[2], ARGV[5], '+', 'COUNT', ARGV[6])
for _, item in ipairs(items) do add_entry(reply, item) end
return reply
