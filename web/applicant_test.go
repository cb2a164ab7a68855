package web

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/form"
)

const testApp = "/v1/applications/app1"

func testFundJSON() map[string]any {
	return map[string]any{
		"id": "pif", "name": "Prevention Innovation Fund", "sponsor": "NHS England", "status": "open",
		"budget":  budgetJSON(50_000_000, 50_000_000),
		"awards":  map[string]any{"count": 0, "max": 10},
		"history": []any{}, "waitlist_length": 0,
		"definition": map[string]any{
			"id": "pif", "name": "Prevention Innovation Fund", "sponsor": "NHS England",
			"total_pence": 50_000_000, "max_award_pence": 8_000_000, "max_awards": 10,
			"eligible_org_types": []any{"ICB"}, "eligible_nations": []any{"England"}, "criteria": []any{},
			"opens_at": "2026-04-01T08:00:00Z", "closes_at": "2026-09-30T22:59:59Z",
			"deployment_routes": []any{
				map[string]any{"id": "primary_care", "title": "Through primary care and public health"},
				map[string]any{"id": "nhs_app", "title": "To the public through the NHS App"},
			},
			"milestones": []any{
				map[string]any{"id": "ig", "title": "IG approvals", "due_after": "P30D", "drawdown_share_bp": 2500},
				map[string]any{"id": "live", "title": "Go-live", "due_after": "P12W", "drawdown_share_bp": 7500},
			},
		},
	}
}

// appJSON is application app1 as the API shows it to its applicant, with
// fields replaced or added by extra.
func appJSON(extra map[string]any) map[string]any {
	a := map[string]any{
		"id": "app1", "fund_id": "pif", "org_code": "QUY", "status": "draft", "status_label": "Draft",
		"content": map[string]any{}, "form_version": 1, "requested_pence": 0, "version": 1,
		"queries": []any{}, "milestones": []any{}, "letters": []any{},
		"deadlines": map[string]any{}, "created_at": "2026-05-01T09:00:00Z",
	}
	maps.Copy(a, partnershipJSON(true))
	for k, v := range extra {
		a[k] = v
	}
	if _, ok := a["actions"]; !ok {
		a["actions"] = applicantActions[a["status"].(string)]
	}
	return a
}

// applicantActions are what the API lists for the applicant at each
// status in these tests, unless a test says otherwise.
var applicantActions = map[string][]any{
	"draft":                 actionsJSON("save_draft", "submit", "withdraw"),
	"awaiting_sign_off":     actionsJSON("save_draft", "withdraw"),
	"submitted":             actionsJSON("withdraw"),
	"information_requested": append(actionsJSON("withdraw"), map[string]any{"name": "answer_query", "query_id": "q1"}),
	"offered":               actionsJSON("accept_offer", "decline_offer", "withdraw"),
	"in_deployment":         {map[string]any{"name": "submit_evidence", "milestone_id": "live"}},
}

// applicantAPI is a fake API holding app1 and its fund.
func applicantAPI(t testing.TB, app map[string]any) (*fakeAPI, http.Handler) {
	api := newFakeAPI(t)
	api.on("GET /v1/funds/pif", http.StatusOK, testFundJSON())
	api.on("GET /v1/funds", http.StatusOK, map[string]any{"items": []any{testFundJSON()}, "next_cursor": nil})
	api.on("GET "+testApp, http.StatusOK, app)
	api.on("GET /v1/funds/pif/form", http.StatusOK, fundFormJSON("pif", 1, form.Seeded()))
	api.on("GET "+testApp+"/timeline", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		map[string]any{"seq": 1, "at": "2026-05-01T09:00:00Z", "actor": "Ana Lead", "role": "applicant", "action": "created"},
	}})
	return api, newTestServer(t, api)
}

func invalid(errs ...map[string]any) map[string]any {
	return map[string]any{"status": 422, "code": "validation_failed", "detail": "the application has invalid fields", "errors": errs}
}

func fieldErr(field, msg string) map[string]any {
	return map[string]any{"field": field, "message": msg}
}

