package readmodel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
)

func award(id, org string, version int64, drawn int64, reports ...outcome.Report) application.Row {
	a := app(id, "f", "in_deployment", org, version)
	a.Outcome = &outcome.Award{ApplicationID: id, OrgCode: org, Routes: []string{"r"}, PlannedReach: 100, DrawnPence: drawn, Reports: reports}
	return a
}

func wemwbs(mean int64) fund.Figure {
	return fund.Figure{Measure: "wemwbs", Route: "r", BaselineN: 10, BaselineMean: 40_000, FollowUpN: 9, FollowUpMean: decimal.Decimal(40_000 + 1000*mean)}
}

func TestOutcomeProjectionFollowsTheNewestVersion(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	mustPut(t, s, award("a2", "7A1", 3, 500))
	mustPut(t, s, award("a1", "QUY", 4, 1000, outcome.Report{Milestone: "m3", Figures: []fund.Figure{wemwbs(1)}}))
	// An older write, and a replay of the same version, change nothing.
	mustPut(t, s, award("a1", "QUY", 3, 0))
	if _, err := s.Put(ctx, award("a1", "QUY", 4, 0)); err != nil {
		t.Fatal(err)
	}
	// A non-award's row has no outcome projection.
	mustPut(t, s, app("a3", "f", "submitted", "QUY", 1))
	got, err := s.Outcomes(ctx, "f")
	if err != nil || len(got) != 2 {
		t.Fatalf("outcomes %+v %v", got, err)
	}
	if got[0].ApplicationID != "a2" || got[1].ApplicationID != "a1" {
		t.Fatalf("not in organisation order: %s, %s", got[0].ApplicationID, got[1].ApplicationID)
	}
	if got[1].DrawnPence != 1000 || len(got[1].Reports) != 1 || got[1].Reports[0].Figures[0] != wemwbs(1) {
		t.Fatalf("stale projection won: %+v", got[1])
	}
	if row, _ := s.Get(ctx, "a1"); row.Outcome != nil {
		t.Fatalf("the list row carries the outcome: %+v", row.Outcome)
	}
	// A rebuild rewrites the same version; a removal drops it.
	if _, err := s.Restore(ctx, award("a1", "QUY", 4, 2000)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Outcomes(ctx, "f"); got[1].DrawnPence != 2000 {
		t.Fatalf("rebuild did not rewrite: %+v", got[1])
	}
	if ok, err := s.Remove(ctx, app("a2", "f", "in_deployment", "7A1", 3)); !ok || err != nil {
		t.Fatalf("remove %v %v", ok, err)
	}
	if got, _ := s.Outcomes(ctx, "f"); len(got) != 1 {
		t.Fatalf("removed award still rolled up: %+v", got)
	}
	if v, _ := s.OutcomeVersions(ctx, "f"); len(v) != 1 || v["a1"] != "4" {
		t.Fatalf("versions %v", v)
	}
}

func TestOutcomeProjectionKeepsOnlyTheLatestFigures(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	onboarded := fund.Figure{Measure: "onboarded", Route: "r", Count: 50}
	mustPut(t, s, award("a1", "QUY", 1, 0,
		outcome.Report{Milestone: "m3", Figures: []fund.Figure{onboarded, wemwbs(1)}},
		outcome.Report{Milestone: "m4", Figures: []fund.Figure{wemwbs(3)}}))
	got, _ := s.Outcomes(ctx, "f")
	r := got[0].Reports
	if len(r) != 2 || r[0].Milestone != "m3" || len(r[0].Figures) != 1 || r[0].Figures[0] != onboarded ||
		len(r[1].Figures) != 1 || r[1].Figures[0] != wemwbs(3) {
		t.Fatalf("compacted reports %+v", r)
	}
}

// BenchmarkOutcomes measures what GET /v1/funds/{id}/outcomes costs for a
// fund of 1,000 awards that have each reported 10 times on both routes:
// reading the projections from Redis and rolling them up, beside the pure
// roll-up of the same awards already in memory as the baseline.
func BenchmarkOutcomes(b *testing.B) {
	s, ctx := newStore(b), context.Background()
	def := fund.SeedDefinition(time.Unix(0, 0))
	routes := []string{def.DeploymentRoutes[0].ID, def.DeploymentRoutes[1].ID}
	var inMemory []outcome.Award
	for i := range 1000 {
		a := app(fmt.Sprintf("app-%04d", i), "f", "in_deployment", fmt.Sprintf("O%03d", i%300), 1)
		aw := outcome.Award{ApplicationID: a.ID, OrgCode: a.OrgCode, Routes: routes, PlannedReach: 5000, DrawnPence: 8_000_000,
			Targets: []fund.Target{{Measure: "wemwbs", Route: routes[0], Baseline: 40_000, Target: 44_000}}}
		for j := range 10 {
			m := def.Milestones[j%len(def.Milestones)].ID
			aw.Reports = append(aw.Reports, outcome.Report{Milestone: m, Figures: outcome.Sample(def, m, routes, int64(100+i+j))})
		}
		a.Outcome = &aw
		mustPut(b, s, a)
		inMemory = append(inMemory, aw)
	}
	b.Run("roll_in_memory", func(b *testing.B) {
		for b.Loop() {
			outcome.Roll(def, inMemory)
		}
	})
	b.Run("read_projection", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Outcomes(ctx, "f"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read_projection_and_roll", func(b *testing.B) {
		for b.Loop() {
			awards, err := s.Outcomes(ctx, "f")
			if err != nil {
				b.Fatal(err)
			}
			outcome.Roll(def, awards)
		}
	})
}
