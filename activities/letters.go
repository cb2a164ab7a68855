package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/fundflow/fundflow/internal/letters"
)

// LetterRefused is the type of GenerateLetter's failure for a letter it
// will never draw; the workflow gives such a letter up.
const LetterRefused = "LetterRefused"

// GenerateLetter renders a frozen decision snapshot and stores the PDF by
// its SHA-256. Rendering is deterministic and storage content-addressed, so
// a retry or a replay yields the same record and never a second, different
// letter.
func (a *Activities) GenerateLetter(ctx context.Context, s letters.Snapshot) (letters.Record, error) {
	// Workflows do not know the public URL, so they give the path; the
	// same configuration always gives the same absolute link, and so the
	// same bytes.
	if strings.HasPrefix(s.VerifyURL, "/") {
		s.VerifyURL = strings.TrimSuffix(a.PublicURL, "/") + s.VerifyURL
	}
	pdf, err := letters.Render(s)
	if errors.Is(err, letters.ErrRetiredRenderer) {
		// No later attempt, nor a fix deployed meanwhile, can draw this
		// letter: it must be refused once, not retried without end.
		return letters.Record{}, temporal.NewNonRetryableApplicationError(err.Error(), LetterRefused, err)
	}
	if err != nil {
		return letters.Record{}, fmt.Errorf("render %s letter %s: %w", s.Kind, s.Ref, err)
	}
	sum, err := a.Letters.Put(ctx, pdf)
	if err != nil {
		return letters.Record{}, fmt.Errorf("store letter %s: %w", s.Ref, err)
	}
	count(ctx, "fundflow_letters_rendered", map[string]string{"kind": string(s.Kind)})
	return letters.Record{Ref: s.Ref, Kind: s.Kind, Revision: s.Revision, IssuedAt: s.IssuedAt.UTC(), SHA256: sum, Bytes: len(pdf), Snapshot: &s}, nil
}
