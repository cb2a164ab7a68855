package readmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/application"
)

// A single-read view is only ever stored at its row's version: an older
// write changes neither, a newer one without a view drops the old view,
// and lists never carry it.
func TestViewsAreStoredAtTheirRowsVersion(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	withView := func(v int64, status string) application.Row {
		a := app("a1", "f", status, "QUY", v)
		a.View = json.RawMessage(fmt.Sprintf(`{"version":%d,"status":%q}`, v, status))
		return a
	}
	if _, _, _, err := s.View(ctx, "a1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no projection yet: %v", err)
	}
	mustPut(t, s, withView(2, "draft"))
	if _, err := s.Put(ctx, withView(1, "stale")); err != nil {
		t.Fatal(err)
	}
	b, v, floor, err := s.View(ctx, "a1")
	if err != nil || v != 2 || floor != 0 || !strings.Contains(string(b), `"draft"`) {
		t.Fatalf("view after an older write: %s v%d floor %d %v", b, v, floor, err)
	}
	if rows, _, _ := s.List(ctx, Filter{}, "", 10); len(rows) != 1 || rows[0].View != nil {
		t.Fatalf("the list row carries the view: %+v", rows)
	}
	mustPut(t, s, app("a1", "f", "eligibility", "QUY", 3))
	if _, _, _, err := s.View(ctx, "a1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a version-2 view outlived a version-3 row written without one: %v", err)
	}
	mustPut(t, s, withView(4, "assessment"))
	if _, v, _, err := s.View(ctx, "a1"); err != nil || v != 4 {
		t.Fatalf("view at 4: v%d %v", v, err)
	}
}

func TestTheFloorNeverGoesDown(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	for _, v := range []int64{0, 3, 7, 5, 7} {
		if err := s.RaiseFloor(ctx, "a1", v); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, floor, _ := s.View(ctx, "a1"); floor != 7 {
		t.Fatalf("floor %d, want 7", floor)
	}
	a := app("a1", "f", "draft", "QUY", 8)
	mustPut(t, s, a)
	if removed, err := s.Remove(ctx, a); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if _, _, floor, _ := s.View(ctx, "a1"); floor != 0 {
		t.Fatalf("floor %d outlived the application", floor)
	}
}
