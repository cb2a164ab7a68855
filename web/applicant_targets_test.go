package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// targetsAPI is applicantAPI with a fund that has outcome measures: one
// for every route and one for primary care only.
func targetsAPI(t *testing.T, app map[string]any) (*fakeAPI, http.Handler) {
	api, h := applicantAPI(t, app)
	f := testFundJSON()
	f["definition"].(map[string]any)["measures"] = []any{
		map[string]any{"id": "wemwbs", "title": "Mental wellbeing (WEMWBS)", "unit": "points", "kind": "mean",
			"direction": "higher", "min": "14", "max": "70", "decimal_places": 1, "report_at": []any{"live"}},
		map[string]any{"id": "gp_appts", "title": "GP appointments", "unit": "per person per year", "kind": "mean",
			"direction": "lower", "max": "50", "decimal_places": 1, "routes": []any{"primary_care"}, "report_at": []any{"live"}},
	}
	api.on("GET /v1/funds/pif", http.StatusOK, f)
	return api, h
}

func draftWithRoutes(routes []string, targets []any) map[string]any {
	c := map[string]any{"evaluation": "We will measure.", "deployment_routes": routes}
	if targets != nil {
		c["targets"] = targets
	}
	return appJSON(map[string]any{"content": c})
}

func TestTheEvaluationSectionAsksForATargetPerMeasureAndRoute(t *testing.T) {
	_, h := targetsAPI(t, draftWithRoutes([]string{"primary_care", "nhs_app"}, []any{
		map[string]any{"measure": "wemwbs", "route": "nhs_app", "baseline": "40.5", "target": "44"},
	}))
	w := get(t, h, "tok-applicant", "/applications/app1/sections/evaluation")
	wantHTML(t, w, http.StatusOK, "We will measure.",
		"Mental wellbeing (WEMWBS), through primary care and public health",
		"Mental wellbeing (WEMWBS), to the public through the NHS App",
		"GP appointments, through primary care and public health",
		"From 14 to 70 points, to 1 decimal place. Higher is better.", "From 0 to 50 per person per year, to 1 decimal place. Lower is better.",
		`<label class="nhsuk-label" for="targets.wemwbs.nhs_app.baseline">Baseline (points)</label>`,
		`id="targets.wemwbs.nhs_app.baseline" name="targets.wemwbs.nhs_app.baseline" type="text" inputmode="decimal" spellcheck="false" value="40.5"`,
		`id="targets.wemwbs.nhs_app.target" name="targets.wemwbs.nhs_app.target" type="text" inputmode="decimal" spellcheck="false" value="44"`,
		`id="targets.gp_appts.primary_care.target" name="targets.gp_appts.primary_care.target" type="text" inputmode="decimal" spellcheck="false" value=""`)
	if body := w.Body.String(); strings.Contains(body, "targets.gp_appts.nhs_app") {
		t.Error("a measure that does not apply to the NHS App is asked for on it")
	}
}

func TestTargetsWaitForTheDeploymentRoutes(t *testing.T) {
	api, h := targetsAPI(t, draftWithRoutes(nil, nil))
	w := get(t, h, "tok-applicant", "/applications/app1/sections/evaluation")
	wantHTML(t, w, http.StatusOK, "once you have chosen", `href="/applications/app1/sections/reach">how you will deploy the service</a>`)
	if strings.Contains(w.Body.String(), `name="targets.`) {
		t.Error("targets are asked for before any route is chosen")
	}
	api.on("PATCH "+testApp, http.StatusOK, commandJSON("draft", appJSON(map[string]any{"status": "draft"})))
	post(t, h, "tok-applicant", "/applications/app1/sections/evaluation", url.Values{"evaluation": {"Later."}})
	wantBody(t, onlyCommand(t, api), map[string]any{"evaluation": "Later."})
}

func TestSavingTargetsSendsThemWithTheNarrative(t *testing.T) {
	api, h := targetsAPI(t, draftWithRoutes([]string{"primary_care", "nhs_app"}, nil))
	api.on("PATCH "+testApp, http.StatusOK, commandJSON("draft", appJSON(map[string]any{"status": "draft"})))
	w := post(t, h, "tok-applicant", "/applications/app1/sections/evaluation", url.Values{
		"evaluation":                           {"We will measure."},
		"targets.wemwbs.primary_care.baseline": {" 41.2 "}, "targets.wemwbs.primary_care.target": {"45"},
		"targets.gp_appts.primary_care.baseline": {""}, "targets.gp_appts.primary_care.target": {""},
		"targets.wemwbs.nhs_app.baseline": {"1,040.0"}, "targets.wemwbs.nhs_app.target": {"44.5"},
	})
	wantRedirect(t, w, "/applications/app1", "Section saved")
	wantBody(t, onlyCommand(t, api), map[string]any{
		"evaluation": "We will measure.",
		"targets": []any{
			map[string]any{"measure": "wemwbs", "route": "primary_care", "baseline": "41.2", "target": "45"},
			map[string]any{"measure": "wemwbs", "route": "nhs_app", "baseline": "1040.0", "target": "44.5"},
		},
	})

	// Leaving every pair blank clears the targets.
	api.calls = nil
	post(t, h, "tok-applicant", "/applications/app1/sections/evaluation", url.Values{"evaluation": {"We will measure."}})
	wantBody(t, onlyCommand(t, api), map[string]any{"evaluation": "We will measure.", "targets": nil})
}

