package fund

import (
	"slices"
	"testing"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/decimal"
)

func TestSeedMeasuresFollowTheArticle(t *testing.T) {
	d := SeedDefinition(devToday)
	var ids []string
	for _, m := range d.Measures {
		ids = append(ids, m.ID)
	}
	want := []string{"people_onboarded", "people_active_12_weeks", "activity_minutes", "wemwbs", "weight",
		"systolic_bp", "diastolic_bp", "gp_appointments"}
	if !slices.Equal(ids, want) {
		t.Errorf("measures %v, want %v", ids, want)
	}
	if m, _ := d.Measure("wemwbs"); m.Min != decimal.FromInt(14) || m.Max != decimal.FromInt(70) || m.Direction != Higher {
		t.Errorf("WEMWBS %+v", m)
	}
	routes := []string{"primary_care_public_health", "nhs_app"}
	if got := d.Required("outcomes_3_months", routes); len(got) != 2*(len(want)) {
		t.Errorf("3-month report requires %d figures, want %d", len(got), 2*len(want))
	}
	if got := d.Required("first_1000_onboarded", routes[:1]); !slices.Equal(got, []MeasureRoute{{Measure: "people_onboarded", Route: routes[0]}}) {
		t.Errorf("onboarding milestone requires %v", got)
	}
	if got := d.Required("ig_approvals", routes); len(got) != 0 {
		t.Errorf("IG approvals require %v", got)
	}
}

