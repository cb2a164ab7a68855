package web

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/form"
)

// reviewFund is a fund as GET /v1/funds/{id} gives it, with two criteria on
// different scales.
func reviewFund() map[string]any {
	return map[string]any{
		"id": "fund-1", "name": "Prevention Fund 2026", "sponsor": "NHS England", "status": "closed", "history": []any{},
		"budget": map[string]any{"total_pence": 50000000, "available_pence": 12000000, "reserved_pence": 8000000,
			"committed_pence": 30000000, "drawn_pence": 4500050},
		"awards": map[string]any{"count": 3, "max": 5}, "waitlist_length": 2,
		"definition": map[string]any{
			"id": "fund-1", "name": "Prevention Fund 2026", "sponsor": "NHS England", "pass_mark": 300,
			"total_pence": 50000000, "max_award_pence": 10000000, "max_awards": 5,
			"eligible_org_types": []any{"ICB"}, "eligible_nations": []any{"England"}, "milestones": []any{},
			"opens_at": "2026-01-05T09:00:00Z", "closes_at": "2026-03-31T17:00:00Z",
			"deployment_routes": []any{map[string]any{"id": "pharmacy", "title": "Community pharmacy"}},
			"criteria": []any{
				map[string]any{"id": "need", "title": "Local need", "guidance": "How well the need is evidenced.", "weight": 2,
					"scale": map[string]any{"min": 1, "max": 5, "labels": []string{"Poor", "Weak", "Satisfactory", "Good", "Excellent"}}},
				map[string]any{"id": "delivery", "title": "Delivery plan", "weight": 1, "scale": map[string]any{"min": 0, "max": 3}},
			},
		},
	}
}

// reviewApp is an application as staff see it, in status.
func reviewApp(status string) map[string]any {
	app := map[string]any{
		"id": "app-1", "fund_id": "fund-1", "org_code": "QUY", "org_name": "NHS Bristol ICB",
		"status": status, "status_label": humanize(status), "requested_pence": 8000000, "pass_mark": 300,
		"form_version": 1, "version": 3, "created_at": "2026-02-01T09:00:00Z", "actions": []any{},
		"content": map[string]any{
			"lead_contact":      map[string]any{"name": "Ana Lead", "email": "ana@example.nhs.uk", "role": "Programme lead"},
			"deployment_routes": []string{"pharmacy"}, "target_cohorts": []string{"type_2_diabetes"},
			"requested_pence": 8000000, "need": "High blood pressure\nin the east of the city.",
		},
		"eligibility": map[string]any{"automatic": "pass_with_caveats", "checked_at": "2026-03-01T10:00:00Z", "checks": []any{
			map[string]any{"rule": "organisation_type", "result": "pass", "reason": "an ICB"},
			map[string]any{"rule": "amount", "result": "pass_with_caveats", "reason": "close to the maximum"},
		}},
		"reviewers": []any{map[string]any{"id": "r1", "name": "Rae Viewer"}},
		"panel": map[string]any{"org_code": "QUY", "size": 1, "assignments": []any{
			map[string]any{"reviewer": map[string]any{"id": "r1", "name": "Rae Viewer"}, "assigned_at": "2026-03-02T09:00:00Z"}}},
		"queries": []any{}, "milestones": []any{}, "letters": []any{},
		"deadlines": map[string]any{"stage": status, "stage_due_at": "2030-01-15T17:00:00Z"},
	}
	maps.Copy(app, partnershipJSON(false))
	return app
}

// reviewerActions are what the API lists for the signed-in reviewer or
// chair at each status in these tests.
var reviewerActions = map[string][]string{
	"eligibility": {"eligibility_decision", "declare_conflict", "raise_query"},
	"assessment":  {"declare_conflict", "submit_assessment", "raise_query"},
	"panel":       {"raise_query", "panel_decision"},
}

func actionsJSON(names ...string) []any {
	out := []any{}
	for _, n := range names {
		out = append(out, map[string]any{"name": n})
	}
	return out
}

