// Package readmodel keeps Redis projections of applications for lists and
// dashboards. Temporal stays the system of record: every projection is
// written from a workflow's state, stamped with that state's version, and
// can be rebuilt from Temporal at any time.
//
// The upsert touches keys it recorded earlier, so it needs a standalone
// Redis (or a single shard), not Redis Cluster.
//
// Keys are laid out so every list request costs O(log n + page): each
// application sits in one sorted set per combination of the list filters
// (fund, status, organisation), all with score 0 so Redis orders members
// lexically, and each member is the application's sort key: its creation
// time, then its id. A page is one ZRANGE BYLEX from the cursor (the last
// sort key of the previous page), whatever the total.
//
// An adapter: it may import the root package, domain packages and other
// adapters, never workflows, activities, api, web or internal/devtest.
package readmodel

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundflow/fundflow/internal/application"
)

// Filter selects a list; empty fields match everything.
type Filter struct {
	FundID  string
	Status  string
	OrgCode string
}

// Matches reports whether row passes f, for lists read other than by its
// keys.
func (f Filter) Matches(row application.Row) bool {
	return (f.FundID == "" || row.FundID == f.FundID) && (f.Status == "" || row.Status == f.Status) && (f.OrgCode == "" || row.OrgCode == f.OrgCode)
}

// Store reads and writes projections under a key prefix.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	// poll, when set, is how often Events reads the stream again instead
	// of blocking on it; see PollingEvents.
	poll time.Duration
}

// NewStore uses keys starting with keyPrefix + "rm:".
func NewStore(rdb redis.UniversalClient, keyPrefix string) *Store {
	return &Store{rdb: rdb, prefix: keyPrefix + "rm:"}
}

// ErrNotFound is returned for an application with no projection.
var ErrNotFound = errors.New("readmodel: no projection")

//go:embed upsert.lua
var upsertSource string

var upsertScript = redis.NewScript(upsertSource)

var (
	//go:embed remove.lua
	removeSource string
	removeScript = redis.NewScript(removeSource)
	//go:embed counts.lua
	countsSource string
	countsScript = redis.NewScript(countsSource)
)

func (s *Store) rowKey(id string) string { return s.prefix + "app:" + id }

func (s *Store) refKey(ref string) string { return s.prefix + "ref:" + ref }

// teamKey holds the ids of the applications a co-applicant was invited to.
// Ids are only ever added: the row's own Team says who is on it now.
func (s *Store) teamKey(userID string) string { return s.prefix + "team:" + userID }

// TeamRows are the rows of the applications userID is on the team of,
// newest first.
func (s *Store) TeamRows(ctx context.Context, userID string) ([]application.Row, error) {
	ids, err := s.rdb.SMembers(ctx, s.teamKey(userID)).Result()
	if err != nil {
		return nil, fmt.Errorf("readmodel: team of %s: %w", userID, err)
	}
	out := []application.Row{}
	for _, id := range ids {
		row, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if slices.Contains(row.Team, userID) {
			out = append(out, row)
		}
	}
	slices.SortFunc(out, func(a, b application.Row) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// Lookup is the id of the application with reference ref, ErrNotFound for
// one the read model has not been told of.
func (s *Store) Lookup(ctx context.Context, ref string) (string, error) {
	id, err := s.rdb.Get(ctx, s.refKey(ref)).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrNotFound
	}
	return id, err
}

// listKeys is every sorted set an application with these attributes is in:
// one per subset of the three filters.
func (s *Store) listKeys(fund, status, org string) []string {
	keys := make([]string, 0, 8)
	for mask := range 8 {
		keys = append(keys, s.listKey(Filter{
			FundID:  pick(mask&1 != 0, fund),
			Status:  pick(mask&2 != 0, status),
			OrgCode: pick(mask&4 != 0, org),
		}))
	}
	return keys
}

func pick(on bool, v string) string {
	if on {
		return v
	}
	return ""
}

func (s *Store) listKey(f Filter) string {
	return s.prefix + "list:f=" + f.FundID + ":s=" + f.Status + ":o=" + f.OrgCode
}

// panelKey ranks a fund's applications awaiting the panel by weighted
// score.
func (s *Store) panelKey(fund string) string { return s.prefix + "panel:" + fund }

// Panel returns a fund's applications awaiting the panel, best weighted
// score first (ties in id order), from offset.
func (s *Store) Panel(ctx context.Context, fund string, offset, limit int) ([]application.Row, error) {
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: s.panelKey(fund), Start: offset, Stop: offset + limit - 1, Rev: true,
	}).Result()
	if err != nil {
		return nil, err
	}
	return s.Rows(ctx, ids)
}