func TestValidateMeasuresReportsEveryProblem(t *testing.T) {
	d := SeedDefinition(devToday)
	d.Measures = []Measure{
		{ID: "ok", Title: "OK", Unit: "people", Direction: Higher, Kind: KindCount, ReportAt: []string{"go_live"}},
		{ID: "ok", Title: "", Unit: "", Direction: "up", Kind: "median", DecimalPlaces: 4, ReportAt: []string{"nope", "nope"}, Routes: []string{"fax"}},
		{ID: "Bad Id", Title: "M", Unit: "kg", Direction: Lower, Kind: KindMean, Min: 5, Max: 5, ReportAt: nil},
		{ID: "c", Title: "C", Unit: "people", Direction: Lower, Kind: KindCount, Min: 1, ReportAt: []string{"go_live"}},
	}
	d.Reporting = nil // its returns ask for the seed's measures, replaced here
	got := fields(d.Validate())
	want := []string{"measures[1].id", "measures[1].title", "measures[1].unit", "measures[1].direction", "measures[1].kind",
		"measures[1].decimal_places", "measures[1].report_at[1]", "measures[1].report_at[0]", "measures[1].report_at[1]",
		"measures[1].routes[0]", "measures[2].id", "measures[2].max", "measures[2].report_at", "measures[3].min"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("no error at %s; got %v", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d errors %v, want %d", len(got), got, len(want))
	}
}

func figureFields(d Definition, milestone string, routes []string, figs ...Figure) []string {
	var v fundflow.Invalid
	d.ValidateFigures(&v, "outcomes", milestone, routes, figs)
	var out []string
	for _, f := range v {
		out = append(out, f.Field)
	}
	return out
}

// complete3Months is a valid 3-month report on the primary-care route.
func complete3Months(route string) []Figure {
	mean := func(id string, b, f string) Figure {
		bm, _ := decimal.Parse(b)
		fm, _ := decimal.Parse(f)
		return Figure{Measure: id, Route: route, BaselineN: 400, BaselineMean: bm, FollowUpN: 300, FollowUpMean: fm}
	}
	return []Figure{
		{Measure: "people_onboarded", Route: route, Count: 1200},
		{Measure: "people_active_12_weeks", Route: route, Count: 700},
		mean("activity_minutes", "60", "95"),
		mean("wemwbs", "41.5", "45.2"),
		mean("weight", "92.4", "90.1"),
		mean("systolic_bp", "142", "136"),
		mean("diastolic_bp", "88", "84"),
		mean("gp_appointments", "6.2", "5.1"),
	}
}

func TestValidateFiguresEveryKind(t *testing.T) {
	d := SeedDefinition(devToday)
	d.Measures = append(d.Measures, Measure{ID: "still_active", Title: "Still active", Unit: "%", Direction: Higher,
		Kind: KindProportion, ReportAt: []string{"outcomes_3_months"}})
	pc := "primary_care_public_health"
	ok := append(complete3Months(pc), Figure{Measure: "still_active", Route: pc, Numerator: 7, Denominator: 10})
	if got := figureFields(d, "outcomes_3_months", []string{pc}, ok...); len(got) != 0 {
		t.Fatalf("a complete report is refused: %v", got)
	}
	at := func(i int) string { return "outcomes[" + string(rune('0'+i)) + "]" }
	for name, c := range map[string]struct {
		change func([]Figure)
		want   []string
	}{
		"negative count":             {func(f []Figure) { f[0].Count = -1 }, []string{at(0) + ".count"}},
		"count with a mean":          {func(f []Figure) { f[0].BaselineMean = 5 }, []string{at(0) + ".baseline_mean"}},
		"follow-up over baseline":    {func(f []Figure) { f[2].FollowUpN = 401 }, []string{at(2) + ".follow_up_n"}},
		"WEMWBS below 14":            {func(f []Figure) { f[3].BaselineMean = decimal.FromInt(13) }, []string{at(3) + ".baseline_mean"}},
		"WEMWBS above 70":            {func(f []Figure) { f[3].FollowUpMean = decimal.FromInt(71) }, []string{at(3) + ".follow_up_mean"}},
		"too many places":            {func(f []Figure) { f[3].FollowUpMean = 45_250 }, []string{at(3) + ".follow_up_mean"}},
		"mean over nobody":           {func(f []Figure) { f[4].FollowUpN = 0 }, []string{at(4) + ".follow_up_mean"}},
		"negative n":                 {func(f []Figure) { f[5].BaselineN = -3 }, []string{at(5) + ".baseline_n", at(5) + ".follow_up_n"}},
		"numerator over denominator": {func(f []Figure) { f[8].Numerator = 11 }, []string{at(8) + ".numerator"}},
		"proportion with a count":    {func(f []Figure) { f[8].Count = 1 }, []string{at(8) + ".count"}},
		"unknown measure":            {func(f []Figure) { f[1].Measure = "steps" }, []string{at(1) + ".measure", "outcomes.people_active_12_weeks." + pc}},
		"route not chosen":           {func(f []Figure) { f[1].Route = "nhs_app" }, []string{at(1) + ".route", "outcomes.people_active_12_weeks." + pc}},
		"repeat":                     {func(f []Figure) { f[1] = f[0] }, []string{at(1), "outcomes.people_active_12_weeks." + pc}},
	} {
		figs := slices.Clone(ok)
		c.change(figs)
		if got := figureFields(d, "outcomes_3_months", []string{pc}, figs...); !slices.Equal(got, c.want) {
			t.Errorf("%s: errors at %v, want %v", name, got, c.want)
		}
	}
	// A mean over nobody at both points is a valid "no data" report.
	figs := slices.Clone(ok)
	figs[4] = Figure{Measure: "weight", Route: pc}
	if got := figureFields(d, "outcomes_3_months", []string{pc}, figs...); len(got) != 0 {
		t.Errorf("n = 0 report refused: %v", got)
	}
}

func TestValidateFiguresMissingAndMisplaced(t *testing.T) {
	d := SeedDefinition(devToday)
	routes := []string{"primary_care_public_health", "nhs_app"}
	got := figureFields(d, "first_1000_onboarded", routes,
		Figure{Measure: "people_onboarded", Route: "nhs_app", Count: 3},
		Figure{Measure: "wemwbs", Route: "nhs_app", BaselineN: 1, BaselineMean: decimal.FromInt(40)})
	want := []string{"outcomes[1].measure", "outcomes.people_onboarded.primary_care_public_health"}
	if !slices.Equal(got, want) {
		t.Errorf("errors at %v, want %v", got, want)
	}
	if got := figureFields(d, "outcomes_3_months", routes); len(got) != 16 {
		t.Errorf("an empty 3-month report gives %d errors, want one per measure and route (16): %v", len(got), got)
	}
	if got := figureFields(d, "go_live", routes); len(got) != 0 {
		t.Errorf("go-live requires nothing, got %v", got)
	}
}

func TestValidateTargets(t *testing.T) {
	d := SeedDefinition(devToday)
	pc := []string{"primary_care_public_health"}
	var v fundflow.Invalid
	d.ValidateTargets(&v, "targets", pc, []Target{
		{Measure: "people_onboarded", Route: pc[0], Baseline: 0, Target: decimal.FromInt(2000)},
		{Measure: "wemwbs", Route: pc[0], Baseline: 41_500, Target: decimal.FromInt(71)},
		{Measure: "weight", Route: "nhs_app", Baseline: 1, Target: 1},
		{Measure: "people_onboarded", Route: pc[0]},
		{Measure: "people_onboarded", Route: pc[0], Target: 500},
	})
	var got []string
	for _, f := range v {
		got = append(got, f.Field)
	}
	want := []string{"targets[3]", "targets[4]", "targets[1].target", "targets[2].route", "targets[4].target"}
	if !slices.Equal(got, want) {
		t.Errorf("errors at %v, want %v", got, want)
	}
}

func TestMetRespectsDirection(t *testing.T) {
	up := Measure{Direction: Higher}
	down := Measure{Direction: Lower}
	if !up.Met(10, 10) || up.Met(9, 10) || !down.Met(10, 10) || down.Met(11, 10) || !down.Met(9, 10) {
		t.Error("Met ignores direction")
	}
}

func TestValidateReturnFigures(t *testing.T) {
	d := SeedDefinition(devToday)
	pc, app := "primary_care_public_health", "nhs_app"
	asked := []string{"people_onboarded", "wemwbs"}
	fieldsOf := func(figs ...Figure) []string {
		var v fundflow.Invalid
		d.ValidateReturnFigures(&v, "outcomes", asked, []string{pc, app}, figs)
		var out []string
		for _, f := range v {
			out = append(out, f.Field)
		}
		return out
	}
	wemwbs := func(route string) Figure {
		return Figure{Measure: "wemwbs", Route: route, BaselineN: 40, BaselineMean: decimal.FromInt(41), FollowUpN: 30, FollowUpMean: decimal.FromInt(45)}
	}
	complete := []Figure{
		{Measure: "people_onboarded", Route: pc, Count: 120},
		{Measure: "people_onboarded", Route: app, Count: 80},
		wemwbs(pc), wemwbs(app),
	}
	if got := fieldsOf(complete...); len(got) != 0 {
		t.Fatalf("a complete return is refused: %v", got)
	}
	got := fieldsOf(
		Figure{Measure: "people_onboarded", Route: pc, Count: -1},
		Figure{Measure: "people_onboarded", Route: pc, Count: 1},
		wemwbs(pc),
		Figure{Measure: "weight", Route: pc, BaselineN: 1, BaselineMean: decimal.FromInt(90)},
		Figure{Measure: "steps", Route: pc},
		Figure{Measure: "wemwbs", Route: "fax"},
	)
	want := []string{"outcomes[1]", "outcomes[0].count", "outcomes[3].measure", "outcomes[4].measure", "outcomes[5].route",
		"outcomes.people_onboarded.nhs_app", "outcomes.wemwbs.nhs_app"}
	if !slices.Equal(got, want) {
		t.Errorf("errors at %v, want %v", got, want)
	}
	if got := d.ReturnRequired(asked, []string{app}); !slices.Equal(got, []MeasureRoute{{"people_onboarded", app}, {"wemwbs", app}}) {
		t.Errorf("a return on one route requires %v", got)
	}
}
