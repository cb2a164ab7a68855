-- Versioned upsert of one application's projection.
-- KEYS[1] row hash, KEYS[2] the fund's status counters, KEYS[3] the fund's
-- panel ranking, KEYS[4] the event stream, KEYS[5..] the lists the
-- application belongs to now.
-- ARGV: id, version, row JSON, status, weighted score ('' when unscored),
-- fund id, org code, stream length cap, '1' to publish status changes,
-- the application's member in the lists (its sort key), the single-read
-- view JSON ('' when the writer has none: the stale one is dropped, so a
-- view is only ever stored at the row's version).
-- A write older than (or as old as) what is stored changes nothing, so a
-- retried or replayed projection can never regress a newer state. A
-- rebuild (ARGV[9] '0') rewrites a row of the same version, which is the
-- same state, so it can repair a row's layout; it too never regresses.
local cur = redis.call('HGET', KEYS[1], 'version')
if cur then
  local c, v = tonumber(cur), tonumber(ARGV[2])
  if c > v or (c == v and ARGV[9] == '1') then
    return 0
  end
end
local oldStatus = redis.call('HGET', KEYS[1], 'status')
local oldLists = redis.call('HGET', KEYS[1], 'lists')
local oldMember = redis.call('HGET', KEYS[1], 'member') or ARGV[1]
if oldLists then
  for k in string.gmatch(oldLists, '[^\n]+') do
    redis.call('ZREM', k, oldMember)
  end
  redis.call('HINCRBY', KEYS[2], oldStatus, -1)
end
local lists = {}
for i = 5, #KEYS do
  redis.call('ZADD', KEYS[i], 0, ARGV[10])
  lists[#lists + 1] = KEYS[i]
end
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
if ARGV[4] == 'panel' and ARGV[5] ~= '' then
  redis.call('ZADD', KEYS[3], tonumber(ARGV[5]), ARGV[1])
else
  redis.call('ZREM', KEYS[3], ARGV[1])
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'row', ARGV[3], 'status', ARGV[4], 'lists', table.concat(lists, '\n'), 'member', ARGV[10])
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[1], 'view', ARGV[11])
else
  redis.call('HDEL', KEYS[1], 'view')
end
-- A status change is an event, published exactly once: a replayed write of
-- the same version returned above.
if ARGV[9] == '1' and oldStatus ~= ARGV[4] then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*',
    'application_id', ARGV[1], 'fund_id', ARGV[6], 'org_code', ARGV[7],
    'status', ARGV[4], 'previous', oldStatus or '', 'version', ARGV[2])
end
return 1