// maxEvents caps the event stream; a client that falls further behind than
// this reloads its lists instead of resuming.
const maxEvents = 100_000

func (s *Store) eventsKey() string { return s.prefix + "events" }

// Event is an application's change of status.
type Event struct {
	// ID is the stream entry id, which clients send back as Last-Event-ID.
	ID            string `json:"-"`
	ApplicationID string `json:"application_id"`
	FundID        string `json:"fund_id"`
	OrgCode       string `json:"org_code"`
	Status        string `json:"status"`
	Previous      string `json:"previous,omitempty"`
	Version       string `json:"version"`
}

// PollingEvents is s with Events reading the stream every interval while
// it waits, instead of holding a blocking XREAD. dev's in-process Redis
// stand-in runs a blocked XREAD again after every command any client sends,
// each time parsing every entry in the stream: under load that was a tenth
// of dev's CPU, where ten reads a second cost nothing. Zero keeps blocking.
func (s *Store) PollingEvents(interval time.Duration) *Store {
	c := *s
	c.poll = interval
	return &c
}

// Events returns events after the given id ("" for only new ones, "0" for
// all kept), waiting up to block for the first (for ever if block is 0;
// not at all if it is negative).
func (s *Store) Events(ctx context.Context, after string, block time.Duration) ([]Event, error) {
	if s.poll > 0 && block >= 0 {
		return s.pollEvents(ctx, after, block)
	}
	if after == "" {
		after = "$"
	}
	res, err := s.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{s.eventsKey(), after}, Count: 100, Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, st := range res {
		for _, m := range st.Messages {
			field := func(k string) string { v, _ := m.Values[k].(string); return v }
			out = append(out, Event{ID: m.ID, ApplicationID: field("application_id"), FundID: field("fund_id"),
				OrgCode: field("org_code"), Status: field("status"), Previous: field("previous"), Version: field("version")})
		}
	}
	return out, nil
}

func (s *Store) pollEvents(ctx context.Context, after string, block time.Duration) ([]Event, error) {
	if after == "" {
		// "$" means nothing to a read that does not block.
		last, err := s.LastEventID(ctx)
		if err != nil {
			return nil, err
		}
		after = last
	}
	var deadline <-chan time.Time
	if block > 0 {
		t := time.NewTimer(block)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	for {
		evs, err := s.Events(ctx, after, -1)
		if err != nil || len(evs) > 0 {
			return evs, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline:
			return nil, nil
		case <-tick.C:
		}
	}
}

// LastEventID is the newest event's id, "0" when there are none: where a
// client that starts listening now should resume from.
func (s *Store) LastEventID(ctx context.Context) (string, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.eventsKey(), "+", "-", 1).Result()
	if err != nil || len(msgs) == 0 {
		return "0", err
	}
	return msgs[0].ID, nil
}

// countKey holds per-status counts for a fund's dashboard.
func (s *Store) countKey(fund string) string { return s.prefix + "count:" + fund }

// Put writes a projection unless a newer version is already there, moving
// the application between lists and counters atomically, and publishes an
// event when the status changed. It reports whether it wrote.
func (s *Store) Put(ctx context.Context, a application.Row) (bool, error) { return s.put(ctx, a, true) }

