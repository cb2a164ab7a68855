package fund

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
)

var devToday = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func TestSeedDefinitionIsValidAndMatchesTheProduct(t *testing.T) {
	d := SeedDefinition(devToday)
	if err := d.Validate(); err != nil {
		t.Fatalf("seed invalid: %v", fields(err))
	}
	if d.Defaults().ReviewersPerApplication != d.ReviewersPerApplication {
		t.Error("the seed should not depend on defaults")
	}
	if d.ID != "prevention-innovation-2025" || d.Sponsor != "Holly Health" ||
		d.TotalPence != 32_000_000 || d.MaxAwardPence != 8_000_000 || d.MaxAwards != 4 {
		t.Errorf("seed figures: %s %s %d %d %d", d.ID, d.Sponsor, d.TotalPence, d.MaxAwardPence, d.MaxAwards)
	}
	if !slices.Equal(d.EligibleNations, []Nation{NationEngland, NationScotland, NationWales}) ||
		d.OrgTypeEligible(OrgTypeNIHSCTrust) || !d.OrgTypeEligible(OrgTypeICB) {
		t.Errorf("seed eligibility: %v %v", d.EligibleOrgTypes, d.EligibleNations)
	}
	var shares []int
	for _, m := range d.Milestones {
		shares = append(shares, m.DrawdownShareBP)
	}
	if !slices.Equal(shares, []int{1000, 3000, 2000, 2000, 2000}) {
		t.Errorf("milestone shares %v", shares)
	}
	// The issue's own examples: evidence cannot be sent without them.
	var kinds []string
	for _, r := range d.DocumentKinds() {
		kinds = append(kinds, r.Kind)
	}
	if !slices.Equal(kinds, []string{"dpia", "dtac", "go_live_report", "outcomes_report", "evaluation_report"}) {
		t.Errorf("document kinds %v", kinds)
	}
	for _, c := range d.Criteria {
		if !slices.Equal(c.Scale.Labels, []string{"Poor", "Partial", "Satisfactory", "Good", "Strong"}) {
			t.Errorf("criterion %s labels %v", c.ID, c.Scale.Labels)
		}
	}
}

func TestSeedDefinitionIsOpenFromTodayForMonths(t *testing.T) {
	d := SeedDefinition(devToday)
	if !d.OpensAt.Before(devToday) || !d.ClosesAt.After(devToday.AddDate(0, 5, 0)) {
		t.Errorf("window %v – %v does not cover today and the months after", d.OpensAt, d.ClosesAt)
	}
	// Same day, any hour: same definition, so restarting dev mode is stable.
	if later := SeedDefinition(devToday.Add(5 * time.Hour)); later.OpensAt != d.OpensAt || later.ClosesAt != d.ClosesAt {
		t.Error("the window moved within a day")
	}
	if d.OpensAt.Location() != time.UTC {
		t.Error("window should be in UTC, the wire zone")
	}
}

func TestDefinitionJSONRoundTrip(t *testing.T) {
	d := SeedDefinition(devToday)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Definition
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) {
		t.Errorf("round trip changed the definition:\n%s\n%s", b, b2)
	}
	var raw map[string]any
	_ = json.Unmarshal(b, &raw)
	for _, k := range []string{"total_pence", "max_award_pence", "eligible_org_types", "opens_at", "deployment_routes",
		"reviewers_per_application", "pass_mark", "slas", "offer_acceptance_window", "reminder_before", "milestones"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %s", k)
		}
	}
	if raw["offer_acceptance_window"] != "P14D" {
		t.Errorf("offer_acceptance_window = %v", raw["offer_acceptance_window"])
	}
}

func TestDefaults(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	d := Definition{OpensAt: time.Date(2026, 6, 1, 9, 0, 0, 0, london)}.Defaults()
	if d.ReviewersPerApplication != 2 || d.OfferAcceptanceWindow.String() != "P14D" ||
		d.SLAs.Eligibility.IsZero() || d.SLAs.QueryResponse.IsZero() || d.ReminderBefore.IsZero() {
		t.Errorf("defaults not filled: %+v", d)
	}
	if d.OpensAt.Location() != time.UTC || d.OpensAt.Hour() != 8 {
		t.Errorf("opens_at not converted to UTC: %v", d.OpensAt)
	}
	kept := Definition{ReviewersPerApplication: 3, OfferAcceptanceWindow: MustParseDuration("PT30S")}.Defaults()
	if kept.ReviewersPerApplication != 3 || kept.OfferAcceptanceWindow.String() != "PT30S" {
		t.Errorf("defaults overwrote given values: %+v", kept)
	}
}

