package fund

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
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

func TestDefaultsForAwards(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	terms := Terms{Title: "Agreement"}
	reporting := Reporting{Count: 2}
	d := Definition{Terms: &terms, Reporting: &reporting, DeliveryEndsAt: time.Date(2028, 6, 1, 17, 0, 0, 0, london)}.Defaults()
	if d.Terms.Version != 1 || terms.Version != 0 {
		t.Errorf("terms version %d (given %d): the first terms are version 1, set on a copy", d.Terms.Version, terms.Version)
	}
	if d.Reporting.EscalateAfter != 5 || !slices.Equal(d.Reporting.RemindBefore, []int{10, 3}) || reporting.EscalateAfter != 0 {
		t.Errorf("reporting defaults %+v (given %+v)", *d.Reporting, reporting)
	}
	if d.Variations.DecideWithin.String() != "P10D" {
		t.Errorf("decide_within %s", d.Variations.DecideWithin)
	}
	if d.DeliveryEndsAt.Location() != time.UTC || d.DeliveryEndsAt.Hour() != 16 {
		t.Errorf("delivery_ends_at not converted to UTC: %v", d.DeliveryEndsAt)
	}
	kept := Definition{
		Terms:      &Terms{Version: 3},
		Reporting:  &Reporting{EscalateAfter: 2, RemindBefore: []int{1}},
		Variations: Variations{DecideWithin: MustParseDuration("PT30S")},
	}.Defaults()
	if kept.Terms.Version != 3 || kept.Reporting.EscalateAfter != 2 || !slices.Equal(kept.Reporting.RemindBefore, []int{1}) ||
		kept.Variations.DecideWithin.String() != "PT30S" {
		t.Errorf("defaults overwrote given values: %+v %+v %+v", *kept.Terms, *kept.Reporting, kept.Variations)
	}
	if none := (Definition{}).Defaults(); none.Terms != nil || none.Reporting != nil || !none.DeliveryEndsAt.IsZero() {
		t.Error("defaults made terms, reporting or a delivery end up")
	}
}

func TestValidateTermsReportingAndVariations(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name  string
		edit  func(*Definition)
		field string // "" means valid
	}{
		{"no terms, reporting or variations", func(d *Definition) { d.Terms, d.Reporting, d.Variations = nil, nil, Variations{} }, ""},
		{"terms unnumbered", func(d *Definition) { d.Terms.Version = 0 }, "terms.version"},
		{"terms untitled", func(d *Definition) { d.Terms.Title = " " }, "terms.title"},
		{"terms title too long", func(d *Definition) { d.Terms.Title = long(201) }, "terms.title"},
		{"terms without sections", func(d *Definition) { d.Terms.Sections = nil }, "terms.sections"},
		{"terms with 51 sections", func(d *Definition) {
			d.Terms.Sections = slices.Repeat(d.Terms.Sections[:1], 51)
		}, "terms.sections"},
		{"heading missing", func(d *Definition) { d.Terms.Sections[1].Heading = "" }, "terms.sections[1].heading"},
		{"heading too long", func(d *Definition) { d.Terms.Sections[1].Heading = long(201) }, "terms.sections[1].heading"},
		{"text missing", func(d *Definition) { d.Terms.Sections[2].Text = "" }, "terms.sections[2].text"},
		{"text at the limit", func(d *Definition) { d.Terms.Sections[2].Text = long(20_000) }, ""},
		{"text too long", func(d *Definition) { d.Terms.Sections[2].Text = long(20_001) }, "terms.sections[2].text"},
		{"declaration missing", func(d *Definition) { d.Terms.Declaration = "" }, "terms.declaration"},
		{"declaration too long", func(d *Definition) { d.Terms.Declaration = long(2001) }, "terms.declaration"},

		{"returns weekly", func(d *Definition) { d.Reporting.Every = MustParseDuration("P1W") }, ""},
		{"returns under a week apart", func(d *Definition) { d.Reporting.Every = MustParseDuration("P6D") }, "reporting.every"},
		{"returns with a clock part", func(d *Definition) { d.Reporting.Every = MustParseDuration("P13WT1H") }, "reporting.every"},
		{"too many returns", func(d *Definition) { d.Reporting.Count = 41 }, "reporting.count"},
		{"negative count", func(d *Definition) { d.Reporting.Count = -1 }, "reporting.count"},
		{"no returns at all", func(d *Definition) { d.Reporting.Count, d.Reporting.Final = 0, nil }, "reporting"},
		{"a final return only", func(d *Definition) {
			d.Reporting.Count, d.Reporting.Every, d.Reporting.Periodic = 0, Duration{}, ReturnTemplate{}
		}, ""},
		{"periodic return untitled", func(d *Definition) { d.Reporting.Periodic.Title = "" }, "reporting.periodic.title"},
		{"final return title too long", func(d *Definition) { d.Reporting.Final.Title = long(101) }, "reporting.final.title"},
		{"periodic form without sections", func(d *Definition) { d.Reporting.Periodic.Form.Sections = nil }, "reporting.periodic.form.sections"},
		{"final form with a bad id", func(d *Definition) {
			d.Reporting.Final.Form.Sections[0].Questions[0].ID = "Bad id"
		}, "reporting.final.form.sections[0].questions[0].id"},
		{"return measure not of the fund", func(d *Definition) { d.Reporting.Periodic.Measures[0] = "steps" }, "reporting.periodic.measures[0]"},
		{"return measure repeated", func(d *Definition) { d.Reporting.Final.Measures[1] = "people_onboarded" }, "reporting.final.measures[1]"},
		{"final after with a clock part", func(d *Definition) { d.Reporting.FinalAfter = MustParseDuration("PT1H") }, "reporting.final_after"},
		{"final when the last milestone falls due", func(d *Definition) { d.Reporting.FinalAfter = Duration{} }, ""},
		{"reminder on the day", func(d *Definition) { d.Reporting.RemindBefore = []int{10, 0} }, "reporting.remind_before[1]"},
		{"reminder too early", func(d *Definition) { d.Reporting.RemindBefore = []int{61} }, "reporting.remind_before[0]"},
		{"reminders nearest first", func(d *Definition) { d.Reporting.RemindBefore = []int{3, 10} }, "reporting.remind_before[1]"},
		{"reminders repeated", func(d *Definition) { d.Reporting.RemindBefore = []int{5, 5} }, "reporting.remind_before[1]"},
		{"six reminders", func(d *Definition) { d.Reporting.RemindBefore = []int{6, 5, 4, 3, 2, 1} }, "reporting.remind_before"},
		{"escalation too late", func(d *Definition) { d.Reporting.EscalateAfter = 61 }, "reporting.escalate_after"},
		{"escalation before the due date", func(d *Definition) { d.Reporting.EscalateAfter = -1 }, "reporting.escalate_after"},

		{"chair above 100%", func(d *Definition) { d.Variations.ChairAbovePercent = 101 }, "variations.chair_above_percent"},
		{"chair below 0%", func(d *Definition) { d.Variations.ChairAbovePercent = -1 }, "variations.chair_above_percent"},
		{"delivery ends before the close", func(d *Definition) { d.DeliveryEndsAt = d.ClosesAt.Add(-time.Hour) }, "delivery_ends_at"},
		{"delivery ends at the close", func(d *Definition) { d.DeliveryEndsAt = d.ClosesAt }, "delivery_ends_at"},
		{"delivery unbounded", func(d *Definition) { d.DeliveryEndsAt = time.Time{} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := seedAfterAward()
			tt.edit(&d)
			got := fields(d.Validate())
			if tt.field == "" && len(got) > 0 || tt.field != "" && !slices.Contains(got, tt.field) {
				t.Errorf("errors %v, want %q", got, tt.field)
			}
		})
	}
}