// wantRedirect checks a post/redirect/get with its confirmation.
func wantRedirect(t *testing.T, w *httptest.ResponseRecorder, to, flash string) {
	t.Helper()
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != to {
		t.Fatalf("got %d to %q, want 303 to %q\n%s", w.Code, w.Header().Get("Location"), to, w.Body.String())
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == flashCookie {
			if got, _ := url.QueryUnescape(c.Value); got != flash {
				t.Fatalf("flash %q, want %q", got, flash)
			}
			return
		}
	}
	t.Fatalf("no flash, want %q", flash)
}

// onlyCommand is the one command a post sent to the API.
func onlyCommand(t *testing.T, api *fakeAPI) fakeCall {
	t.Helper()
	cmds := api.commands()
	if len(cmds) != 1 {
		t.Fatalf("commands %+v, want exactly one", cmds)
	}
	return cmds[0]
}

func wantBody(t *testing.T, c fakeCall, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(c.Body, want) {
		t.Fatalf("%s %s body\n got %#v\nwant %#v", c.Method, c.Path, c.Body, want)
	}
}

func wantHTML(t *testing.T, w *httptest.ResponseRecorder, status int, parts ...string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d\n%s", w.Code, status, w.Body.String())
	}
	lacking := false
	for _, p := range parts {
		if !strings.Contains(w.Body.String(), p) {
			t.Errorf("page lacks %q", p)
			lacking = true
		}
	}
	if lacking {
		t.Log(w.Body.String())
	}
}

func TestApplicantSeesTheirApplicationsAndStartsOne(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		rowJSON(map[string]any{"id": "app1", "reference": "PIF-0007", "status_label": "Application received", "requested_pence": 7_500_000}),
	}})
	w := get(t, h, "tok-applicant", "/applications")
	wantHTML(t, w, http.StatusOK, "<h1 class=\"nhsuk-heading-l\">Your applications</h1>", "Application received", "£75,000",
		`<td class="nhsuk-table__cell">PIF-0007</td>`,
		`href="/applications/PIF-0007">View<span class="nhsuk-u-visually-hidden"> application PIF-0007 to Prevention Innovation Fund`,
		`<select class="nhsuk-select" id="fund_id" name="fund_id"`, `<option value="pif"`, "Start application")
	if strings.Contains(w.Body.String(), ">Filter<") {
		t.Error("an applicant does not filter")
	}

	api.on("POST /v1/applications", http.StatusCreated, appJSON(map[string]any{"id": "app2"}))
	w = post(t, h, "tok-applicant", "/applications", url.Values{"fund_id": {"pif"}, "idempotency_key": {"k-start"}})
	wantRedirect(t, w, "/applications/app2", "Application started")
	c := onlyCommand(t, api)
	wantBody(t, c, map[string]any{"fund_id": "pif"})
	if c.Key != "k-start" {
		t.Fatalf("Idempotency-Key %q, want the form's", c.Key)
	}
}

func TestStartingASecondApplicationShowsTheRefusal(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"items": []any{}, "next_cursor": nil})
	api.on("POST /v1/applications", http.StatusConflict, map[string]any{"status": 409, "code": "conflict",
		"detail": "your organisation already has a live application to this fund"})
	w := post(t, h, "tok-applicant", "/applications", url.Values{"fund_id": {"pif"}})
	wantHTML(t, w, http.StatusConflict, "There is a problem", "Your organisation already has a live application to this fund")
}

func TestStaffListFiltersAndPages(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"next_cursor": "c2", "items": []any{
		rowJSON(map[string]any{"id": "app1", "org_name": "NHS Bristol ICB", "status": "eligibility", "status_label": "Eligibility screening"}),
	}})
	w := get(t, h, "tok-reviewer", "/applications?fund_id=pif&status=eligibility&cursor=c1")
	wantHTML(t, w, http.StatusOK, "NHS Bristol ICB", "Eligibility screening", ">Filter<",
		`href="/applications?cursor=c2&amp;fund_id=pif&amp;status=eligibility">Next page`)
	if strings.Contains(w.Body.String(), "Start application") {
		t.Error("staff do not start applications")
	}
	var q string
	for _, c := range api.calls {
		if c.Path == "/v1/applications" {
			q = c.Query
		}
	}
	if got, _ := url.ParseQuery(q); got.Encode() != "cursor=c1&fund_id=pif&status=eligibility" {
		t.Fatalf("list query %q, want cursor=c1, fund_id=pif and status=eligibility", q)
	}
}