func TestValidateReportsEveryProblemByPath(t *testing.T) {
	d := SeedDefinition(devToday)
	d.ID = "X"
	d.Name = " "
	d.ReferencePrefix = "pif"
	d.TotalPence = 100
	d.MaxAwardPence = 200
	d.MaxAwards = 0
	d.EligibleOrgTypes = []OrgType{OrgTypeICB, "GP_PRACTICE", OrgTypeICB}
	d.EligibleNations = nil
	d.ClosesAt = d.OpensAt
	d.DeploymentRoutes = append(d.DeploymentRoutes, Route{ID: "nhs_app", Title: "again"})
	d.Criteria[1].Weight = 0
	d.Criteria[2].Scale = Scale{Min: 3, Max: 3}
	d.Criteria[3].Scale.Labels = []string{"Low", "High"}
	d.Criteria[4].ID = d.Criteria[0].ID
	d.ReviewersPerApplication = 11
	d.SLAs.Panel = Duration{}
	d.OfferAcceptanceWindow = Duration{}
	d.Milestones[2].DrawdownShareBP = 0
	d.Milestones[3].DueAfter = Duration{}
	d.Milestones[4].EvidenceRequired = []string{""}

	want := []string{
		"id", "name", "reference_prefix", "max_award_pence", "max_awards",
		"eligible_org_types[1]", "eligible_org_types[2]", "eligible_nations",
		"closes_at", "deployment_routes[2].id",
		"criteria[4].id", "criteria[1].weight", "criteria[2].scale.max", "criteria[3].scale.labels",
		"reviewers_per_application", "slas.panel", "offer_acceptance_window",
		"milestones[2].drawdown_share_bp", "milestones[3].due_after", "milestones[4].evidence_required[0]",
		"milestones",
	}
	got := fields(d.Validate())
	for _, f := range want {
		if !slices.Contains(got, f) {
			t.Errorf("no error for %s; got %v", f, got)
		}
	}
	if slices.Contains(got, "pass_mark") {
		t.Error("pass_mark judged against invalid criteria")
	}
	if fundflow.ErrorCode(d.Validate()) != fundflow.EVALIDATION {
		t.Error("want validation_failed")
	}
}

func TestValidatePassMarkAndEligibility(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Definition)
		field string // "" means valid
	}{
		{"pass mark at the top", func(d *Definition) { d.PassMark = 500 }, ""},
		{"pass mark at the bottom", func(d *Definition) { d.PassMark = 100 }, ""},
		{"pass mark above the scale", func(d *Definition) { d.PassMark = 501 }, "pass_mark"},
		{"pass mark in points, not hundredths", func(d *Definition) { d.PassMark = 3 }, "pass_mark"},
		{"nobody eligible", func(d *Definition) { d.EligibleOrgTypes = []OrgType{OrgTypeNIHSCTrust} }, "eligible_org_types"},
		{"unknown nation", func(d *Definition) { d.EligibleNations = []Nation{"Cornwall"} }, "eligible_nations[0]"},
		{"max awards times max award above total is fine", func(d *Definition) { d.MaxAwards = 10 }, ""},
		{"total above the ceiling", func(d *Definition) { d.TotalPence = MaxTotalPence + 1 }, "total_pence"},
		{"unlabelled scale", func(d *Definition) { d.Criteria[0].Scale = Scale{Min: 0, Max: 10}; d.PassMark = 200 }, ""},
		{"negative scale", func(d *Definition) { d.Criteria[0].Scale.Min = -1 }, "criteria[0].scale.min"},
		{"no milestones", func(d *Definition) { d.Milestones = nil }, "milestones"},
		{"route id with spaces", func(d *Definition) { d.DeploymentRoutes[0].ID = "nhs app" }, "deployment_routes[0].id"},
		{"zero opens_at", func(d *Definition) { d.OpensAt = time.Time{} }, "opens_at"},
		{"pass mark still judged beside other errors", func(d *Definition) { d.ReviewersPerApplication = 0; d.PassMark = 0 }, "pass_mark"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := SeedDefinition(devToday)
			tt.edit(&d)
			got := fields(d.Validate())
			if tt.field == "" && len(got) > 0 || tt.field != "" && !slices.Contains(got, tt.field) {
				t.Errorf("errors %v, want %q", got, tt.field)
			}
		})
	}
}

