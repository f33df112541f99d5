-- history: a page of retained entries.
-- ARGV[3] '1' newest first, ARGV[4] the page size, ARGV[5] / ARGV[6] the low / high stream id bound ('-', '+', or an
-- exclusive '(N-0' that continues a page), ARGV[7] / ARGV[8] the first / last entry timestamp ('' = unbounded).
-- Reply: epoch, 1 when more entries match after this page (else 0), then four values per entry (see add_entry).
local epoch = ensure_epoch()
local backwards = ARGV[3] == '1'
local limit = tonumber(ARGV[4])
local first_ts, last_ts = tonumber(ARGV[7]), tonumber(ARGV[8])
local by_time = first_ts ~= nil or last_ts ~= nil
-- Entry timestamps are the publishers' and need not grow with the offset, so a time range is a filtered scan (bounded
-- by the stream's maximum length); without one a single read of limit + 1 entries answers.
local batch = by_time and math.max(limit + 1, 100) or limit + 1
local low, high = ARGV[5], ARGV[6]
local reply = {epoch, 0}
local found = 0
while true do
  local items
  if backwards then
    items = redis.call('XREVRANGE', KEYS[2], high, low, 'COUNT', batch)
  else
    items = redis.call('XRANGE', KEYS[2], low, high, 'COUNT', batch)
  end
  for _, item in ipairs(items) do
    local ts = tonumber(field(item, 't'))
    if (first_ts == nil or ts >= first_ts) and (last_ts == nil or ts <= last_ts) then
      if found == limit then
        reply[2] = 1
        return reply
      end
      add_entry(reply, item)
      found = found + 1
    end
  end
  if #items < batch then return reply end
  local last = items[#items][1]
  if backwards then high = '(' .. last else low = '(' .. last end
end
