package web

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/fundflow/fundflow/web/apiclient"
)

func outcomeFixture(t *testing.T) (applicantApp, apiclient.Milestone) {
	p := applicantApp{Fund: &apiclient.Fund{}}
	p.Fund.Definition.DeploymentRoutes = []apiclient.DeploymentRoute{{ID: "nhs_app", Title: "NHS App"}}
	p.Fund.Definition.Measures = []apiclient.OutcomeMeasure{
		{ID: "people_onboarded", Title: "People onboarded", Unit: "people", Kind: "count"},
		{ID: "wemwbs", Title: "WEMWBS", Unit: "points", Kind: "mean", DecimalPlaces: 1},
	}
	var ms []apiclient.Milestone
	decodeAnswer(t, http.MethodGet, "/v1/applications/app1/milestones", `[{"id":"outcomes_3_months","title":"Outcomes at 3 months",
		"due_at":"2026-09-01T09:00:00Z","status":"pending","drawdown_pence":0,"outcomes_required":[
		{"measure":"people_onboarded","route":"nhs_app"},{"measure":"wemwbs","route":"nhs_app"}]}]`, &ms)
	return p, ms[0]
}

func TestOutcomeFormAsksForWhatTheMilestoneRequires(t *testing.T) {
	p, m := outcomeFixture(t)
	rows := p.outcomeRows(m)
	if len(rows) != 2 || len(rows[0].Inputs) != 1 || len(rows[1].Inputs) != 4 ||
		rows[1].Inputs[1].Name != "outcome_1_baseline_mean" || rows[1].Inputs[1].Label != "Mean at baseline (points)" ||
		rows[1].RouteTitle != "NHS App" {
		t.Fatalf("rows %+v", rows)
	}
	form := url.Values{"outcome_0_count": {"1,250"}, "outcome_1_baseline_n": {"400"}, "outcome_1_baseline_mean": {"41.5"},
		"outcome_1_follow_up_n": {"300"}, "outcome_1_follow_up_mean": {" 45.2 "}}
	figs, errs := parseOutcomes(form, rows)
	want := []apiclient.OutcomeFigure{
		{Measure: "people_onboarded", Route: "nhs_app", Count: 1250},
		{Measure: "wemwbs", Route: "nhs_app", BaselineN: 400, BaselineMean: "41.5", FollowUpN: 300, FollowUpMean: "45.2"},
	}
	if len(errs) != 0 || !reflect.DeepEqual(figs, want) {
		t.Errorf("figures %v errors %v", figs, errs)
	}
	form.Set("outcome_1_follow_up_n", "lots")
	if _, errs := parseOutcomes(form, rows); len(errs) != 1 || errs[0].Field != "outcome_1_follow_up_n" {
		t.Errorf("errors %v", errs)
	}

	mine, rest := outcomeErrors([]fieldError{
		{Field: "summary", Message: "is required"},
		{Field: "outcomes[1].follow_up_mean", Message: "must be between 14.0 and 70.0 points"},
		{Field: "outcomes.people_onboarded.nhs_app", Message: "is required at this milestone"},
	}, rows)
	if len(rest) != 1 || len(mine) != 2 || mine[0].Field != "outcome_1_follow_up_mean" || mine[1].Field != "outcome_0_count" ||
		mine[0].Message != "WEMWBS, NHS App: mean at follow-up (points) must be between 14.0 and 70.0 points" {
		t.Errorf("mine %v rest %v", mine, rest)
	}

	v := url.Values{}
	var ms []apiclient.Milestone
	decodeAnswer(t, http.MethodGet, "/v1/applications/app1/milestones", `[{"id":"outcomes_3_months","title":"Outcomes at 3 months",
		"due_at":"2026-09-01T09:00:00Z","status":"submitted","drawdown_pence":0,"evidence":{"summary":"Reported","by":{"id":"a1","name":"Ana Lead","role":"applicant"},
		"at":"2026-08-01T09:00:00Z","outcomes":[{"measure":"wemwbs","route":"nhs_app","baseline_n":400,"baseline_mean":"41.5"}]}}]`, &ms)
	prefillOutcomes(v, rows, ms[0].Evidence.Outcomes)
	if v.Get("outcome_1_baseline_n") != "400" || v.Get("outcome_1_baseline_mean") != "41.5" {
		t.Errorf("prefill %v", v)
	}
}

func TestTargetRowsShowTheLatestReport(t *testing.T) {
	p, _ := outcomeFixture(t)
	var app apiclient.Application
	decodeApplication(t, appJSON(map[string]any{"status": "in_deployment"}), `{"content":{"targets":[{"measure":"wemwbs","route":"nhs_app","baseline":"41","target":"45"},
		{"measure":"people_onboarded","route":"nhs_app","baseline":"0","target":"2000"}]},
		"milestones":[{"id":"m3","title":"3-month report","due_at":"2026-09-01T09:00:00Z","status":"verified","drawdown_pence":0,"evidence":{"summary":"Reported","by":{"id":"a1","name":"Ana Lead","role":"applicant"},"at":"2026-08-01T09:00:00Z","outcomes":[{"measure":"wemwbs","route":"nhs_app","baseline_n":400,"baseline_mean":"41","follow_up_n":300,"follow_up_mean":"44.5"}]}},
		{"id":"m4","title":"Final","due_at":"2026-12-01T09:00:00Z","status":"verified","drawdown_pence":0,"evidence":{"summary":"Reported","by":{"id":"a1","name":"Ana Lead","role":"applicant"},"at":"2026-08-01T09:00:00Z","outcomes":[{"measure":"wemwbs","route":"nhs_app","baseline_n":400,"baseline_mean":"41","follow_up_n":310,"follow_up_mean":"46"}]}}]}`, &app)
	rows := targetRows(&app, p.Fund.Definition)
	want := []targetRow{
		{Title: "WEMWBS", Unit: "points", Route: "NHS App", Baseline: "41", Target: "45", Latest: "46 (310 people)", From: "Final"},
		{Title: "People onboarded", Unit: "people", Route: "NHS App", Baseline: "0", Target: "2000"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %+v", rows)
	}
}