// Restore writes a projection as Put does but publishes nothing: a rebuild
// is not news.
func (s *Store) Restore(ctx context.Context, a application.Row) (bool, error) {
	return s.put(ctx, a, false)
}

func (s *Store) put(ctx context.Context, a application.Row, publish bool) (bool, error) {
	bare := a
	bare.Outcome, bare.View = nil, nil
	row, err := json.Marshal(bare)
	if err != nil {
		return false, err
	}
	newKeys := s.listKeys(a.FundID, a.Status, a.OrgCode)
	keys := append([]string{s.rowKey(a.ID), s.countKey(a.FundID), s.panelKey(a.FundID), s.eventsKey()}, newKeys...)
	score := ""
	if a.WeightedScore != nil {
		score = strconv.Itoa(*a.WeightedScore)
	}
	wrote, err := upsertScript.Run(ctx, s.rdb, keys, a.ID, a.Version, string(row), a.Status, score, a.FundID, a.OrgCode, maxEvents, flag(publish), sortKey(a), string(a.View)).Int()
	if err != nil {
		return false, fmt.Errorf("readmodel: put %s: %w", a.ID, err)
	}
	if a.Reference != "" {
		// A reference never changes or moves to another application, so
		// a plain SET of it is as safe to repeat as the row's versioned one.
		if err := s.rdb.Set(ctx, s.refKey(a.Reference), a.ID, 0).Err(); err != nil {
			return false, fmt.Errorf("readmodel: put %s: %w", a.ID, err)
		}
	}
	for _, uid := range a.Team {
		if err := s.rdb.SAdd(ctx, s.teamKey(uid), a.ID).Err(); err != nil {
			return false, fmt.Errorf("readmodel: put %s: %w", a.ID, err)
		}
	}
	// Written even when the row was not: a retry after the row landed and
	// this failed must still land it, and its own version check keeps it
	// from going backwards.
	if err := s.putOutcome(ctx, a, publish); err != nil {
		return false, err
	}
	return wrote == 1, nil
}

// sortKey orders an application in its lists by creation, whatever its id
// looks like: ids derived from an Idempotency-Key are not time-ordered.
// Creation times never change, so neither does the key.
func sortKey(a application.Row) string {
	return fmt.Sprintf("%013x:%s", a.CreatedAt.UnixMilli(), a.ID)
}

// idOf is the application id in a sort key.
func idOf(member string) string {
	if _, id, ok := strings.Cut(member, ":"); ok {
		return id
	}
	return member
}

func idsOf(members []string) []string {
	for i, m := range members {
		members[i] = idOf(m)
	}
	return members
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Get reads one projection.
func (s *Store) Get(ctx context.Context, id string) (application.Row, error) {
	b, err := s.rdb.HGet(ctx, s.rowKey(id), "row").Bytes()
	if errors.Is(err, redis.Nil) {
		return application.Row{}, ErrNotFound
	}
	if err != nil {
		return application.Row{}, err
	}
	var a application.Row
	return a, json.Unmarshal(b, &a)
}

// View is an application's projected single-read view and its version,
// and the floor: the newest version the API has answered from the
// workflow itself. It returns ErrNotFound when there is no view.
func (s *Store) View(ctx context.Context, id string) (view []byte, version, floor int64, err error) {
	pipe := s.rdb.Pipeline()
	row := pipe.HMGet(ctx, s.rowKey(id), "version", "view")
	fl := pipe.Get(ctx, s.floorKey(id))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, 0, err
	}
	if floor, err = fl.Int64(); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, 0, err
	}
	vals := row.Val()
	v, _ := vals[0].(string)
	b, _ := vals[1].(string)
	if v == "" || b == "" {
		return nil, 0, floor, ErrNotFound
	}
	if version, err = strconv.ParseInt(v, 10, 64); err != nil {
		return nil, 0, 0, fmt.Errorf("readmodel: view %s: version %q: %w", id, v, err)
	}
	return []byte(b), version, floor, nil
}

var raiseFloorScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 0`)

// RaiseFloor records that the API has answered version of an application
// from its workflow, so that a read without a version hint is never
// answered from a projection older than that. It never lowers the floor.
func (s *Store) RaiseFloor(ctx context.Context, id string, version int64) error {
	return raiseFloorScript.Run(ctx, s.rdb, []string{s.floorKey(id)}, version).Err()
}

func (s *Store) floorKey(id string) string { return s.prefix + "floor:" + id }

// List returns up to limit applications matching f, in creation order,
// after the cursor (the next cursor of a previous page, or "").
func (s *Store) List(ctx context.Context, f Filter, after string, limit int) ([]application.Row, string, error) {
	min := "-"
	if after != "" {
		min = "(" + after
	}
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: s.listKey(f), Start: min, Stop: "+", ByLex: true, Count: int64(limit + 1),
	}).Result()
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	rows, err := s.Rows(ctx, idsOf(ids))
	return rows, next, err
}

// Rows reads the projections of ids in one round trip, in the order given,
// leaving out any application with no projection: one not yet projected,
// or removed since its id was read.
func (s *Store) Rows(ctx context.Context, ids []string) ([]application.Row, error) {
	if len(ids) == 0 {
		return []application.Row{}, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGet(ctx, s.rowKey(id), "row")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]application.Row, 0, len(ids))
	for _, c := range cmds {
		b, err := c.Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var a application.Row
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Counts is a fund's number of applications per status.
func (s *Store) Counts(ctx context.Context, fund string) (map[string]int64, error) {
	m, err := s.rdb.HGetAll(ctx, s.countKey(fund)).Result()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil {
			return nil, err
		}
		if n != 0 {
			out[k] = n
		}
	}
	return out, nil
}

// Remove deletes the projection of an application Temporal no longer has,
// unless it was written since it was read at version.
func (s *Store) Remove(ctx context.Context, a application.Row) (bool, error) {
	n, err := removeScript.Run(ctx, s.rdb, []string{s.rowKey(a.ID), s.countKey(a.FundID), s.panelKey(a.FundID)}, a.ID, a.Version).Int()
	if err != nil || n != 1 {
		return false, err
	}
	if err := s.rdb.Del(ctx, s.floorKey(a.ID)).Err(); err != nil {
		return false, err
	}
	return true, s.removeOutcome(ctx, a)
}

// RepairCounts sets a fund's per-status counters to the size of its lists,
// for the statuses given and every status it already counts.
func (s *Store) RepairCounts(ctx context.Context, fund string, statuses []string) error {
	counted, err := s.rdb.HKeys(ctx, s.countKey(fund)).Result()
	if err != nil {
		return err
	}
	for _, st := range counted {
		if !slices.Contains(statuses, st) {
			statuses = append(statuses, st)
		}
	}
	if len(statuses) == 0 {
		return nil
	}
	keys := []string{s.countKey(fund)}
	args := make([]any, len(statuses))
	for i, st := range statuses {
		keys = append(keys, s.listKey(Filter{FundID: fund, Status: st}))
		args[i] = st
	}
	return countsScript.Run(ctx, s.rdb, keys, args...).Err()
}

// Flush deletes every projection, as losing Redis would; reindex rebuilds
// them. The event stream stays, so resuming clients lose nothing.
func (s *Store) Flush(ctx context.Context) error {
	iter := s.rdb.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		if iter.Val() == s.eventsKey() {
			continue
		}
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := s.rdb.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return s.rdb.Unlink(ctx, batch...).Err()
	}
	return nil
}

// IDs lists every projected application id, for drift checks.
func (s *Store) IDs(ctx context.Context) ([]string, error) {
	members, err := s.rdb.ZRange(ctx, s.listKey(Filter{}), 0, -1).Result()
	return idsOf(members), err
}
