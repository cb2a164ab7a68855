package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fundflow/fundflow/internal/letters"
)

// LetterRecord is what a workflow keeps of a letter: enough to find and
// verify it, never the bytes.
type LetterRecord struct {
	Ref      string       `json:"ref"`
	Kind     letters.Kind `json:"kind"`
	Revision int          `json:"revision"`
	IssuedAt time.Time    `json:"issued_at"`
	SHA256   string       `json:"sha256"`
	Bytes    int          `json:"bytes"`
	// Snapshot is what was rendered, verify link and all, so `fundflow
	// letters rebuild` can render a lost letter again, byte for byte.
	// Letters written before it was kept have none.
	Snapshot *letters.Snapshot `json:"snapshot,omitempty"`
}

// GenerateLetter renders a frozen decision snapshot and stores the PDF by
// its SHA-256. Rendering is deterministic and storage content-addressed, so
// a retry or a replay yields the same record and never a second, different
// letter.
func (a *Activities) GenerateLetter(ctx context.Context, s letters.Snapshot) (LetterRecord, error) {
	// Workflows do not know the public URL, so they give the path; the
	// same configuration always gives the same absolute link, and so the
	// same bytes.
	if strings.HasPrefix(s.VerifyURL, "/") {
		s.VerifyURL = strings.TrimSuffix(a.PublicURL, "/") + s.VerifyURL
	}
	pdf, err := letters.Render(s)
	if err != nil {
		return LetterRecord{}, fmt.Errorf("render %s letter %s: %w", s.Kind, s.Ref, err)
	}
	sum, err := a.Letters.Put(ctx, pdf)
	if err != nil {
		return LetterRecord{}, fmt.Errorf("store letter %s: %w", s.Ref, err)
	}
	count(ctx, "fundflow_letters_rendered", map[string]string{"kind": string(s.Kind)})
	return LetterRecord{Ref: s.Ref, Kind: s.Kind, Revision: s.Revision, IssuedAt: s.IssuedAt.UTC(), SHA256: sum, Bytes: len(pdf), Snapshot: &s}, nil
}