func TestTaskListShowsEachSectionsProgress(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{"content": map[string]any{
		"lead_contact":       map[string]any{"name": "Ana Lead", "email": "ana@nhs.net", "role": "Director"},
		"sro":                map[string]any{"name": "Sam Officer", "role": "Chief executive"},
		"population_covered": 1_000_000, "target_cohorts": []string{"obesity"},
		"requested_pence": 0, "need": "",
	}}))
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "Prevention Innovation Fund", `href="/applications/app1/check">Check your answers and submit`,
		`href="/applications/app1/withdraw">Withdraw`)
	for title, status := range map[string]string{"Contacts": "Completed", "Population and reach": "Incomplete",
		"Funding requested": "Not started", "Information governance": "Not started"} {
		re := regexp.MustCompile(`>` + regexp.QuoteMeta(title) + `</a>\s*</div>\s*<div class="nhsuk-task-list__status"[^>]*>\s*<strong[^>]*>` + status + `<`)
		if !re.MatchString(w.Body.String()) {
			t.Errorf("%s should be %s", title, status)
		}
	}
}

func TestSavingASectionSendsOnlyItsFields(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("PATCH "+testApp, http.StatusOK, commandJSON("draft", appJSON(map[string]any{"status": "draft"})))
	w := post(t, h, "tok-applicant", "/applications/app1/sections/contacts", url.Values{
		"lead_contact.name": {" Ana Lead "}, "lead_contact.email": {"ana@nhs.net"}, "lead_contact.role": {""},
		"sro.name": {"Sam Officer"}, "sro.role": {""},
	})
	wantRedirect(t, w, "/applications/app1", "Section saved")
	wantBody(t, onlyCommand(t, api), map[string]any{
		"lead_contact": map[string]any{"name": "Ana Lead", "email": "ana@nhs.net", "role": nil},
		"sro":          map[string]any{"name": "Sam Officer", "role": nil},
	})

	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/sections/reach", url.Values{
		"population_covered": {"1,200,000"}, "planned_reach": {""},
		"target_cohorts": {"obesity", "hypertension"},
	})
	wantRedirect(t, w, "/applications/app1", "Section saved")
	wantBody(t, onlyCommand(t, api), map[string]any{
		"population_covered": float64(1_200_000), "planned_reach": nil,
		"target_cohorts": []any{"obesity", "hypertension"}, "deployment_routes": nil,
	})

	api.calls = nil
	post(t, h, "tok-applicant", "/applications/app1/sections/funding", url.Values{"requested_pence": {"£75,000.50"}})
	wantBody(t, onlyCommand(t, api), map[string]any{"requested_pence": float64(7_500_050)})
}

func TestASectionShowsTheSavedAnswers(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{"content": map[string]any{
		"population_covered": 250000, "deployment_routes": []string{"nhs_app"}, "requested_pence": 7_500_050, "dpia_status": "in_progress",
	}}))
	w := get(t, h, "tok-applicant", "/applications/app1/sections/reach")
	wantHTML(t, w, http.StatusOK, `id="population_covered" name="population_covered"`, `value="250000"`,
		`id="deployment_routes" name="deployment_routes" type="checkbox" value="primary_care">`,
		`id="deployment_routes-2" name="deployment_routes" type="checkbox" value="nhs_app" checked>`,
		"To the public through the NHS App", `id="target_cohorts" name="target_cohorts" type="checkbox" value="hypertension"`,
		"Save and continue")
	w = get(t, h, "tok-applicant", "/applications/app1/sections/funding")
	wantHTML(t, w, http.StatusOK, `value="75000.50"`, "up to £80,000")
	w = get(t, h, "tok-applicant", "/applications/app1/sections/governance")
	wantHTML(t, w, http.StatusOK, `value="in_progress" checked>`, `data-maxlength="3000"`)
}

