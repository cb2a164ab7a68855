package report

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/devtest/pdftest"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
)

// sample is a fund of four awards, three of them reporting.
func sample() Input {
	def := fund.SeedDefinition(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	routes := []string{def.DeploymentRoutes[0].ID, def.DeploymentRoutes[1].ID}
	var awards []outcome.Award
	for i, org := range []struct{ code, name, nation string }{
		{"QUY", "NHS Bristol, North Somerset and South Gloucestershire ICB", "England"},
		{"QE1", "NHS Lancashire and South Cumbria ICB", "England"},
		{"7A1", "Betsi Cadwaladr University Health Board", "Wales"},
		{"QHG", "NHS Bedfordshire, Luton and Milton Keynes ICB", "England"},
	} {
		a := outcome.Award{ApplicationID: "app-" + org.code, OrgCode: org.code, OrgName: org.name, Nation: org.nation,
			Routes: routes[:1+i%2], PlannedReach: 1500, DrawnPence: 2_000_000 + int64(i)*1_000_000,
			Targets: []fund.Target{{Measure: "wemwbs", Route: routes[0], Baseline: 41_000, Target: 44_000}}}
		if i < 3 {
			for _, m := range def.Milestones {
				if figs := outcome.Sample(def, m.ID, a.Routes, int64(900+300*i)); len(figs) > 0 {
					a.Reports = append(a.Reports, outcome.Report{Milestone: m.ID, Figures: figs})
				}
			}
		}
		awards = append(awards, a)
	}
	return Input{Fund: def, Rollup: outcome.Roll(def, awards), At: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
}

func TestRenderIsAStablePDF(t *testing.T) {
	in := sample()
	a, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Render(in)
	if !bytes.HasPrefix(a, []byte("%PDF-")) || !bytes.Equal(a, b) {
		t.Fatalf("not one stable PDF (%d and %d bytes)", len(a), len(b))
	}
	if dir := os.Getenv("FUNDFLOW_REPORT_OUT"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "evaluation.pdf"), a, 0o644)
	}
	txt := pdftest.Words(t, a)
	f := in.Rollup.Fund
	for _, want := range []string{"Evaluation report", in.Fund.Name, "3 of 4 awards have verified outcome reports",
		"People onboarded", f.Onboarded.Text(), "Results per measure and route", "Targets", "shown as " + outcome.SuppressedText,
		"self-reported"} {
		if !strings.Contains(txt, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestReportIsASoundPDF puts the report, full and empty, through qpdf's
// structural check and reads back its title and language.
func TestReportIsASoundPDF(t *testing.T) {
	def := fund.SeedDefinition(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	for name, in := range map[string]Input{
		"four awards":      sample(),
		"nothing reported": {Fund: def, Rollup: outcome.Roll(def, nil), At: time.Unix(0, 0)},
	} {
		t.Run(name, func(t *testing.T) {
			pdf, err := Render(in)
			if err != nil {
				t.Fatal(err)
			}
			pdftest.Check(t, name, pdf)
			title := "Evaluation report: " + in.Fund.Name
			if info := pdftest.Info(t, pdf); info["Title"] != title || info["Author"] != in.Fund.Sponsor {
				t.Errorf("title %q and author %q, want %q and %q", info["Title"], info["Author"], title, in.Fund.Sponsor)
			}
			if x := pdftest.ReadXMP(t, pdf); !slices.Equal(x.Title, []string{title}) || !slices.Equal(x.Languages, []string{"en-GB"}) {
				t.Errorf("XMP title %q and languages %q, want %q and en-GB", x.Title, x.Languages, title)
			}
		})
	}
}

func TestRenderWithNothingReported(t *testing.T) {
	def := fund.SeedDefinition(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	pdf, err := Render(Input{Fund: def, Rollup: outcome.Roll(def, nil), At: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if txt := pdftest.Words(t, pdf); !strings.Contains(txt, "no awards yet") {
		t.Errorf("empty report says:\n%s", txt)
	}
}
