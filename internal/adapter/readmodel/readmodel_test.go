package readmodel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
)

func newStore(t testing.TB) *Store {
	rdb, prefix := testredis.New(t)
	return NewStore(rdb, prefix)
}

func app(id, fund, status, org string, version int64) application.Row {
	return application.Row{ID: id, FundID: fund, Status: status, OrgCode: org, Version: version, CreatedAt: time.Unix(0, 0).UTC()}
}

func ids(rows []application.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func TestOlderVersionsNeverOverwriteNewer(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	if wrote, err := s.Put(ctx, app("a1", "f", "panel", "QUY", 5)); err != nil || !wrote {
		t.Fatalf("first put: %v %v", wrote, err)
	}
	for _, v := range []int64{4, 5} {
		if wrote, err := s.Put(ctx, app("a1", "f", "submitted", "QUY", v)); err != nil || wrote {
			t.Fatalf("version %d overwrote version 5: %v %v", v, wrote, err)
		}
	}
	got, err := s.Get(ctx, "a1")
	if err != nil || got.Status != "panel" || got.Version != 5 {
		t.Fatalf("after stale writes: %+v %v", got, err)
	}
	if rows, _, _ := s.List(ctx, Filter{Status: "submitted"}, "", 10); len(rows) != 0 {
		t.Fatalf("stale status listed: %v", ids(rows))
	}
	counts, _ := s.Counts(ctx, "f")
	if len(counts) != 1 || counts["panel"] != 1 {
		t.Fatalf("counts = %v", counts)
	}
}

func TestStatusChangesMoveBetweenLists(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	mustPut(t, s, app("a1", "f1", "submitted", "QUY", 1))
	mustPut(t, s, app("a2", "f1", "submitted", "7A1", 1))
	mustPut(t, s, app("a3", "f2", "submitted", "QUY", 1))
	mustPut(t, s, app("a1", "f1", "assessment", "QUY", 2))
	for _, tc := range []struct {
		f    Filter
		want string
	}{
		{Filter{}, "[a1 a2 a3]"},
		{Filter{FundID: "f1"}, "[a1 a2]"},
		{Filter{Status: "submitted"}, "[a2 a3]"},
		{Filter{Status: "assessment"}, "[a1]"},
		{Filter{OrgCode: "QUY"}, "[a1 a3]"},
		{Filter{FundID: "f1", Status: "submitted", OrgCode: "7A1"}, "[a2]"},
		{Filter{FundID: "f2", OrgCode: "7A1"}, "[]"},
	} {
		rows, _, err := s.List(ctx, tc.f, "", 10)
		if err != nil || fmt.Sprint(ids(rows)) != tc.want {
			t.Errorf("%+v = %v %v, want %s", tc.f, ids(rows), err, tc.want)
		}
	}
	counts, _ := s.Counts(ctx, "f1")
	if counts["submitted"] != 1 || counts["assessment"] != 1 {
		t.Fatalf("counts = %v", counts)
	}
}

func TestPagesHaveNoGapsOrDuplicatesWhileInserting(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	for i := range 25 {
		mustPut(t, s, app(fmt.Sprintf("app-%03d", i*2), "f", "submitted", "QUY", 1))
	}
	seen := map[string]bool{}
	cursor := ""
	inserted := 0
	for page := 0; ; page++ {
		rows, next, err := s.List(ctx, Filter{FundID: "f"}, cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if seen[r.ID] {
				t.Fatalf("%s seen twice", r.ID)
			}
			seen[r.ID] = true
		}
		// Insert newer applications between pages, as users would.
		mustPut(t, s, app(fmt.Sprintf("app-%03d", 100+page), "f", "submitted", "QUY", 1))
		inserted++
		if next == "" {
			break
		}
		cursor = next
	}
	for i := range 25 {
		if !seen[fmt.Sprintf("app-%03d", i*2)] {
			t.Fatalf("app-%03d skipped", i*2)
		}
	}
	if len(seen) < 25 || len(seen) > 25+inserted {
		t.Fatalf("saw %d", len(seen))
	}
}

func TestPanelRanking(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	score := func(n int) *int { return &n }
	for i, sc := range []int{350, 420, 300} {
		a := app(fmt.Sprintf("p%d", i), "f", "panel", "QUY", 1)
		a.WeightedScore = score(sc)
		mustPut(t, s, a)
	}
	rows, err := s.Panel(ctx, "f", 0, 10)
	if err != nil || fmt.Sprint(ids(rows)) != "[p1 p0 p2]" {
		t.Fatalf("panel = %v %v", ids(rows), err)
	}
	decided := app("p1", "f", "offered", "QUY", 2)
	decided.WeightedScore = score(420)
	mustPut(t, s, decided)
	if rows, _ := s.Panel(ctx, "f", 0, 10); fmt.Sprint(ids(rows)) != "[p0 p2]" {
		t.Fatalf("decided application still on the panel list: %v", ids(rows))
	}
}

func TestRowsKeepsTheOrderGivenAndSkipsTheUnprojected(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	mustPut(t, s, app("a1", "f", "assessment", "QUY", 1))
	mustPut(t, s, app("a2", "f", "assessment", "7A1", 1))
	rows, err := s.Rows(ctx, []string{"a2", "never-projected", "a1"})
	if err != nil || fmt.Sprint(ids(rows)) != "[a2 a1]" {
		t.Fatalf("rows = %v %v", ids(rows), err)
	}
	if rows, err := s.Rows(ctx, nil); err != nil || rows == nil || len(rows) != 0 {
		t.Fatalf("no ids: %v %v, want an empty list", rows, err)
	}
}

func TestFlush(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	mustPut(t, s, app("a1", "f", "submitted", "QUY", 1))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "a1"); err != ErrNotFound {
		t.Fatalf("after flush: %v", err)
	}
	if got, _ := s.IDs(ctx); len(got) != 0 {
		t.Fatalf("ids after flush: %v", got)
	}
}

