-- Removes one application's projection, unless it changed since it was
-- read (a concurrent write keeps it).
-- KEYS[1] row hash, KEYS[2] the fund's status counters, KEYS[3] the fund's
-- panel ranking. ARGV: id, the version read.
local cur = redis.call('HGET', KEYS[1], 'version')
if not cur or cur ~= ARGV[2] then
  return 0
end
local member = redis.call('HGET', KEYS[1], 'member') or ARGV[1]
local lists = redis.call('HGET', KEYS[1], 'lists')
if lists then
  for k in string.gmatch(lists, '[^\n]+') do
    redis.call('ZREM', k, member)
  end
end
redis.call('HINCRBY', KEYS[2], redis.call('HGET', KEYS[1], 'status'), -1)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[1])
return 1