// A return form is checked as a form, but not asked the questions every
// application form must: a return is not an application.
func TestReturnFormsNeedNoApplicationQuestions(t *testing.T) {
	d := seedAfterAward()
	if _, ok := d.Reporting.Periodic.Form.Question("lead_contact"); ok {
		t.Fatal("the seed's return asks for a lead contact; pick a form that does not")
	}
	d.Reporting.Periodic.Form.Sections[0].Questions[0].Label = ""
	got := fields(d.Validate())
	if !slices.Equal(got, []string{"reporting.periodic.form.sections[0].questions[0].label"}) {
		t.Errorf("errors %v, want the missing label alone", got)
	}
}

func TestTermsCheck(t *testing.T) {
	terms := *seedAfterAward().Terms
	if err := terms.Check(); err != nil {
		t.Fatal(err)
	}
	terms.Title = ""
	terms.Sections = append(slices.Clone(terms.Sections), TermsSection{Heading: "Extra"})
	if got := fields(terms.Check()); !slices.Equal(got, []string{"title", "sections[9].text"}) {
		t.Errorf("errors %v", got)
	}
}

func TestSeedAwardTerms(t *testing.T) {
	d := seedAfterAward()
	if d.Terms.Title != "Prevention Innovation Fund grant agreement" || len(d.Terms.Sections) < 7 || len(d.Terms.Sections) > 9 {
		t.Errorf("terms %q with %d sections", d.Terms.Title, len(d.Terms.Sections))
	}
	if got := d.Defaults(); !reflect.DeepEqual(got.Terms, d.Terms) || !reflect.DeepEqual(got.Reporting, d.Reporting) || got.Variations != d.Variations {
		t.Error("the seed's terms, reporting and variations should not depend on defaults")
	}
	var ids []string
	for _, r := range d.Reporting.Schedule(devToday, devToday.AddDate(1, 0, 0), time.UTC) {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{"r1", "r2", "r3", "r4", "final"}) {
		t.Errorf("schedule %v", ids)
	}
	if years := d.DeliveryEndsAt.Sub(d.ClosesAt).Hours() / 24 / 365; years < 1.9 || years > 2.1 {
		t.Errorf("delivery ends %.1f years after the close", years)
	}
}

// seedAfterAward is the seeded fund as dev offers it: on its grant terms,
// with quarterly returns.
func seedAfterAward() Definition {
	d := SeedDefinition(devToday)
	d.Terms, d.Reporting = SeedTerms(), SeedReporting()
	return d
}