// reviewAPI is the application at status, with the caller's actions as
// given or, by default, reviewerActions.
func reviewAPI(t testing.TB, status string, actions ...string) *fakeAPI {
	api := newFakeAPI(t)
	app := reviewApp(status)
	if actions == nil {
		actions = reviewerActions[status]
	}
	app["actions"] = actionsJSON(actions...)
	api.on("GET /v1/applications/app-1", http.StatusOK, app)
	api.on("GET /v1/applications/app-1/timeline", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		map[string]any{"seq": 1, "at": "2026-03-01T10:00:00Z", "actor": "Ana Lead", "role": "applicant", "action": "submitted"},
	}})
	api.on("GET /v1/funds/fund-1", http.StatusOK, reviewFund())
	api.on("GET /v1/funds/fund-1/form", http.StatusOK, fundFormJSON("fund-1", 1, form.Seeded()))
	api.on("GET /v1/funds", http.StatusOK, map[string]any{"items": []any{reviewFund()}, "next_cursor": nil})
	return api
}

// flashOf is the confirmation a redirect leaves for the next page.
func flashOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == flashCookie {
			msg, _ := url.QueryUnescape(c.Value)
			return msg
		}
	}
	return ""
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func mustNotContain(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, s := range unwanted {
		if strings.Contains(body, s) {
			t.Errorf("page has %q", s)
		}
	}
}

func TestReviewQueueKeepsTheAPIsOrderAndFlagsOverdueWork(t *testing.T) {
	api := reviewAPI(t, "assessment")
	past, future := time.Now().Add(-48*time.Hour).UTC(), time.Now().Add(72*time.Hour).UTC()
	api.on("GET /v1/reviews", http.StatusOK, map[string]any{"next_cursor": "b2Zm", "items": []any{
		rowJSON(map[string]any{"id": "late", "fund_id": "fund-1", "org_code": "QOP", "status": "assessment", "status_label": "Assessment", "stage_due_at": past}),
		rowJSON(map[string]any{"id": "soon", "fund_id": "fund-1", "org_code": "QUY", "org_name": "NHS Bristol ICB", "status": "assessment", "status_label": "Assessment", "stage_due_at": future}),
	}})
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		rowJSON(map[string]any{"id": "new", "fund_id": "fund-1", "org_code": "7A1", "org_name": "Cardiff and Vale UHB", "status": "eligibility", "status_label": "Eligibility check", "stage_due_at": future}),
	}})
	h := newTestServer(t, api)

	w := get(t, h, "tok-reviewer", "/reviews")
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("queue: %d\n%s", w.Code, body)
	}
	// Nobody is assigned before eligibility, so any reviewer sees those.
	if i := strings.Index(body, "Waiting for an eligibility check"); i < 0 || !strings.Contains(body[i:], `href="/applications/new"`) {
		t.Errorf("applications awaiting eligibility must be listed for every reviewer")
	}
	if c := api.calls[len(api.calls)-1]; c.Path != "/v1/applications" || c.Query != "status=eligibility&limit=200" {
		t.Errorf("screening list read %s?%s", c.Path, c.Query)
	}
	late, soon := strings.Index(body, "QOP"), strings.Index(body, "NHS Bristol ICB")
	if late < 0 || soon < 0 || late > soon {
		t.Fatalf("rows must keep the API's order, overdue QOP first")
	}
	if n := strings.Count(body, ">Overdue</strong>"); n != 1 || !strings.Contains(body[late:soon], "Overdue") {
		t.Errorf("only the late row is overdue; %d overdue tags", n)
	}
	mustContain(t, body, "<h1 class=\"nhsuk-heading-l\">Your review queue</h1>", "Prevention Fund 2026", "Assessment",
		`href="/applications/late"`, `Open<span class="nhsuk-u-visually-hidden"> application late from QOP</span>`,
		`href="/reviews?cursor=b2Zm"`)

	api.on("GET /v1/reviews", http.StatusOK, map[string]any{"items": []any{}, "next_cursor": nil})
	mustContain(t, get(t, h, "tok-reviewer", "/reviews").Body.String(), "You have no applications to review.")
}

// buttons are the submit buttons and links of the staff page's forms.
var buttons = []string{"Record eligibility decision", "Declare conflict", "Score this application", "Send query", "Record decision"}

