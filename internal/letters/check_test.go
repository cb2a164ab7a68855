package letters

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/adapter/blob"
)

func TestCheckAndRebuild(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	u, _ := blob.FileURL(dir)
	b, err := blob.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store := b.Space(Space)
	var recs []Recorded
	var pdfs [][]byte
	for _, k := range []Kind{KindOffer, KindRejection, KindWaitlist} {
		s := sample(k)
		pdf := render(t, s)
		hash, err := store.Put(ctx, pdf)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, Recorded{Ref: s.Ref, SHA256: hash, Snapshot: &s})
		pdfs = append(pdfs, pdf)
	}
	old := recs[2]
	old.Snapshot = nil
	recs[2] = old

	if f, err := Check(ctx, store, recs, false); err != nil || len(f) != 0 {
		t.Fatalf("a whole store: %v, %v", f, err)
	}
	// Lose one, damage another, and lose the one with no snapshot.
	if err := store.Delete(ctx, recs[0].SHA256); err != nil {
		t.Fatal(err)
	}
	h := recs[1].SHA256
	if err := os.WriteFile(filepath.Join(dir, Space, h[:2], h), []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, recs[2].SHA256); err != nil {
		t.Fatal(err)
	}
	found, err := Check(ctx, store, recs, false)
	if err != nil || len(found) != 3 || found[0].Problem != "missing" || found[1].Problem != "damaged" || found[2].Problem != "missing" {
		t.Fatalf("check: %v, %v", found, err)
	}
	fixed, err := Check(ctx, store, recs, true)
	if err != nil || len(fixed) != 3 || !fixed[0].Rebuilt || !fixed[1].Rebuilt || fixed[2].Rebuilt ||
		!strings.Contains(fixed[2].String(), "before snapshots were recorded") {
		t.Fatalf("rebuild: %v, %v", fixed, err)
	}
	for i := range 2 {
		got, err := store.Get(ctx, recs[i].SHA256)
		if err != nil || string(got) != string(pdfs[i]) {
			t.Errorf("%s after rebuild: %v; want the original bytes", recs[i].Ref, err)
		}
	}
	// A snapshot that no longer renders the recorded bytes is refused.
	changed := *recs[0].Snapshot
	changed.AmountPence++
	bad := []Recorded{{Ref: "FF-x", SHA256: strings.Repeat("c", 64), Snapshot: &changed}}
	if f, _ := Check(ctx, store, bad, true); len(f) != 1 || f[0].Rebuilt || f[0].Err == nil {
		t.Errorf("a snapshot rendering other bytes: %v", f)
	}
}

// TestRebuildRefusesRetiredRenderer: a lost renderer-1 letter is reported
// with the fix, and never drawn again by another renderer.
func TestRebuildRefusesRetiredRenderer(t *testing.T) {
	ctx := context.Background()
	u, _ := blob.FileURL(t.TempDir())
	b, err := blob.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store := b.Space(Space)
	s := sample(KindOffer)
	s.Renderer = RendererSubset
	recs := []Recorded{{Ref: s.Ref, SHA256: strings.Repeat("d", 64), Snapshot: &s}}
	found, err := Check(ctx, store, recs, true)
	if err != nil || len(found) != 1 || found[0].Rebuilt || !errors.Is(found[0].Err, ErrRetiredRenderer) {
		t.Fatalf("rebuild of a renderer-1 letter: %v, %v", found, err)
	}
	if line := found[0].String(); !strings.Contains(line, s.Ref+": missing, not rebuilt") || !strings.Contains(line, "fresh data directory") {
		t.Errorf("the finding does not say why or what to do: %s", line)
	}
	if _, err := store.Get(ctx, recs[0].SHA256); !errors.Is(err, ErrNotFound) {
		t.Errorf("something was stored for the refused letter: %v", err)
	}
	summary, err := Summary(3, found, true)
	if summary != "3 letters checked: 1 missing or damaged, 0 rebuilt" || err == nil ||
		!strings.Contains(err.Error(), "1 of them drawn by the retired renderer 1") || !strings.Contains(err.Error(), "fresh data directory") {
		t.Errorf("summary %q, error %v", summary, err)
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		found    []Finding
		repaired bool
		line     string
		err      string
	}{
		{nil, false, "2 letters checked: 0 missing or damaged, 0 rebuilt", ""},
		{[]Finding{{Rebuilt: true}}, true, "2 letters checked: 1 missing or damaged, 1 rebuilt", ""},
		{[]Finding{{Problem: "missing"}}, false, "2 letters checked: 1 missing or damaged, 0 rebuilt", "1 letters are missing or damaged; run fundflow letters rebuild"},
		{[]Finding{{Rebuilt: true}, {Err: errors.New("no")}}, true, "2 letters checked: 2 missing or damaged, 1 rebuilt", "1 letters could not be rebuilt"},
	}
	for _, tt := range tests {
		line, err := Summary(2, tt.found, tt.repaired)
		if got := fmt.Sprint(err); line != tt.line || (tt.err == "" && err != nil) || (tt.err != "" && got != tt.err) {
			t.Errorf("Summary(%v, %v) = %q, %v; want %q, %q", tt.found, tt.repaired, line, err, tt.line, tt.err)
		}
	}
}
