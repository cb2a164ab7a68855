package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"go.temporal.io/sdk/temporal"

	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/adapter/clamd"
	"github.com/fundflow/fundflow/internal/document"
)

// Scanner judges a file for malware; *clamd.Client is one.
type Scanner interface {
	Scan(ctx context.Context, r io.Reader) (clamd.Verdict, error)
}

// ScanRequest names an uploaded file by its hash.
type ScanRequest struct {
	SHA256 string `json:"sha256"`
}

// ScanResult is a file's verdict.
type ScanResult struct {
	Status    document.ScanStatus `json:"status"`
	Signature string              `json:"signature,omitempty"`
}

// ScanDocument scans an uploaded file and quarantines it if infected. With
// no scanner configured the file is reported not scanned, which the
// worker allows only in dev or when told to. A scanner outage fails the
// attempt, and the workflow retries, leaving the file pending and
// unservable meanwhile.
func (a *Activities) ScanDocument(ctx context.Context, r ScanRequest) (ScanResult, error) {
	if a.Scanner == nil {
		return ScanResult{Status: document.ScanNotScanned}, nil
	}
	data, err := a.Documents.Get(ctx, r.SHA256)
	if errors.Is(err, blob.ErrNotFound) {
		// Moved on an earlier attempt that did not report back.
		if ok, herr := a.Quarantine.Has(ctx, r.SHA256); herr == nil && ok {
			return ScanResult{Status: document.ScanInfected}, nil
		}
		return ScanResult{}, temporal.NewNonRetryableApplicationError("the uploaded file is not in the blob store", "DocumentMissing", err)
	}
	if err != nil {
		return ScanResult{}, err
	}
	v, err := a.Scanner.Scan(ctx, bytes.NewReader(data))
	if err != nil {
		return ScanResult{}, fmt.Errorf("scan %s: %w", r.SHA256, err)
	}
	if !v.Infected {
		count(ctx, "fundflow_documents_scanned", map[string]string{"result": "clean"})
		return ScanResult{Status: document.ScanClean}, nil
	}
	if err := a.Documents.MoveTo(ctx, a.Quarantine, r.SHA256); err != nil {
		return ScanResult{}, fmt.Errorf("quarantine %s: %w", r.SHA256, err)
	}
	count(ctx, "fundflow_documents_scanned", map[string]string{"result": "infected"})
	return ScanResult{Status: document.ScanInfected, Signature: v.Signature}, nil
}
