-- Versioned upsert of one award's outcome projection.
-- KEYS[1] the fund's outcome figures (id -> JSON), KEYS[2] their versions
-- (id -> version). ARGV: id, version, JSON, '1' for a live projection
-- ('0' for a rebuild, which may rewrite the same version).
-- Like the row's upsert, an older write never replaces a newer one.
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then
  local c, v = tonumber(cur), tonumber(ARGV[2])
  if c > v or (c == v and ARGV[4] == '1') then
    return 0
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