// The page offers the forms for the actions the API lists for the caller,
// and no others, whatever the role and status would suggest.
func TestStaffPageOffersEachRoleItsOwnForms(t *testing.T) {
	for _, tc := range []struct {
		token, status string
		actions       []string
		want          []string
	}{
		{"tok-reviewer", "eligibility", reviewerActions["eligibility"], []string{"Record eligibility decision", "Declare conflict", "Send query"}},
		{"tok-reviewer", "assessment", reviewerActions["assessment"], []string{"Declare conflict", "Score this application", "Send query"}},
		{"tok-reviewer", "assessment", []string{"declare_conflict"}, []string{"Declare conflict"}},
		{"tok-chair", "assessment", []string{"raise_query"}, []string{"Send query"}},
		{"tok-chair", "panel", reviewerActions["panel"], []string{"Send query", "Record decision"}},
		{"tok-chair", "panel", []string{}, nil},
		{"tok-pm", "panel", []string{}, nil},
		{"tok-chair", "waitlisted", []string{}, nil},
	} {
		h := newTestServer(t, reviewAPI(t, tc.status, tc.actions...))
		w := get(t, h, tc.token, "/applications/app-1")
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("%s at %s: %d\n%s", tc.token, tc.status, w.Code, body)
		}
		for _, b := range buttons {
			if got, want := strings.Contains(body, b), slices.Contains(tc.want, b); got != want {
				t.Errorf("%s at %s: %q shown %v, want %v", tc.token, tc.status, b, got, want)
			}
		}
		mustContain(t, body, "NHS Bristol ICB: application app-1", "Prevention Fund 2026", "£80,000",
			"High blood pressure\nin the east of the city.", "Community pharmacy", "Type 2 diabetes",
			"Organisation type", "Pass with caveats", "Not scored yet, against a pass mark of 3.00", "15 January 2030", "Submitted")
	}
}

func TestStaffPageShowsAssessmentsAndTheDecisionForm(t *testing.T) {
	api := reviewAPI(t, "panel")
	app := reviewApp("panel")
	app["weighted_score"] = 363
	app["actions"] = actionsJSON(reviewerActions["panel"]...)
	app["panel"].(map[string]any)["assessments"] = []any{map[string]any{
		"reviewer_id": "r1", "reviewer_name": "Rae Viewer", "feedback": "Strong plan.", "internal_comment": "Check the costs.",
		"submitted_at": "2026-03-02T10:00:00Z",
		"scores":       []any{map[string]any{"criterion_id": "need", "score": 4, "justification": "Clear local evidence of need."}},
	}}
	api.on("GET /v1/applications/app-1", http.StatusOK, app)
	body := get(t, newTestServer(t, api), "tok-chair", "/applications/app-1").Body.String()
	mustContain(t, body, "3.63, against a pass mark of 3.00", "Local need", "4 out of 5", "Clear local evidence of need.",
		"Strong plan.", "Check the costs.", `<section id="decision"`, `id="amount_pence" name="amount_pence" type="text" value="80000"`,
		`id="outcome"`, `id="outcome-2"`)
}

func TestStaffPageOfAnApplicationTheAPIDoesNotShowIsNotFound(t *testing.T) {
	h := newTestServer(t, newFakeAPI(t))
	w := get(t, h, "tok-reviewer", "/applications/nope")
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Page not found") {
		t.Fatalf("unknown application: %d", w.Code)
	}
}

func TestAssessmentFormLaysOutEachCriterionsScale(t *testing.T) {
	h := newTestServer(t, reviewAPI(t, "assessment"))
	body := get(t, h, "tok-reviewer", "/applications/app-1/assessment").Body.String()
	mustContain(t, body, "<h1 class=\"nhsuk-heading-l\">Score this application</h1>",
		"Local need (weight 2)", "How well the need is evidenced.",
		`id="scores[0].score" name="scores[0].score" type="radio" value="1"`, "3 – Satisfactory",
		`id="scores[0].score-5" name="scores[0].score" type="radio" value="5"`,
		`id="scores[1].score" name="scores[1].score" type="radio" value="0"`, `id="scores[1].justification"`,
		"The applicant will see this feedback", `id="internal_comment"`, "Submit scores")
}

func scoresForm() url.Values {
	return url.Values{
		"idempotency_key":         {"key-1"},
		"scores[0].score":         {"4"},
		"scores[0].justification": {"Clear local evidence of need."},
		"scores[1].score":         {"2"},
		"scores[1].justification": {"Plan lacks a timeline."},
		"feedback":                {"A strong case."},
		"internal_comment":        {"Costs look high."},
	}
}