func mustPut(t testing.TB, s *Store, a application.Row) {
	t.Helper()
	if _, err := s.Put(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func TestStatusChangesArePublishedOnce(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	mustPut(t, s, app("a1", "f", "submitted", "QUY", 1))
	mustPut(t, s, app("a1", "f", "submitted", "QUY", 2)) // same status: no event
	mustPut(t, s, app("a1", "f", "eligibility", "QUY", 3))
	mustPut(t, s, app("a1", "f", "eligibility", "QUY", 3)) // replay: no event
	mustPut(t, s, app("a1", "f", "submitted", "QUY", 2))   // stale: no event
	if _, err := s.Restore(ctx, app("a2", "f", "panel", "7A1", 1)); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, "0", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Previous+"→"+e.Status)
	}
	if fmt.Sprint(got) != "[→submitted submitted→eligibility]" {
		t.Fatalf("events = %v", got)
	}
	last, _ := s.LastEventID(ctx)
	if last != evs[len(evs)-1].ID {
		t.Fatalf("last event id %s, want %s", last, evs[len(evs)-1].ID)
	}
	if more, _ := s.Events(ctx, last, 10*time.Millisecond); len(more) != 0 {
		t.Fatalf("events after the last: %v", more)
	}
}

// TestRebuildPrimitives are what reindex rebuilds with instead of a flush:
// a restore of the same version repairs a row, never an older one; a
// removal loses to a write since the row was read; counters are set from
// the lists.
func TestRebuildPrimitives(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	mustPut(t, s, app("a1", "f", "submitted", "QUY", 2))
	if wrote, err := s.Restore(ctx, app("a1", "f", "submitted", "QUY", 1)); err != nil || wrote {
		t.Fatalf("restore of an older version wrote: %v %v", wrote, err)
	}
	if wrote, err := s.Restore(ctx, app("a1", "f", "submitted", "QUY", 2)); err != nil || !wrote {
		t.Fatalf("restore of the same version: %v %v", wrote, err)
	}
	if c, _ := s.Counts(ctx, "f"); c["submitted"] != 1 {
		t.Fatalf("counts after a same-version restore: %v", c)
	}
	mustPut(t, s, app("a2", "f", "draft", "QUY", 1))
	read, _ := s.Get(ctx, "a2")
	mustPut(t, s, app("a2", "f", "submitted", "QUY", 2))
	if removed, err := s.Remove(ctx, read); err != nil || removed {
		t.Fatalf("removed a row written since it was read: %v %v", removed, err)
	}
	now, _ := s.Get(ctx, "a2")
	if removed, err := s.Remove(ctx, now); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if rows, _, _ := s.List(ctx, Filter{FundID: "f"}, "", 10); fmt.Sprint(ids(rows)) != "[a1]" {
		t.Fatalf("lists after remove: %v", ids(rows))
	}
	if err := s.rdb.HSet(ctx, s.countKey("f"), "submitted", 7, "draft", 3).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.RepairCounts(ctx, "f", []string{"submitted"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Counts(ctx, "f"); c["submitted"] != 1 || c["draft"] != 0 {
		t.Fatalf("repaired counts: %v", c)
	}
}

func TestPolledEventsArriveWhileWaiting(t *testing.T) {
	s, ctx := newStore(t).PollingEvents(5*time.Millisecond), context.Background()
	mustPut(t, s, app("a1", "f", "submitted", "QUY", 1))
	last, err := s.LastEventID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if evs, err := s.Events(ctx, last, 30*time.Millisecond); err != nil || len(evs) != 0 {
		t.Fatalf("nothing new: %v %v", evs, err)
	}
	version := int64(1)
	for _, from := range []string{last, ""} {
		version++
		go func(v int64) {
			time.Sleep(50 * time.Millisecond)
			if _, err := s.Put(ctx, app("a1", "f", "eligibility", "QUY", v)); err != nil {
				t.Error(err)
			}
		}(version)
		evs, err := s.Events(ctx, from, 5*time.Second)
		if err != nil || len(evs) != 1 || evs[0].Status != "eligibility" {
			t.Fatalf("after %q: %v %v", from, evs, err)
		}
		version++
		mustPut(t, s, app("a1", "f", "submitted", "QUY", version))
	}
	last, _ = s.LastEventID(ctx)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Events(cancelled, last, time.Second); err == nil {
		t.Fatal("a cancelled wait returned no error")
	}
}