func TestARefusedTargetIsShownAgainstItsInput(t *testing.T) {
	api, h := targetsAPI(t, draftWithRoutes([]string{"primary_care", "nhs_app"}, nil))
	api.on("PATCH "+testApp, http.StatusUnprocessableEntity, invalid(
		fieldErr("targets[1].target", "must be between 14.0 and 70.0 points"),
		fieldErr("targets.gp_appts.primary_care", "needs a baseline and a target: GP appointments on route primary_care"),
	))
	w := post(t, h, "tok-applicant", "/applications/app1/sections/evaluation", url.Values{
		"evaluation":                           {"We will measure."},
		"targets.wemwbs.primary_care.baseline": {"41.2"}, "targets.wemwbs.primary_care.target": {"45"},
		"targets.wemwbs.nhs_app.baseline": {"40"}, "targets.wemwbs.nhs_app.target": {"80"},
	})
	wantHTML(t, w, http.StatusUnprocessableEntity,
		`<a href="#targets.wemwbs.nhs_app.target">Mental wellbeing (WEMWBS), to the public through the NHS App: target must be between 14.0 and 70.0 points</a>`,
		`<span class="nhsuk-error-message" id="targets.wemwbs.nhs_app.target-error">`,
		`nhsuk-input--error" id="targets.wemwbs.nhs_app.target" name="targets.wemwbs.nhs_app.target" type="text" inputmode="decimal" spellcheck="false" value="80" aria-describedby="targets.wemwbs.nhs_app.target-error"`,
		`<a href="#targets.gp_appts.primary_care.baseline">GP appointments, through primary care and public health needs a baseline`,
		`value="41.2"`, "We will measure.")
}

func TestATargetThatIsNotANumberIsCaughtByTheForm(t *testing.T) {
	api, h := targetsAPI(t, draftWithRoutes([]string{"primary_care"}, nil))
	w := post(t, h, "tok-applicant", "/applications/app1/sections/evaluation", url.Values{
		"targets.wemwbs.primary_care.baseline": {"about 40"}, "targets.wemwbs.primary_care.target": {"45"},
		"targets.gp_appts.primary_care.target": {"3.5"},
	})
	wantHTML(t, w, http.StatusUnprocessableEntity,
		`<a href="#targets.wemwbs.primary_care.baseline">Mental wellbeing (WEMWBS), through primary care and public health: baseline must be a decimal number`,
		`<a href="#targets.gp_appts.primary_care.baseline">Enter a baseline for GP appointments, through primary care and public health, or leave both blank`,
		`value="about 40"`)
	if len(api.commands()) != 0 {
		t.Fatalf("the form's own error reached the API: %+v", api.commands())
	}
}

func TestCheckAnswersListsTheTargets(t *testing.T) {
	_, h := targetsAPI(t, draftWithRoutes([]string{"primary_care"}, []any{
		map[string]any{"measure": "wemwbs", "route": "primary_care", "baseline": "41.2", "target": "45"},
	}))
	w := get(t, h, "tok-applicant", "/applications/app1/check")
	wantHTML(t, w, http.StatusOK,
		`<dt class="nhsuk-summary-list__key">Mental wellbeing (WEMWBS), through primary care and public health</dt>`,
		`id="targets.wemwbs.primary_care.baseline"><span>Baseline 41.2 points, target 45.0 points</span>`,
		`id="targets.gp_appts.primary_care.baseline"><span>Not answered</span>`,
		`href="/applications/app1/sections/evaluation">Change<span class="nhsuk-u-visually-hidden"> Mental wellbeing (WEMWBS), through primary care and public health</span>`)
}

func TestARefusedSubmissionLinksAMissingTarget(t *testing.T) {
	api, h := targetsAPI(t, draftWithRoutes([]string{"primary_care"}, nil))
	api.on("PATCH "+testApp, http.StatusOK, commandJSON("draft", appJSON(map[string]any{"status": "draft"})))
	api.on("POST "+testApp+"/submit", http.StatusUnprocessableEntity, invalid(
		fieldErr("targets.wemwbs.primary_care", "needs a baseline and a target: Mental wellbeing (WEMWBS) on route primary_care")))
	w := post(t, h, "tok-applicant", "/applications/app1/submit", url.Values{"sro_declaration": {"true"}})
	wantHTML(t, w, http.StatusUnprocessableEntity,
		`<a href="#targets.wemwbs.primary_care.baseline">Mental wellbeing (WEMWBS), through primary care and public health needs a baseline and a target`)
}
