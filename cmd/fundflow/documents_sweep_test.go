package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/document"
)

// TestDocumentsSweep runs the sweep over a file:// store: it lists, and
// only with --delete deletes, the upload no record refers to and the
// quarantined file past its retention, and never a file a record still
// refers to, one shared by two records of which one was removed, or one
// stored too recently to have been recorded yet.
func TestDocumentsSweep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	u, _ := blob.FileURL(dir)
	st, err := blob.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	docs, quarantine := st.Space(document.Space), st.Space(document.QuarantineSpace)
	now := time.Now()
	put := func(sp *blob.Space, space, body string, age time.Duration) string {
		h, err := sp.Put(ctx, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		at := now.Add(-age)
		if err := os.Chtimes(filepath.Join(dir, space, h[:2], h), at, at); err != nil {
			t.Fatal(err)
		}
		return h
	}
	day := 24 * time.Hour
	kept := put(docs, document.Space, "%PDF a DPIA", 10*day)
	removed := put(docs, document.Space, "%PDF removed from a draft", 10*day)
	inFlight := put(docs, document.Space, "%PDF just uploaded", time.Minute)
	infected := put(quarantine, document.QuarantineSpace, "EICAR recent", 2*day)
	expired := put(quarantine, document.QuarantineSpace, "EICAR long ago", 40*day)
	records := func(context.Context) ([]document.Document, error) {
		return []document.Document{{ID: "d1", SHA256: kept}, {ID: "d1", SHA256: kept},
			{ID: "d2", SHA256: infected, ScanStatus: document.ScanInfected}, {ID: "d3", SHA256: expired, ScanStatus: document.ScanInfected}}, nil
	}
	policy := document.SweepPolicy{MinAge: document.DefaultSweepMinAge, QuarantineRetention: document.DefaultQuarantineRetention}
	var out bytes.Buffer
	if err := sweepDocuments(ctx, st, records, policy, now, false, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"would delete documents/" + removed, "would delete quarantine/" + expired, "5 stored files, 4 records: would delete 2", "--delete"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run says\n%s\nwant %q", out.String(), want)
		}
	}
	has := func(sp *blob.Space, h string) bool { ok, _ := sp.Has(ctx, h); return ok }
	if !has(docs, removed) || !has(quarantine, expired) {
		t.Fatal("the dry run deleted something")
	}
	out.Reset()
	if err := sweepDocuments(ctx, st, records, policy, now, true, &out); err != nil {
		t.Fatal(err)
	}
	if has(docs, removed) || has(quarantine, expired) {
		t.Errorf("--delete left what it found:\n%s", out.String())
	}
	if !has(docs, kept) || !has(docs, inFlight) || !has(quarantine, infected) {
		t.Errorf("--delete removed a file still needed:\n%s", out.String())
	}
}