func TestScoringSendsEveryScoreInTheFundsOrder(t *testing.T) {
	api := reviewAPI(t, "assessment")
	api.on("POST /v1/applications/app-1/assessments", http.StatusOK, commandJSON("assessment", reviewApp("assessment")))
	w := post(t, newTestServer(t, api), "tok-reviewer", "/applications/app-1/assessment", scoresForm())
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/reviews" || flashOf(t, w) != "Scores submitted" {
		t.Fatalf("scoring: %d to %q, flash %q", w.Code, w.Header().Get("Location"), flashOf(t, w))
	}
	cmds := api.commands()
	if len(cmds) != 1 || cmds[0].Path != "/v1/applications/app-1/assessments" || cmds[0].Key != "key-1" || cmds[0].Token != "tok-reviewer" {
		t.Fatalf("commands: %+v", cmds)
	}
	want := map[string]any{
		"scores": []any{
			map[string]any{"criterion_id": "need", "score": float64(4), "justification": "Clear local evidence of need."},
			map[string]any{"criterion_id": "delivery", "score": float64(2), "justification": "Plan lacks a timeline."},
		},
		"feedback": "A strong case.", "internal_comment": "Costs look high.",
	}
	if !reflect.DeepEqual(cmds[0].Body, want) {
		t.Fatalf("body %v\nwant %v", cmds[0].Body, want)
	}
}

func TestScoringRefusedKeepsEverythingTyped(t *testing.T) {
	api := reviewAPI(t, "assessment")
	api.on("POST /v1/applications/app-1/assessments", http.StatusUnprocessableEntity, map[string]any{
		"status": 422, "code": "validation_failed", "detail": "the assessment is invalid",
		"errors": []any{map[string]any{"field": "scores[1].justification", "message": "must explain the score in at least 20 characters"}},
	})
	form := scoresForm()
	form.Set("scores[1].justification", "Too short")
	w := post(t, newTestServer(t, api), "tok-reviewer", "/applications/app-1/assessment", form)
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused scoring: %d", w.Code)
	}
	mustContain(t, body, `<a href="#scores[1].justification">must explain the score in at least 20 characters</a>`,
		`id="scores[1].justification-error"`, ">Too short</textarea>", ">Clear local evidence of need.</textarea>",
		`value="4" checked`, `value="2" checked`, ">A strong case.</textarea>", ">Costs look high.</textarea>")
}

func TestScoringWithoutAScoreAsksForOneAndSendsNothing(t *testing.T) {
	api := reviewAPI(t, "assessment")
	form := scoresForm()
	form.Del("scores[1].score")
	w := post(t, newTestServer(t, api), "tok-reviewer", "/applications/app-1/assessment", form)
	if w.Code != http.StatusUnprocessableEntity || len(api.commands()) != 0 {
		t.Fatalf("missing score: %d, commands %+v", w.Code, api.commands())
	}
	mustContain(t, w.Body.String(), `<a href="#scores[1].score">Select a score for Delivery plan</a>`, ">Plan lacks a timeline.</textarea>")
}

func TestDecisionSendsPenceAndPassesOnAWaitlisting(t *testing.T) {
	api := reviewAPI(t, "panel")
	api.on("POST /v1/applications/app-1/decision", http.StatusOK, map[string]any{
		"status": "waitlisted", "version": 9, "reason": "all 5 awards of this fund are taken",
		"application": reviewApp("waitlisted"),
	})
	w := post(t, newTestServer(t, api), "tok-chair", "/applications/app-1/decision", url.Values{
		"idempotency_key": {"key-2"}, "outcome": {"approve"}, "amount_pence": {"80,000"},
		"conditions": {"Report quarterly\r\n\r\nName a clinical lead\r\n"}, "feedback": {"Well evidenced."},
	})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/applications/app-1" {
		t.Fatalf("decision: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if got := flashOf(t, w); !strings.Contains(got, "Waitlisted") || !strings.Contains(got, "all 5 awards of this fund are taken") {
		t.Errorf("flash %q must say it was waitlisted and why", got)
	}
	want := map[string]any{"outcome": "approve", "amount_pence": float64(8000000),
		"conditions": []any{"Report quarterly", "Name a clinical lead"}, "feedback": "Well evidenced."}
	if c := api.commands(); len(c) != 1 || c[0].Key != "key-2" || !reflect.DeepEqual(c[0].Body, want) {
		t.Fatalf("commands %+v\nwant body %v", c, want)
	}
}

