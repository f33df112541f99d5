-- publish: appends entries atomically, deduplicated by id, and tells the channel's subscribers.
-- KEYS[3..] the id key of each entry that has an id, in entry order.
-- ARGV[2] (the TTL) is also refreshed on the channel's keys by every publish that appends.
-- ARGV[3] max entries, ARGV[4] min entries, ARGV[5] max age ms, ARGV[6] dedup window ms, ARGV[7] the notice channel,
-- ARGV[8] '1' for SPUBLISH (cluster) else PUBLISH, ARGV[9] the entry count, then four values per entry from ARGV[10]:
-- '1' when it has an id, the id, its timestamp, its payload.
-- Reply: epoch, top offset, then per entry its offset and 1 when it was a duplicate (else 0).

-- Appended entries are in time order, so expired ones are at the head; the newest min-entries stay whatever their age.
-- Reads one head entry when nothing has expired and trims at most 100 per publish: retention is a lower bound on what
-- is kept, so what is left goes on a later publish (or with the channel's keys when they expire).
local function trim_by_age(now, top)
  local floor = top - tonumber(ARGV[4])
  if floor < 1 then return end
  local cutoff = now - tonumber(ARGV[5])
  local head = redis.call('XRANGE', KEYS[2], '-', stream_id(floor), 'COUNT', 1)
  if #head == 0 or tonumber(field(head[1], 'a')) >= cutoff then return end
  local expired = redis.call('XRANGE', KEYS[2], '-', stream_id(floor), 'COUNT', 100)
  local keep_from = stream_id(entry_offset(expired[#expired]) + 1)
  for _, item in ipairs(expired) do
    if tonumber(field(item, 'a')) >= cutoff then
      keep_from = item[1]
      break
    end
  end
  redis.call('XTRIM', KEYS[2], 'MINID', keep_from)
end

local epoch, top = ensure_epoch()
local now = now_ms()
local reply = {epoch, top}
local notice = {epoch}
local next_key = 3
for i = 0, tonumber(ARGV[9]) - 1 do
  local a = 10 + i * 4
  local has_id, id, ts, payload = ARGV[a] == '1', ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local id_key, offset, duplicate = nil, nil, 0
  if has_id then
    id_key = KEYS[next_key]
    next_key = next_key + 1
    local seen = redis.call('GET', id_key)
    if seen then
      local seen_epoch, seen_offset = string.match(seen, '^(.*)/(%d+)$')
      -- an id remembered from a lost epoch is new in this one
      if seen_epoch == epoch then
        offset = tonumber(seen_offset)
        duplicate = 1
      end
    end
  end
  if not offset then
    offset = redis.call('HINCRBY', KEYS[1], 'top', 1)
    if has_id then
      redis.call('XADD', KEYS[2], stream_id(offset), 't', ts, 'a', now, 'p', payload, 'i', id)
      redis.call('SET', id_key, epoch .. '/' .. string.format('%d', offset), 'PX', ARGV[6])
    else
      redis.call('XADD', KEYS[2], stream_id(offset), 't', ts, 'a', now, 'p', payload)
    end
    top = offset
    notice[#notice + 1] = offset
    notice[#notice + 1] = has_id and id or false
    notice[#notice + 1] = tonumber(ts)
    notice[#notice + 1] = payload
  end
  reply[#reply + 1] = offset
  reply[#reply + 1] = duplicate
end
reply[2] = top
if #notice > 1 then
  redis.call('XTRIM', KEYS[2], 'MAXLEN', ARGV[3])
  trim_by_age(now, top)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  -- the notice: epoch, then offset, id (false: none), timestamp, payload per appended entry
  local message = cmsgpack.pack(notice)
  if ARGV[8] == '1' then
    redis.call('SPUBLISH', ARGV[7], message)
  else
    redis.call('PUBLISH', ARGV[7], message)
  end
end
return reply