func TestARefusedSaveKeepsTheInputAndLinksTheErrors(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("PATCH "+testApp, http.StatusUnprocessableEntity, invalid(
		fieldErr("lead_contact.email", "must be an email address such as name@nhs.net"),
		fieldErr("requested_pence", "must be at most 8000000 (£80,000.00), the fund's maximum award"),
	))
	w := post(t, h, "tok-applicant", "/applications/app1/sections/contacts", url.Values{
		"lead_contact.name": {"Ana Lead"}, "lead_contact.email": {"not-an-email"},
	})
	wantHTML(t, w, http.StatusUnprocessableEntity,
		`<a href="#lead_contact.email">Lead contact email must be an email address such as name@nhs.net</a>`,
		`value="not-an-email"`, `value="Ana Lead"`, `id="lead_contact.email-error"`,
		// The API checks the whole draft; an answer on another page is named but not linked.
		`<li>Amount requested must be at most 8000000`)
}

func TestAWholeNumberThatIsNotANumberIsCaughtByTheForm(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	w := post(t, h, "tok-applicant", "/applications/app1/sections/reach", url.Values{"population_covered": {"lots"}, "planned_reach": {"12.5"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#population_covered">Population covered must be a whole number`,
		`<a href="#planned_reach">Planned reach must be a whole number`, `value="lots"`)
	if len(api.commands()) != 0 {
		t.Fatalf("the form's own error reached the API: %+v", api.commands())
	}
}

func TestAnUnknownSectionIsNotFound(t *testing.T) {
	_, h := applicantAPI(t, appJSON(nil))
	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/sections/budget"), http.StatusNotFound, "Page not found")
}

func TestASubmittedApplicationsFormIsClosed(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{"status": "submitted"}))
	for _, p := range []string{"/applications/app1/sections/need", "/applications/app1/check"} {
		if w := get(t, h, "tok-applicant", p); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/applications/app1" {
			t.Errorf("%s: %d to %q, want the application's page", p, w.Code, w.Header().Get("Location"))
		}
	}
}

func TestCheckAnswersShowsEveryAnswer(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{"content": map[string]any{
		"population_covered": 1_200_000, "target_cohorts": []string{"type_2_diabetes"}, "requested_pence": 7_500_000,
		"need": "Many people\nneed help", "dtac_status": "complete",
	}}))
	w := get(t, h, "tok-applicant", "/applications/app1/check")
	wantHTML(t, w, http.StatusOK, `id="population_covered"><span>1,200,000</span>`,
		`id="target_cohorts"><span class="app-pre-line">Type 2 diabetes</span>`, `id="requested_pence"><span>£75,000</span>`,
		"Many people\nneed help", `id="dtac_status"><span>Complete</span>`, `id="lead_contact.name"><span>Not answered</span>`,
		`href="/applications/app1/sections/reach">Change<span class="nhsuk-u-visually-hidden"> Population covered</span>`,
		`id="sro_declaration" name="sro_declaration" type="checkbox" value="true">`, "Submit application")
}