func TestWeightedScore(t *testing.T) {
	d := Definition{Criteria: []Criterion{
		{ID: "a", Weight: 3, Scale: Scale{Min: 1, Max: 5}},
		{ID: "b", Weight: 1, Scale: Scale{Min: 1, Max: 5}},
	}}
	tests := []struct {
		a, b, want int
	}{
		{4, 3, 375},
		{5, 5, 500},
		{1, 1, 100},
		{1, 2, 125},
	}
	for _, tt := range tests {
		got, err := d.WeightedScore([]CriterionScore{{"b", tt.b}, {"a", tt.a}})
		if err != nil || got != tt.want {
			t.Errorf("WeightedScore(%d, %d) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
	// Weights 1,1,1 and scores 1,1,2: 400/3 = 133.33 rounds down; 2,2,1: 166.67 rounds up;
	// weights 1,1 and scores 1,2: 150 exactly; 1 and 2 with weights 1,7: 187.5 rounds half up to 188.
	three := Definition{Criteria: []Criterion{{ID: "x", Weight: 1, Scale: Scale{Max: 5}}, {ID: "y", Weight: 1, Scale: Scale{Max: 5}}, {ID: "z", Weight: 1, Scale: Scale{Max: 5}}}}
	if got, _ := three.WeightedScore([]CriterionScore{{"x", 1}, {"y", 1}, {"z", 2}}); got != 133 {
		t.Errorf("got %d, want 133", got)
	}
	if got, _ := three.WeightedScore([]CriterionScore{{"x", 2}, {"y", 2}, {"z", 1}}); got != 167 {
		t.Errorf("got %d, want 167", got)
	}
	halves := Definition{Criteria: []Criterion{{ID: "x", Weight: 1, Scale: Scale{Max: 5}}, {ID: "y", Weight: 7, Scale: Scale{Max: 5}}}}
	if got, _ := halves.WeightedScore([]CriterionScore{{"x", 1}, {"y", 2}}); got != 188 {
		t.Errorf("got %d, want 188", got)
	}

	_, err := d.WeightedScore([]CriterionScore{{"a", 6}, {"a", 2}, {"c", 1}})
	got := fields(err)
	for _, f := range []string{"scores[0].score", "scores[1].criterion_id", "scores[2].criterion_id", "scores"} {
		if !slices.Contains(got, f) {
			t.Errorf("no error for %s; got %v", f, got)
		}
	}
}

func TestDrawdownScheduleAddsUpExactly(t *testing.T) {
	d := SeedDefinition(devToday)
	for _, award := range []int64{8_000_000, 7_999_999, 1, 333_333} {
		var sum int64
		for _, p := range d.DrawdownSchedule(award) {
			if p < 0 {
				t.Errorf("negative share for %d", award)
			}
			sum += p
		}
		if sum != award {
			t.Errorf("schedule for %d adds up to %d", award, sum)
		}
	}
	if got := d.DrawdownSchedule(8_000_000); !slices.Equal(got, []int64{800_000, 2_400_000, 1_600_000, 1_600_000, 1_600_000}) {
		t.Errorf("schedule %v", got)
	}
}

// fields lists the field paths of a validation error.
func fields(err error) []string {
	var e *fundflow.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestPrefixComesFromTheNameUntilSet(t *testing.T) {
	for _, c := range []struct{ name, id, set, want string }{
		{"Prevention Innovation Fund", "pif-2026", "", "PIF"},
		{"Social prescribing", "sp-trust", "", "SP"},
		{"Fund", "wellbeing", "", "FW"},
		{"1 2 3", "99-x", "", "XF"},
		{"Prevention Innovation Fund", "pif-2026", "PREV", "PREV"},
	} {
		d := Definition{Name: c.name, ID: c.id, ReferencePrefix: c.set}
		if got := d.Prefix(); got != c.want {
			t.Errorf("%q/%q: Prefix() = %q, want %q", c.name, c.id, got, c.want)
		}
		if got := d.Defaults().ReferencePrefix; got != c.want {
			t.Errorf("%q: Defaults().ReferencePrefix = %q, want %q", c.name, got, c.want)
		}
	}
}
