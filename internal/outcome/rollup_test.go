package outcome

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/fund"
)

var seed = fund.SeedDefinition(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))

const pc, app = "primary_care_public_health", "nhs_app"

func d(s string) decimal.Decimal {
	v, err := decimal.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func count(m, r string, n int64) fund.Figure { return fund.Figure{Measure: m, Route: r, Count: n} }

func meanFig(m, r string, bn int64, b string, fn int64, f string) fund.Figure {
	return fund.Figure{Measure: m, Route: r, BaselineN: bn, BaselineMean: d(b), FollowUpN: fn, FollowUpMean: d(f)}
}

// synthetic is two awards with hand-computed answers: an English ICB on
// primary care that reported twice, and a Scottish board whose NHS App
// figures are all small.
func synthetic() []Award {
	return []Award{{
		ApplicationID: "a", OrgName: "North ICB", Nation: "England", Routes: []string{pc},
		PlannedReach: 1000, DrawnPence: 4_000_000,
		Targets: []fund.Target{
			{Measure: "wemwbs", Route: pc, Baseline: d("41"), Target: d("45")},
			{Measure: "weight", Route: pc, Baseline: d("92"), Target: d("90")},
			{Measure: "people_active_12_weeks", Route: pc, Target: d("500")},
		},
		Reports: []Report{
			{"outcomes_3_months", []fund.Figure{count("people_onboarded", pc, 500), count("people_active_12_weeks", pc, 300),
				meanFig("wemwbs", pc, 200, "40", 100, "44")}},
			{"final_evaluation", []fund.Figure{count("people_onboarded", pc, 800), count("people_active_12_weeks", pc, 400),
				meanFig("wemwbs", pc, 300, "41", 200, "46")}},
		},
	}, {
		ApplicationID: "b", OrgName: "Borders", Nation: "Scotland", Routes: []string{app},
		PlannedReach: 2000, DrawnPence: 2_000_000,
		Targets: []fund.Target{{Measure: "people_onboarded", Route: app, Target: d("1000")}},
		Reports: []Report{{"final_evaluation", []fund.Figure{count("people_onboarded", app, 7), count("people_active_12_weeks", app, 0),
			meanFig("wemwbs", app, 7, "50", 5, "52")}}},
	}}
}

func measure(g Group, id string) MeasureResult {
	for _, m := range g.Measures {
		if m.Measure == id {
			return m
		}
	}
	panic(id)
}

func eq(t *testing.T, what string, c Cell, want string) {
	t.Helper()
	if got := c.Text(); got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func TestRollKnownAnswers(t *testing.T) {
	r := Roll(seed, synthetic())
	if r.Awards != 2 || r.Reporting != 2 || r.Suppression != SuppressionRule {
		t.Errorf("header %d %d %q", r.Awards, r.Reporting, r.Suppression)
	}
	f := r.Fund
	eq(t, "fund onboarded", f.Onboarded, "807") // 800 (latest, not 500+800) + 7
	eq(t, "fund active", f.Active, "400")
	eq(t, "fund plan", f.PlannedReach, "3000")
	eq(t, "reach % of plan", f.ReachPercent, "26.9") // 807 / 3000
	eq(t, "drawn", f.DrawnPence, "6000000")
	eq(t, "cost per onboarded", f.CostPerOnboarded, "7435") // 6,000,000 / 807 = 7434.94
	eq(t, "cost per active", f.CostPerActive, "15000")
	w := measure(f, "wemwbs")
	eq(t, "wemwbs baseline n", w.BaselineN, "307")
	eq(t, "wemwbs baseline", w.BaselineMean, "41.2")  // (300×41 + 7×50) / 307 = 41.205
	eq(t, "wemwbs follow-up", w.FollowUpMean, "46.1") // (200×46 + 5×52) / 205 = 46.146
	eq(t, "wemwbs change", w.Change, "4.9")           // (200×5 + 5×2) / 205 = 4.927
	if w.Change.Value != 4927 {
		t.Errorf("change kept as %d thousandths, want 4927", w.Change.Value)
	}
	eq(t, "weight, never reported", measure(f, "weight").BaselineMean, "")

	pcg, appg := r.Routes[0], r.Routes[1]
	eq(t, "pc onboarded", pcg.Onboarded, "800")
	eq(t, "pc change", measure(pcg, "wemwbs").Change, "5.0")
	eq(t, "route has no cost", pcg.CostPerOnboarded, "")
	eq(t, "app onboarded", appg.Onboarded, "<8")
	eq(t, "app active (0 is shown)", appg.Active, "0")
	eq(t, "app wemwbs n", measure(appg, "wemwbs").BaselineN, "<8")
	eq(t, "app wemwbs mean", measure(appg, "wemwbs").FollowUpMean, "<8")
	eq(t, "app wemwbs change", measure(appg, "wemwbs").Change, "<8")

	if len(r.Nations) != 2 || r.Nations[0].Key != "England" || r.Nations[1].Key != "Scotland" {
		t.Fatalf("nations %+v", r.Nations)
	}
	sc := r.Nations[1]
	eq(t, "Scotland cost per onboarded", sc.CostPerOnboarded, "<8")
	eq(t, "Scotland cost per active, nobody active", sc.CostPerActive, "")
	eq(t, "Scotland reach %", sc.ReachPercent, "<8")

	a := r.PerAward[0]
	if len(a.Reported) != 2 || len(a.Targets) != 3 {
		t.Fatalf("award a %+v", a)
	}
	if tr := a.Targets[0]; tr.Achieved.Text() != "46.0" || tr.Met == nil || !*tr.Met {
		t.Errorf("WEMWBS target 45, achieved %q met %v", tr.Achieved.Text(), tr.Met)
	}
	if tr := a.Targets[1]; tr.Achieved.State != None || tr.Met != nil {
		t.Errorf("unreported weight: %+v", tr)
	}
	if tr := a.Targets[2]; tr.Achieved.Text() != "400" || tr.Met == nil || *tr.Met {
		t.Errorf("active target 500, achieved %q met %v", tr.Achieved.Text(), tr.Met)
	}
	if tr := r.PerAward[1].Targets[0]; tr.Achieved.Text() != "<8" || tr.Met != nil {
		t.Errorf("a suppressed achievement says whether it met its target: %+v", tr)
	}
}

func TestSuppressionBoundaries(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 1: "<8", 7: "<8", 8: "8", 9: "9"} {
		eq(t, "people", people(n), want)
		var s Cell
		if n > 0 {
			s = perPerson(800, n)
		} else {
			s = perPerson(800, 0)
		}
		wantCost := map[int64]string{0: "", 1: "<8", 7: "<8", 8: "100", 9: "89"}[n] // 800/9 = 88.9
		eq(t, "cost per person", s, wantCost)
	}
	eq(t, "percent of 0", percent(0, 0), "")
	eq(t, "0 of 8", percent(0, 8), "0.0")
	eq(t, "3 of 8", percent(3, 8), "<8")
	eq(t, "8 of 9", percent(8, 9), "88.9")
	eq(t, "cost rounds half up", perPerson(15, 10), "2") // 1.5
	eq(t, "cost rounds down below half", perPerson(14, 10), "1")
}

func TestWeightedChangeRoundsHalfAwayFromZero(t *testing.T) {
	a := []Award{{ApplicationID: "x", Nation: "Wales", Routes: []string{pc}, Reports: []Report{{"final_evaluation", []fund.Figure{
		meanFig("systolic_bp", pc, 10, "140", 8, "139"), // change −1 over 8
	}}}}, {ApplicationID: "y", Nation: "Wales", Routes: []string{pc}, Reports: []Report{{"final_evaluation", []fund.Figure{
		meanFig("systolic_bp", pc, 10, "150", 8, "150"), // change 0 over 8
	}}}}}
	m := measure(Roll(seed, a).Fund, "systolic_bp")
	eq(t, "systolic change", m.Change, "-1") // −0.5 rounds away from zero at 0 places
	if m.Change.Value != -500 {
		t.Errorf("change %d thousandths", m.Change.Value)
	}
	eq(t, "systolic baseline", m.BaselineMean, "145")
}

func TestProportionMeasure(t *testing.T) {
	def := seed
	def.Measures = append(append([]fund.Measure{}, def.Measures...), fund.Measure{ID: "quit", Title: "Quit", Unit: "%",
		Direction: fund.Higher, Kind: fund.KindProportion, ReportAt: []string{"final_evaluation"}})
	a := []Award{{ApplicationID: "x", Nation: "Wales", Routes: []string{pc},
		Targets: []fund.Target{{Measure: "quit", Route: pc, Target: d("30")}},
		Reports: []Report{{"final_evaluation", []fund.Figure{{Measure: "quit", Route: pc, Numerator: 40, Denominator: 120}}}}}}
	r := Roll(def, a)
	eq(t, "percent", measure(r.Fund, "quit").Percent, "33.3")
	if tr := r.PerAward[0].Targets[0]; tr.Met == nil || !*tr.Met {
		t.Errorf("33.3%% against 30%%: %+v", tr)
	}
}

func TestEmptyFundAndJSON(t *testing.T) {
	r := Roll(seed, nil)
	eq(t, "nobody", r.Fund.Onboarded, "")
	eq(t, "no cost", r.Fund.CostPerOnboarded, "")
	b, err := json.Marshal(Roll(seed, synthetic()))
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Fund struct {
			Onboarded string  `json:"people_onboarded"`
			Cost      *string `json:"cost_per_person_active_pence"`
		} `json:"fund"`
		Routes []struct {
			Onboarded string  `json:"people_onboarded"`
			Cost      *string `json:"cost_per_person_onboarded_pence"`
		} `json:"routes"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Fund.Onboarded != "807" || *back.Fund.Cost != "15000" || back.Routes[1].Onboarded != "<8" || back.Routes[0].Cost != nil {
		t.Errorf("JSON %s", b)
	}
}

func TestSampleIsValid(t *testing.T) {
	routes := []string{pc, app}
	for _, m := range seed.Milestones {
		var v fundInvalid
		seed.ValidateFigures(&v.Invalid, "outcomes", m.ID, routes, Sample(seed, m.ID, routes, 1200))
		if len(v.Invalid) > 0 {
			t.Errorf("%s: %v", m.ID, v.Invalid)
		}
	}
}

func BenchmarkRoll(b *testing.B) {
	// 1,000 awards, each with 10 reports of every measure on both routes;
	// the baseline is the same with one report each.
	for _, reports := range []int{1, 10} {
		awards := make([]Award, 1000)
		nations := []string{"England", "Scotland", "Wales"}
		for i := range awards {
			a := Award{ApplicationID: "app-" + string(rune('a'+i%26)), Nation: nations[i%3], Routes: []string{pc, app},
				PlannedReach: 5000, DrawnPence: 8_000_000,
				Targets: []fund.Target{{Measure: "wemwbs", Route: pc, Baseline: d("40"), Target: d("44")}}}
			for j := range reports {
				a.Reports = append(a.Reports, Report{"final_evaluation", Sample(seed, "final_evaluation", a.Routes, int64(100+i+j))})
			}
			awards[i] = a
		}
		b.Run(map[int]string{1: "awards=1000/reports=1", 10: "awards=1000/reports=10"}[reports], func(b *testing.B) {
			for b.Loop() {
				Roll(seed, awards)
			}
		})
	}
}

type fundInvalid struct{ Invalid fundflow.Invalid }