func TestSubmittingShowsTheAPIsErrorsOnTheCheckPage(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("PATCH "+testApp, http.StatusOK, commandJSON("draft", appJSON(nil)))
	api.on("POST "+testApp+"/submit", http.StatusUnprocessableEntity, invalid(
		fieldErr("need", "is required"), fieldErr("deployment_routes[1]", "repeats deployment_routes[0]"),
	))
	w := post(t, h, "tok-applicant", "/applications/app1/submit", url.Values{"sro_declaration": {"true"}, "idempotency_key": {"k-submit"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#need">Need is required</a>`,
		`<a href="#deployment_routes">Deployment routes (item 2) repeats deployment_routes[0]</a>`,
		`id="need"><span class="nhsuk-error-message" id="need-error">`,
		`value="true" checked>`)
	cmds := api.commands()
	if len(cmds) != 2 || cmds[0].Method != http.MethodPatch || cmds[1].Path != testApp+"/submit" || cmds[1].Key != "k-submit" {
		t.Fatalf("commands %+v: want the declaration PATCH, then the submit with the form's key", cmds)
	}
	wantBody(t, cmds[0], map[string]any{"sro_declaration": true})

	api.calls = nil
	api.on("POST "+testApp+"/submit", http.StatusOK, commandJSON("submitted", appJSON(map[string]any{"status": "submitted"})))
	w = post(t, h, "tok-applicant", "/applications/app1/submit", url.Values{})
	wantRedirect(t, w, "/applications/app1", "Application submitted")
	wantBody(t, api.commands()[0], map[string]any{"sro_declaration": false})
}

func TestTheStatusPageShowsWhereTheApplicationStands(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{
		"status": "offered", "status_label": "Offer made", "requested_pence": 8_000_000, "submitted_at": "2026-05-02T09:00:00Z",
		"deadlines":          map[string]any{"offer_accept_by": "2026-06-15T22:59:59Z"},
		"offer":              map[string]any{"amount_pence": 7_500_000, "reserved_at": "2026-06-01T09:00:00Z", "accept_by": "2026-06-15T22:59:59Z"},
		"eligibility_checks": []any{map[string]any{"rule": "org_valid", "result": "pass", "reason": "QUY is valid"}},
		"decision":           map[string]any{"outcome": "approve", "amount_pence": 7_500_000, "feedback": "Strong plan", "at": "2026-06-01T09:00:00Z"},
		"letters":            []any{map[string]any{"ref": "L-1", "kind": "offer", "revision": 1, "issued_at": "2026-06-01T09:00:00Z", "sha256": testSHA256}},
	}))
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "Offer made", `href="/applications/app1/offer">View your offer</a>`, "15 June 2026 at 11:59pm",
		"QUY is valid", "Strong plan", `href="/letters/L-1"`, "Withdraw this application", "Timeline")
}

func TestAnOpenQueryIsAnsweredFromTheStatusPage(t *testing.T) {
	api, h := applicantAPI(t, appJSON(map[string]any{
		"status": "information_requested", "status_label": "Further information requested",
		"queries": []any{map[string]any{"id": "q1", "question": "How many GP practices?", "asked_at": "2026-05-03T09:00:00Z",
			"asked_by": actorJSON("reviewer", "Reviewer", "reviewer"), "respond_by": "2026-05-10T09:00:00Z", "outcome": "open"}},
		"documents": []any{docJSON("d1", "Practice list.csv", "", "clean")},
	}))
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "How many GP practices?", `action="/applications/app1/queries/q1/answer"`, `id="answer" name="answer"`, "Send answer",
		"Files to send with your answer", `id="documents" name="documents" type="checkbox" value="d1">`)

	api.on("POST "+testApp+"/queries/q1/answer", http.StatusUnprocessableEntity, invalid(fieldErr("answer", "is required")))
	w = post(t, h, "tok-applicant", "/applications/app1/queries/q1/answer", url.Values{"answer": {"  "}, "documents": {"d1"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#answer">Your answer is required</a>`, `value="d1" checked>`)

	api.calls = nil
	api.on("POST "+testApp+"/queries/q1/answer", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w = post(t, h, "tok-applicant", "/applications/app1/queries/q1/answer", url.Values{"answer": {"Forty"}, "documents": {"d1"}, "idempotency_key": {"k-a"}})
	wantRedirect(t, w, "/applications/app1", "Answer sent")
	wantBody(t, onlyCommand(t, api), map[string]any{"answer": "Forty", "documents": []any{"d1"}})
}

func TestMilestonesOfferTheActionsTheirStatusAllows(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{
		"status": "in_deployment", "status_label": "In deployment",
		"milestones": []any{
			map[string]any{"id": "ig", "title": "IG approvals", "due_at": "2026-07-01T22:59:59Z", "drawdown_pence": 2_000_000, "status": "verified"},
			map[string]any{"id": "live", "title": "Go-live", "due_at": "2026-09-01T22:59:59Z", "drawdown_pence": 6_000_000, "status": "returned",
				"extensions": []any{map[string]any{"from_due_at": "2026-09-01T22:59:59Z", "new_due_at": "2026-10-01T22:59:59Z", "reason": "Supplier delay",
					"requested_by": actorJSON("a1", "Ana Lead", "applicant"), "requested_at": "2026-08-01T09:00:00Z"}}},
		},
	}))
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "IG approvals", "£60,000",
		`href="/applications/app1/milestones/live/evidence">Submit evidence<span class="nhsuk-u-visually-hidden"> for Go-live</span>`,
		"Extension requested")
	for _, no := range []string{"milestones/ig/evidence", "milestones/ig/extension", "milestones/live/extension"} {
		if strings.Contains(w.Body.String(), no) {
			t.Errorf("page links to %s", no)
		}
	}
}

