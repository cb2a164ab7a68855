-- Sets a fund's status counters from its lists, atomically, so a rebuild
-- repairs counters without racing the projections that move them.
-- KEYS[1] the fund's status counters, KEYS[2..] the fund's list for each
-- status in ARGV, in the same order.
for i, status in ipairs(ARGV) do
  redis.call('HSET', KEYS[1], status, redis.call('ZCARD', KEYS[i + 1]))
end
return #ARGV
