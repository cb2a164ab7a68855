package pdfmeta

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/fundflow/fundflow/internal/devtest/pdftest"
)

// TestMarkupInTheTitle: a fund may be called anything, and its name must
// come out as text in both places, never as XML or PDF syntax.
func TestMarkupInTheTitle(t *testing.T) {
	m := Meta{Title: `Mind & Body <Fund> "2026" (Cymru) \ Siân`, Author: "Iechyd & Lles Ltd", At: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	pdf := gofpdf.New("P", "mm", "A4", "")
	Set(pdf, m)
	pdf.AddPage()
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		t.Fatal(err)
	}
	pdftest.Check(t, "markup", out.Bytes())
	if info := pdftest.Info(t, out.Bytes()); info["Title"] != m.Title || info["Author"] != m.Author {
		t.Errorf("information dictionary: title %q, author %q", info["Title"], info["Author"])
	}
	if x := pdftest.ReadXMP(t, out.Bytes()); !slices.Equal(x.Title, []string{m.Title}) || !slices.Equal(x.Languages, []string{Language}) {
		t.Errorf("XMP: title %q, languages %q", x.Title, x.Languages)
	}
}
