package activities

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/letters"
)

// TestGenerateLetterRefusesRetiredRenderer: a letter the renderer will
// never draw fails once, for good and saying what to do, while a new
// letter is drawn and stored.
func TestGenerateLetterRefusesRetiredRenderer(t *testing.T) {
	ctx := context.Background()
	u, _ := blob.FileURL(t.TempDir())
	b, err := blob.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a := &Activities{Letters: b.Space(letters.Space), PublicURL: "http://localhost:8080"}
	s := letters.Snapshot{
		Kind: letters.KindWaitlist, Ref: "PIF-2025-000123-WTL-1", Revision: 1, IssuedAt: time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC),
		Fund:          letters.Fund{ID: "pif", Name: "Prevention Innovation Fund 2025", Sponsor: "Holly Health"},
		ApplicationID: "app-1", Addressee: letters.Addressee{Name: "Dr Siân Llŷr", OrgName: "NHS Cheshire and Merseyside ICB"},
		AmountPence: 6_500_000, Signatory: letters.Signatory{Name: "Gwenllïan Ó Dónaill"}, VerifyURL: "/v1/letters/{ref}/verify",
		Renderer: letters.RendererLatest,
	}
	rec, err := a.GenerateLetter(ctx, s)
	if err != nil || rec.Snapshot.Renderer != letters.RendererLatest {
		t.Fatalf("a new letter: %+v, %v", rec, err)
	}
	if _, err := a.Letters.Get(ctx, rec.SHA256); err != nil {
		t.Fatalf("the new letter is not stored: %v", err)
	}

	s.Renderer = letters.RendererSubset
	_, err = a.GenerateLetter(ctx, s)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.NonRetryable() || app.Type() != LetterRefused || !errors.Is(err, letters.ErrRetiredRenderer) {
		t.Fatalf("a renderer-1 letter: %v; want a non-retryable %s failure", err, LetterRefused)
	}
	if msg := app.Message(); !strings.Contains(msg, "fresh data directory") {
		t.Errorf("the failure does not name the fix: %s", msg)
	}
}