func TestDecisionToRejectSendsNoAmount(t *testing.T) {
	api := reviewAPI(t, "panel")
	api.on("POST /v1/applications/app-1/decision", http.StatusOK, commandJSON("rejected", reviewApp("rejected")))
	w := post(t, newTestServer(t, api), "tok-chair", "/applications/app-1/decision", url.Values{
		"outcome": {"reject"}, "amount_pence": {"80000"}, "feedback": {"Not enough evidence."},
	})
	if w.Code != http.StatusSeeOther || flashOf(t, w) != "Decision recorded. Status: Rejected" {
		t.Fatalf("reject: %d, flash %q", w.Code, flashOf(t, w))
	}
	want := map[string]any{"outcome": "reject", "feedback": "Not enough evidence."}
	if c := api.commands(); len(c) != 1 || !reflect.DeepEqual(c[0].Body, want) {
		t.Fatalf("commands %+v", c)
	}
}

func TestDecisionRefusedKeepsTheFormAndLinksEachError(t *testing.T) {
	api := reviewAPI(t, "panel")
	h := newTestServer(t, api)

	w := post(t, h, "tok-chair", "/applications/app-1/decision", url.Values{"outcome": {"approve"}, "amount_pence": {"eighty"}})
	if w.Code != http.StatusUnprocessableEntity || len(api.commands()) != 0 {
		t.Fatalf("unreadable amount: %d, commands %+v", w.Code, api.commands())
	}
	mustContain(t, w.Body.String(), `<a href="#amount_pence">`, `id="amount_pence" name="amount_pence" type="text" value="eighty"`)

	api.on("POST /v1/applications/app-1/decision", http.StatusUnprocessableEntity, map[string]any{
		"status": 422, "code": "validation_failed", "detail": "the decision is invalid",
		"errors": []any{map[string]any{"field": "conditions[1]", "message": "conditions[1] must be 1 to 500 characters"}},
	})
	w = post(t, h, "tok-chair", "/applications/app-1/decision", url.Values{
		"outcome": {"approve"}, "amount_pence": {"70000"}, "conditions": {"One\nTwo"}, "feedback": {"Good."},
	})
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused decision: %d", w.Code)
	}
	mustContain(t, body, `<a href="#conditions">`, `id="conditions-error"`, ">One\nTwo</textarea>", `value="70000"`,
		`value="approve" checked`, ">Good.</textarea>")

	api.on("POST /v1/applications/app-1/decision", http.StatusConflict, map[string]any{
		"status": 409, "code": "invalid_state", "detail": "this cannot be done while the application's status is waitlisted"})
	w = post(t, h, "tok-chair", "/applications/app-1/decision", url.Values{"outcome": {"waitlist"}})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "this cannot be done while the application&#39;s status is waitlisted") {
		t.Fatalf("decision in the wrong state: %d", w.Code)
	}
}

func TestReviewerCommandsSendTheirBodies(t *testing.T) {
	for _, tc := range []struct {
		name, path, apiPath string
		form                url.Values
		want                map[string]any
		to                  string
	}{
		{"eligible", "/applications/app-1/eligibility", "/v1/applications/app-1/eligibility",
			url.Values{"decision": {"pass"}, "reason": {"Meets every rule."}},
			map[string]any{"decision": "pass", "reason": "Meets every rule."}, "/applications/app-1"},
		{"conflicted", "/applications/app-1/conflicts", "/v1/applications/app-1/conflicts",
			url.Values{"has_conflict": {"yes"}, "note": {"I advise this ICB."}},
			map[string]any{"has_conflict": true, "note": "I advise this ICB."}, "/reviews"},
		{"not conflicted", "/applications/app-1/conflicts", "/v1/applications/app-1/conflicts",
			url.Values{"has_conflict": {"no"}},
			map[string]any{"has_conflict": false}, "/applications/app-1"},
		{"query in the fund's time", "/applications/app-1/queries", "/v1/applications/app-1/queries",
			url.Values{"question": {"What is the budget split?"}, "respond_within": {""}},
			map[string]any{"question": "What is the budget split?"}, "/applications/app-1"},
		{"query in 10 days", "/applications/app-1/queries", "/v1/applications/app-1/queries",
			url.Values{"question": {"What is the budget split?"}, "respond_within": {"P10D"}},
			map[string]any{"question": "What is the budget split?", "respond_within": "P10D"}, "/applications/app-1"},
	} {
		api := reviewAPI(t, "eligibility")
		answer := commandJSON("assessment", reviewApp("assessment"))
		answer["respond_by"] = "2030-02-01T17:00:00Z"
		api.on("POST "+tc.apiPath, http.StatusOK, answer)
		w := post(t, newTestServer(t, api), "tok-reviewer", tc.path, tc.form)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tc.to || flashOf(t, w) == "" {
			t.Errorf("%s: %d to %q, flash %q", tc.name, w.Code, w.Header().Get("Location"), flashOf(t, w))
		}
		if c := api.commands(); len(c) != 1 || !reflect.DeepEqual(c[0].Body, tc.want) {
			t.Errorf("%s: commands %+v, want body %v", tc.name, c, tc.want)
		}
	}
}

