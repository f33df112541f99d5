-- Shared head of every RedisBroker script (the scripts are this file followed by their own).
-- KEYS[1] is the channel's meta hash (epoch, top), KEYS[2] its stream; all keys of a channel share one hash tag,
-- so a script touches a single slot and runs unchanged on Redis Cluster.
-- ARGV[1] is a random suffix for a new epoch, ARGV[2] the TTL in ms of a meta hash this script creates.
--
-- Stream entries have the id '<offset>-0' and the fields t (the entry's timestamp), a (Redis's append time), p (the
-- payload) and i (the id, when it has one). Offset ids make since and history a range read (XRANGE from '<n+1>-0');
-- time ids would let XTRIM MINID trim by age but need an offset index beside the stream. Appends come in time
-- order, so age trimming instead reads the stream's head (see publish.lua), which costs one entry when nothing expired.

-- Redis's clock, not a node's: retention and epochs then agree whichever node asks.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function base36(n)
  local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
  local s = ''
  repeat
    local d = n % 36
    s = string.sub(digits, d + 1, d + 1) .. s
    n = math.floor(n / 36)
  until n == 0
  return s
end

local function stream_id(offset)
  return string.format('%d-0', offset)
end

-- The channel's epoch and top offset. No meta hash means the log was lost (expired, or Redis lost its data) or never
-- existed: start a new epoch, so no position of an old one can be continued from.
local function ensure_epoch()
  local meta = redis.call('HMGET', KEYS[1], 'epoch', 'top')
  if meta[1] then return meta[1], tonumber(meta[2]) end
  -- a stream that outlived its meta hash holds the lost epoch's entries (and ids the new offsets would collide with)
  redis.call('DEL', KEYS[2])
  local epoch = base36(now_ms()) .. ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'top', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return epoch, 0
end

local function field(item, name)
  local fields = item[2]
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return nil
end

local function entry_offset(item)
  return tonumber(string.match(item[1], '^(%d+)'))
end

-- Appends a stream entry to a reply as the four values Java reads: offset, id (nil: none), timestamp, payload.
local function add_entry(reply, item)
  reply[#reply + 1] = entry_offset(item)
  reply[#reply + 1] = field(item, 'i') or false
  reply[#reply + 1] = tonumber(field(item, 't'))
  reply[#reply + 1] = field(item, 'p')
end
