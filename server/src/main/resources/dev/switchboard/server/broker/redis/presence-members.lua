-- The channel's members in entry order, as stored.
local fields = redis.call('ZRANGE', KEYS[2], 0, -1)
local out = {}
-- HMGET in slices: unpack() of a whole large channel would overflow Lua's stack
for i = 1, #fields, 1000 do
  local slice = {}
  for j = i, math.min(i + 999, #fields) do slice[#slice + 1] = fields[j] end
  local values = redis.call('HMGET', KEYS[1], unpack(slice))
  for j = 1, #values do
    if values[j] then out[#out + 1] = values[j] end
  end
end
return out
