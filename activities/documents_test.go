package activities

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/adapter/clamd"
	"github.com/fundflow/fundflow/internal/devtest/clamtest"
	"github.com/fundflow/fundflow/internal/document"
)

// TestScanDocumentWithClamd runs the activity against a real clamd: a
// clean file passes, the EICAR file is found and moved to quarantine.
func TestScanDocumentWithClamd(t *testing.T) {
	ctx := context.Background()
	c, err := clamd.New(clamtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := blob.FileURL(t.TempDir())
	b, err := blob.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a := &Activities{Scanner: c, Documents: b.Space(document.Space), Quarantine: b.Space(document.QuarantineSpace)}

	clean, err := a.Documents.Put(ctx, bytes.Repeat([]byte("%PDF-1.7 an evaluation plan\n"), 4000))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := a.ScanDocument(ctx, ScanRequest{SHA256: clean}); err != nil || res.Status != document.ScanClean {
		t.Fatalf("clean file: %+v, %v", res, err)
	}
	infected, err := a.Documents.Put(ctx, clamtest.EICAR())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a retry after the move still says infected
		res, err := a.ScanDocument(ctx, ScanRequest{SHA256: infected})
		if err != nil || res.Status != document.ScanInfected {
			t.Fatalf("EICAR: %+v, %v", res, err)
		}
	}
	if _, err := a.Documents.Get(ctx, infected); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the infected file is still servable: %v", err)
	}
	if ok, _ := a.Quarantine.Has(ctx, infected); !ok {
		t.Error("the infected file is not in quarantine")
	}
	if _, err := a.ScanDocument(ctx, ScanRequest{SHA256: blob.Hash([]byte("never stored"))}); err == nil {
		t.Error("scanning a file that was never stored succeeded")
	}

	// Without a scanner, files are marked, not judged.
	off := &Activities{}
	if res, err := off.ScanDocument(ctx, ScanRequest{SHA256: clean}); err != nil || res.Status != document.ScanNotScanned {
		t.Errorf("scanning off: %+v, %v", res, err)
	}
}
