package letters

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/blob"
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