func offeredApp() map[string]any {
	return appJSON(map[string]any{
		"status": "offered", "status_label": "Offer made",
		"offer":   map[string]any{"amount_pence": 8_000_000, "conditions": []string{"Report quarterly"}, "reserved_at": "2026-06-01T09:00:00Z", "accept_by": "2026-06-15T22:59:59Z"},
		"letters": []any{map[string]any{"ref": "OFF-1", "kind": "offer", "revision": 1, "issued_at": "2026-06-01T09:00:00Z", "sha256": testSHA256}},
	})
}

func TestTheOfferPageShowsTheOffer(t *testing.T) {
	_, h := applicantAPI(t, offeredApp())
	w := get(t, h, "tok-applicant", "/applications/app1/offer")
	wantHTML(t, w, http.StatusOK, "£80,000", "eighty thousand pounds", "Report quarterly", "15 June 2026 at 11:59pm",
		`<a href="/letters/OFF-1">Read your offer letter (PDF)</a>`, "IG approvals", "30 days after you accept", "84 days after you accept", "25%",
		`id="signatory_name"`, `id="signatory_role"`, "Accept offer", `id="reason"`, "Decline offer")
	keys := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindAllStringSubmatch(w.Body.String(), -1)
	if len(keys) != 2 || keys[0][1] == keys[1][1] {
		t.Fatalf("accept and decline need their own Idempotency-Keys: %v", keys)
	}

	_, h = applicantAPI(t, appJSON(nil))
	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/offer"), http.StatusNotFound, "Page not found")
}

// While the offer letter is being written the API lists decline_offer but
// not accept_offer, and the page says why there is nothing to accept yet.
func TestAnOfferAwaitingItsLetterCannotBeAcceptedYet(t *testing.T) {
	app := offeredApp()
	app["letters"], app["actions"] = []any{}, actionsJSON("decline_offer", "withdraw")
	_, h := applicantAPI(t, app)
	w := get(t, h, "tok-applicant", "/applications/app1/offer")
	wantHTML(t, w, http.StatusOK, "Your offer letter is being prepared", "Decline offer")
	if strings.Contains(w.Body.String(), "Accept offer") {
		t.Error("the page offers to accept before the letter exists")
	}
}

// A status page offers nothing the API does not list: no withdrawal, no
// answer form, even with a query open.
func TestTheStatusPageOffersOnlyTheListedActions(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{
		"status": "information_requested", "status_label": "Further information requested", "actions": []any{},
		"queries": []any{map[string]any{"id": "q1", "question": "How many GP practices?", "asked_at": "2026-05-03T09:00:00Z",
			"asked_by": actorJSON("reviewer", "Reviewer", "reviewer"), "respond_by": "2026-05-10T09:00:00Z", "outcome": "open"}},
	}))
	body := get(t, h, "tok-applicant", "/applications/app1").Body.String()
	for _, no := range []string{"Withdraw this application", "Send answer"} {
		if strings.Contains(body, no) {
			t.Errorf("page offers %q", no)
		}
	}
}