func TestConflictWithoutAnAnswerIsNotSent(t *testing.T) {
	api := reviewAPI(t, "assessment")
	w := post(t, newTestServer(t, api), "tok-reviewer", "/applications/app-1/conflicts", url.Values{"note": {"Unsure"}})
	if w.Code != http.StatusUnprocessableEntity || len(api.commands()) != 0 {
		t.Fatalf("no answer: %d, commands %+v", w.Code, api.commands())
	}
	mustContain(t, w.Body.String(), `<a href="#has_conflict">`, `id="has_conflict" name="has_conflict"`, ">Unsure</textarea>")
}

func TestEligibilityRefusedShowsTheAPIsErrorsBesideTheForm(t *testing.T) {
	api := reviewAPI(t, "eligibility")
	api.on("POST /v1/applications/app-1/eligibility", http.StatusUnprocessableEntity, map[string]any{
		"status": 422, "code": "validation_failed", "detail": "the eligibility decision is invalid",
		"errors": []any{map[string]any{"field": "decision", "message": "must be pass or fail"}},
	})
	w := post(t, newTestServer(t, api), "tok-reviewer", "/applications/app-1/eligibility", url.Values{"reason": {"Looks fine"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused eligibility: %d", w.Code)
	}
	mustContain(t, w.Body.String(), `<a href="#decision">must be pass or fail</a>`, `id="decision-error"`, ">Looks fine</textarea>")
}

func TestPanelShowsTheBudgetAndTheRanking(t *testing.T) {
	api := reviewAPI(t, "panel")
	draft := fundJSON("fund-0", "Draft Fund", "draft", nil)
	api.on("GET /v1/funds", http.StatusOK, map[string]any{"items": []any{draft, reviewFund()}, "next_cursor": nil})
	api.on("GET /v1/funds/fund-1/panel", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		rowJSON(map[string]any{"id": "best", "reference": "PF-0001", "fund_id": "fund-1", "org_code": "QOP", "org_name": "NHS Greater Manchester ICB", "status": "panel", "status_label": "Panel", "requested_pence": 7500000, "weighted_score": 412,
			"targets": []any{map[string]any{"measure": "wemwbs", "route": "nhs_app", "baseline": "41", "target": "45.5"}}}),
		rowJSON(map[string]any{"id": "next", "fund_id": "fund-1", "org_code": "QUY", "status": "panel", "status_label": "Panel", "requested_pence": 8000000, "weighted_score": 305}),
	}})
	h := newTestServer(t, api)
	w := get(t, h, "tok-chair", "/panel")
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("panel: %d\n%s", w.Code, body)
	}
	mustContain(t, body, `<option value="fund-1" selected>`, "£500,000", "£120,000", "£80,000", "£300,000", "£45,000.50",
		"3 of 5 used", "2 applications", "The pass mark is 3.00", "4.12", "3.05", "£75,000",
		`<td class="nhsuk-table__cell">PF-0001<br><span class="nhsuk-body-s">NHS Greater Manchester ICB</span></td>`,
		`<a href="/applications/PF-0001#decision">Decide<span class="nhsuk-u-visually-hidden"> on application PF-0001 from NHS Greater Manchester ICB</span></a>`)
	if strings.Index(body, "NHS Greater Manchester ICB") > strings.Index(body, ">QUY<") {
		t.Error("the ranking must keep the API's order, best first")
	}
	// Each application's targets sit beside its score; one that set none
	// says so.
	mustContain(t, body, `<th class="nhsuk-table__header" scope="col">Outcome targets</th>`, "<li>wemwbs, nhs_app: 41 to 45.5</li>", "None set")

}