func TestAcceptingTheOfferPostsTheSignatory(t *testing.T) {
	api, h := applicantAPI(t, offeredApp())
	api.on("POST "+testApp+"/offer/accept", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w := post(t, h, "tok-applicant", "/applications/app1/offer/accept", url.Values{
		"signatory_name": {"Sam Officer"}, "signatory_role": {"Chief executive"}, "idempotency_key": {"k-accept"},
	})
	wantRedirect(t, w, "/applications/app1", "Offer accepted")
	c := onlyCommand(t, api)
	wantBody(t, c, map[string]any{"signatory_name": "Sam Officer", "signatory_role": "Chief executive"})
	if c.Key != "k-accept" {
		t.Fatalf("Idempotency-Key %q, want k-accept", c.Key)
	}

	api.on("POST "+testApp+"/offer/decline", http.StatusUnprocessableEntity, invalid(fieldErr("reason", "must be 1 to 2000 characters")))
	w = post(t, h, "tok-applicant", "/applications/app1/offer/decline", url.Values{"reason": {""}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#reason">Your reason must be 1 to 2000 characters</a>`)
}

func deployingApp() map[string]any {
	return appJSON(map[string]any{
		"status": "in_deployment", "status_label": "In deployment",
		"milestones": []any{map[string]any{"id": "live", "title": "Go-live", "due_at": "2026-09-01T22:59:59Z", "drawdown_pence": 6_000_000,
			"status": "pending", "evidence_required": []string{"Go-live date", "Screenshots"}}},
	})
}

func TestEvidenceMetricsAreReadAsWholeNumbers(t *testing.T) {
	api, h := applicantAPI(t, deployingApp())
	w := get(t, h, "tok-applicant", "/applications/app1/milestones/live/evidence")
	wantHTML(t, w, http.StatusOK, "Go-live", "Screenshots", `id="summary"`, `id="metric_name_3"`, `id="metric_value_3"`, `id="links"`, "Submit evidence")

	api.on("POST "+testApp+"/milestones/live/evidence", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w = post(t, h, "tok-applicant", "/applications/app1/milestones/live/evidence", url.Values{
		"summary":       {"Live in 40 practices"},
		"metric_name_1": {"People onboarded"}, "metric_value_1": {"1,250"},
		"metric_name_2": {""}, "metric_value_2": {""},
		"metric_name_3": {"Practices"}, "metric_value_3": {"40"},
		"links":           {"https://example.nhs.uk/report\r\n\r\n  https://example.nhs.uk/photos  \r\n"},
		"idempotency_key": {"k-ev"},
	})
	wantRedirect(t, w, "/applications/app1", "Evidence submitted")
	c := onlyCommand(t, api)
	wantBody(t, c, map[string]any{
		"summary": "Live in 40 practices",
		"metrics": map[string]any{"People onboarded": float64(1250), "Practices": float64(40)},
		"links":   []any{"https://example.nhs.uk/report", "https://example.nhs.uk/photos"},
	})
	if c.Key != "k-ev" {
		t.Fatalf("Idempotency-Key %q", c.Key)
	}

	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/milestones/live/evidence", url.Values{
		"summary": {"Done"}, "metric_name_1": {"People"}, "metric_value_1": {"many"}, "metric_name_2": {""}, "metric_value_2": {"3"},
	})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#metric_value_1">The value for People must be a whole number`,
		`<a href="#metric_name_2">Enter a name for metric 2</a>`, `value="many"`, `>Done</textarea>`)
	if len(api.commands()) != 0 {
		t.Fatalf("the form's own errors reached the API: %+v", api.commands())
	}

	api.on("POST "+testApp+"/milestones/live/evidence", http.StatusUnprocessableEntity, invalid(
		fieldErr("links[1]", "must be an http or https URL of at most 2000 characters"), fieldErr("metrics", "must be at most 50")))
	w = post(t, h, "tok-applicant", "/applications/app1/milestones/live/evidence", url.Values{"summary": {"Done"}, "links": {"https://a.nhs.uk\nnot a link"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#links">Links (item 2) must be an http or https URL`,
		`<a href="#metric_name_1">Metrics must be at most 50</a>`, "not a link")
}

func TestAnExtensionDateIsTheEndOfThatDayInLondon(t *testing.T) {
	api, h := applicantAPI(t, deployingApp())
	w := get(t, h, "tok-applicant", "/applications/app1/milestones/live/extension")
	wantHTML(t, w, http.StatusOK, `id="new_due_at" name="new_due_at-day"`, `id="new_due_at-month"`, `id="new_due_at-year"`, "Request extension")

	api.on("POST "+testApp+"/milestones/live/extension", http.StatusOK, commandJSON("draft", appJSON(nil)))
	for _, tc := range []struct{ day, month, year, want string }{
		{"30", "6", "2026", "2026-06-30T22:59:59Z"}, // British Summer Time
		{"15", "01", "2027", "2027-01-15T23:59:59Z"},
	} {
		api.calls = nil
		w = post(t, h, "tok-applicant", "/applications/app1/milestones/live/extension", url.Values{
			"new_due_at-day": {tc.day}, "new_due_at-month": {tc.month}, "new_due_at-year": {tc.year}, "reason": {"Supplier delay"},
		})
		wantRedirect(t, w, "/applications/app1", "Extension requested")
		wantBody(t, onlyCommand(t, api), map[string]any{"new_due_at": tc.want, "reason": "Supplier delay"})
	}

	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/milestones/live/extension", url.Values{
		"new_due_at-day": {"31"}, "new_due_at-month": {"2"}, "new_due_at-year": {"2027"}, "reason": {"Supplier delay"},
	})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#new_due_at">The new due date must be a real date`, `value="31"`, "Supplier delay")
	if len(api.commands()) != 0 {
		t.Fatalf("an impossible date reached the API: %+v", api.commands())
	}
}

func TestWithdrawingPostsTheReason(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/withdraw"), http.StatusOK, `id="reason"`, "Withdraw application")
	api.on("POST "+testApp+"/withdraw", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w := post(t, h, "tok-applicant", "/applications/app1/withdraw", url.Values{"reason": {"Merged with another bid"}})
	wantRedirect(t, w, "/applications/app1", "Application withdrawn")
	wantBody(t, onlyCommand(t, api), map[string]any{"reason": "Merged with another bid"})
}

func TestAnotherOrganisationsApplicationIsNotFound(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("GET "+testApp, http.StatusNotFound, map[string]any{"status": 404, "code": "not_found", "detail": `no application "app1"`})
	for _, p := range []string{"/applications/app1", "/applications/app1/sections/need", "/applications/app1/check",
		"/applications/app1/offer", "/applications/app1/milestones/live/evidence"} {
		wantHTML(t, get(t, h, "tok-other-org", p), http.StatusNotFound, "Page not found")
	}
}

func TestAnswerAndNumberHelpers(t *testing.T) {
	for bp, want := range map[int]string{2500: "25%", 3333: "33.33%", 5: "0.05%", 50: "0.5%", 10000: "100%"} {
		if got := basisPoints(bp); got != want {
			t.Errorf("basisPoints(%d) = %q, want %q", bp, got, want)
		}
	}
	for iso, want := range map[string]string{"P90D": "90 days after you accept", "P1D": "1 day after you accept", "P2W3D": "17 days after you accept", "PT30S": "PT30S after you accept",
		// fund.ParseDuration's reading, as the workflow schedules the milestone.
		"P1DT12H": "P1DT12H after you accept", "P": "P after you accept", "P3M": "P3M after you accept", "P2W": "14 days after you accept"} {
		if got := afterAcceptance(iso); got != want {
			t.Errorf("afterAcceptance(%q) = %q, want %q", iso, got, want)
		}
	}
}
