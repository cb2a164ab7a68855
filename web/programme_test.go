package web

import (
	"bytes"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/web/apiclient"
)

func TestBudgetBarFillsExactlyWhateverTheAmounts(t *testing.T) {
	for _, b := range []apiclient.Budget{
		{TotalPence: 100_000_000, DrawnPence: 20_000_000, CommittedPence: 30_000_000, ReservedPence: 10_000_000, AvailablePence: 40_000_000},
		{TotalPence: 3, DrawnPence: 1, CommittedPence: 1, AvailablePence: 1},
		{TotalPence: 1, AvailablePence: 1},
		{TotalPence: 100_000_000_000, DrawnPence: 1, AvailablePence: 99_999_999_999},
		{TotalPence: 7, DrawnPence: 2, CommittedPence: 2, ReservedPence: 2, AvailablePence: 1},
	} {
		c := newBudgetChart(b)
		sum, x := 0, 0
		for _, p := range c.Parts {
			if p.X != x || p.Width < 0 {
				t.Errorf("%+v: part %s at %d, width %d; want it to start at %d", b, p.Key, p.X, p.Width, x)
			}
			x += p.Width
			sum += p.Width
		}
		if sum != barWidth {
			t.Errorf("%+v: widths add up to %d, want %d", b, sum, barWidth)
		}
	}
}

func TestBudgetBarEdgeCases(t *testing.T) {
	widths := func(c budgetChart) []int {
		var w []int
		for _, p := range c.Parts {
			w = append(w, p.Width)
		}
		return w
	}
	if got := widths(newBudgetChart(apiclient.Budget{})); !reflect.DeepEqual(got, []int{0, 0, 0, 0}) {
		t.Errorf("an empty fund draws nothing, got %v", got)
	}
	if got := widths(newBudgetChart(apiclient.Budget{TotalPence: 1, DrawnPence: 1})); !reflect.DeepEqual(got, []int{barWidth, 0, 0, 0}) {
		t.Errorf("one penny, all drawn, fills the bar: %v", got)
	}
	if got := widths(newBudgetChart(apiclient.Budget{TotalPence: 3, DrawnPence: 1, CommittedPence: 1, AvailablePence: 1})); !reflect.DeepEqual(got, []int{333, 333, 0, 334}) {
		t.Errorf("thirds: %v, want the rounding left to the last part", got)
	}
	c := newBudgetChart(apiclient.Budget{TotalPence: 100_000_000_000, DrawnPence: 1, AvailablePence: 99_999_999_999})
	if c.Parts[0].Width != 0 || c.Parts[3].Width != barWidth {
		t.Errorf("a penny of a billion pounds has no width: %v", widths(c))
	}
	if !strings.Contains(c.Label, "£0.01 drawn") || !strings.Contains(c.Label, "Budget of £1,000,000,000") {
		t.Errorf("the accessible name still gives the penny: %q", c.Label)
	}
}

func TestTimelinePlacesMilestonesOnOneAxis(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	awards := []awardMilestones{
		{Deployment: apiclient.Deployment{OrgName: "NHS Bristol ICB"}, Milestones: []apiclient.Milestone{{Title: "Start", DueAt: day(1), Status: "verified"}, {Title: "Go live", DueAt: day(31), Status: "overdue"}}},
		{Deployment: apiclient.Deployment{OrgCode: "QOP"}, Milestones: []apiclient.Milestone{{Title: "Start", DueAt: day(16), Status: "submitted"}}},
	}
	c := newTimeline(awards, day(16))
	if len(c.Rows) != 2 || c.Rows[1].Label != "QOP" {
		t.Fatalf("rows %+v", c.Rows)
	}
	first, last, mid := c.Rows[0].Markers[0], c.Rows[0].Markers[1], c.Rows[1].Markers[0]
	if first.X != timelineLabelW || last.X != timelineRight || mid.X != (timelineLabelW+timelineRight)/2 {
		t.Errorf("x of first, last and middle dates: %d %d %d", first.X, last.X, mid.X)
	}
	if first.Path == last.Path || last.Status != "overdue" || !strings.Contains(last.Title, "Go live: due 31 January 2026, overdue") {
		t.Errorf("an overdue marker must differ in shape and say so: %+v", last)
	}
	if c.Today == nil || c.Today.X != mid.X {
		t.Errorf("today is mid-axis: %+v", c.Today)
	}

	one := newTimeline(awards[1:], day(1))
	if x := one.Rows[0].Markers[0].X; x != (timelineLabelW+timelineRight)/2 || one.Today != nil {
		t.Errorf("a single date sits mid-axis (x %d) and today before it is off the axis (%+v)", x, one.Today)
	}
}

// dashboardAPI is a fund with two awards, one of them with an overdue
// milestone.
func dashboardAPI(t testing.TB) *fakeAPI {
	api := newFakeAPI(t)
	api.on("GET /v1/funds", http.StatusOK, map[string]any{"items": []any{
		fundJSON("fund-a", "Fund A", "draft", map[string]any{"awards": map[string]any{"count": 0, "max": 5}}),
		fundJSON("fund-b", "Prevention Fund", "open", map[string]any{"awards": map[string]any{"count": 2, "max": 10}}),
	}, "next_cursor": nil})
	api.on("GET /v1/funds/fund-b", http.StatusOK, fundJSON("fund-b", "Prevention Fund", "open", map[string]any{
		"budget": map[string]any{"total_pence": 100_000_000, "drawn_pence": 20_000_000, "committed_pence": 30_000_000, "reserved_pence": 10_000_000, "available_pence": 40_000_000}}))
	api.on("GET /v1/programme/deployments", http.StatusOK, map[string]any{"items": []any{
		map[string]any{"application_id": "app-1", "fund_id": "fund-b", "org_code": "QUY", "org_name": "NHS Bristol ICB", "status": "in_deployment",
			"awarded_pence": 25_000_000, "drawn_pence": 5_000_000, "next_milestone": map[string]any{"id": "m2", "title": "Go live", "due_at": "2026-06-01T09:00:00Z"},
			"rag": "amber", "overdue_count": 0, "partners": []string{"Bristol City Council"},
			"open_change_request": "cr1", "next_return": map[string]any{"id": "r2", "title": "Quarterly return 2", "due_at": "2026-07-01T09:00:00Z"}, "overdue_returns": 1},
		map[string]any{"application_id": "app-2", "reference": "BF-0002", "fund_id": "fund-b", "org_code": "QOP", "org_name": "NHS Greater Manchester ICB", "status": "in_deployment",
			"awarded_pence": 30_000_000, "drawn_pence": 0, "next_milestone": nil, "rag": "red", "overdue_count": 1, "partners": []string{},
			"open_change_request": "", "next_return": nil, "overdue_returns": 0},
	}, "next_cursor": nil})
	api.on("GET /v1/applications/app-1/milestones", http.StatusOK, []any{
		map[string]any{"id": "m1", "title": "Mobilise", "due_at": "2026-03-01T09:00:00Z", "status": "verified", "drawdown_pence": 5_000_000},
		map[string]any{"id": "m2", "title": "Go live", "due_at": "2026-06-01T09:00:00Z", "status": "submitted", "drawdown_pence": 20_000_000},
	})
	api.on("GET /v1/funds/fund-b/outcomes", http.StatusOK, map[string]any{
		"suppression": "Small-number suppression: counts of 1 to 7 people are shown as <8.", "awards": 2, "awards_reporting": 1,
		"fund": map[string]any{"key": "fund-b", "title": "Prevention Fund", "awards": 2, "planned_reach": "3000", "people_onboarded": "807",
			"reach_percent_of_plan": "26.9", "people_active": "400", "cost_per_person_onboarded_pence": "7435", "cost_per_person_active_pence": "15000",
			"measures": []any{map[string]any{"measure": "wemwbs", "title": "Mental wellbeing (WEMWBS)", "unit": "points", "kind": "mean", "direction": "higher",
				"baseline_n": "307", "baseline_mean": "41.2", "follow_up_n": "205", "follow_up_mean": "46.1", "change": "4.9"}}},
		"routes": []any{map[string]any{"key": "nhs_app", "title": "NHS App", "awards": 1, "people_onboarded": "<8", "people_active": "0",
			"measures": []any{map[string]any{"measure": "wemwbs", "title": "Mental wellbeing (WEMWBS)", "unit": "points", "kind": "mean", "direction": "higher",
				"baseline_n": "<8", "baseline_mean": "<8", "follow_up_n": "<8", "follow_up_mean": "<8", "change": "<8"}}}},
		"fund_id": "fund-b", "nations": []any{}, "per_award": []any{}, "measures": []any{},
	})
	api.on("GET /v1/applications/app-2/milestones", http.StatusOK, []any{
		map[string]any{"id": "m1", "title": "Mobilise", "due_at": "2026-02-01T09:00:00Z", "status": "overdue", "drawdown_pence": 6_000_000},
	})
	return api
}

func TestDashboardShowsTheFundsDeployments(t *testing.T) {
	api := dashboardAPI(t)
	w := get(t, newTestServer(t, api), "tok-pm", "/programme")
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", w.Code, body)
	}
	for _, want := range []string{
		`<h1 class="nhsuk-heading-l"><span class="nhsuk-caption-l">Prevention Fund`,
		`role="img" aria-label="Budget of £1,000,000: £200,000 drawn, £300,000 committed but not yet drawn, £100,000 reserved for offers, £400,000 available."`,
		`<title>Budget of £1,000,000`,
		`>Amber</strong>`, `>Red</strong>`,
		`<a href="/applications/app-1">app-1</a><br><span class="nhsuk-body-s">NHS Bristol ICB<br>With Bristol City Council</span>`,
		`£250,000`, `£50,000`, `Go live, due <time datetime="2026-06-01">1 June 2026</time>`,
		// app-2 has no milestone left to come.
		`<td class="nhsuk-table__cell">None</td>`,
		// After the award: app-1's open change request, next and overdue returns.
		`<a href="/applications/app-1/changes/cr1">cr1<span class="nhsuk-u-visually-hidden">, change request of app-1</span></a>`,
		`Quarterly return 2, due <time datetime="2026-07-01">1 July 2026</time>`,
		`<br><strong class="nhsuk-tag nhsuk-tag--red">1 overdue</strong>`, `<td class="nhsuk-table__cell">None to come</td>`,
		`<th class="nhsuk-table__header" scope="col">Open change request</th>`,
		`aria-label="Milestones of 2 awards by due date, from 1 February 2026 to 1 June 2026."`,
		`Mobilise, due <time datetime="2026-02-01">1 February 2026</time>: Overdue`,
		`1 overdue milestone</caption>`,
		`<a href="/applications/BF-0002">BF-0002<span class="nhsuk-u-visually-hidden">: Mobilise</span></a>`,
		`href="/programme/deployments.csv?fund_id=fund-b"`,
		`<option value="fund-b" selected>`,
		`1 of 2 awards have verified outcome reports`,
		`Small-number suppression: counts of 1 to 7 people are shown as &lt;8.`,
		`<th class="nhsuk-table__header" scope="row">Prevention Fund</th>`,
		`>807</td>`, `>26.9</td>`, `>£74.35</td>`, `>£150</td>`, `>&lt;8</td>`,
		`>41.2 (307)</td>`, `>46.1 (205)</td>`, `>4.9</td>`, `>&lt;8 (&lt;8)</td>`,
		// The charts, each with its figures in words and in the table.
		`aria-label="People reached against plan. All awards: planned reach 3000, people onboarded 807, people active 400."`,
		`aria-label="Mental wellbeing (WEMWBS) (points; higher is better), baseline to follow-up. All routes: baseline 41.2, follow-up 46.1, change 4.9. NHS App: baseline &lt;8, follow-up &lt;8, change &lt;8."`,
		`41.2 → 46.1 (&#43;4.9)`, `&lt;8 → &lt;8`,
		`href="/programme/outcomes.pdf?fund_id=fund-b"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	if n := strings.Count(body, "data-live-region"); n != 1 {
		t.Errorf("%d live regions, want one around everything that changes", n)
	}
	live := body[strings.Index(body, "data-live-region"):]
	for _, part := range []string{"Budget of", "Awards from", "Milestones of", "overdue milestone"} {
		if !strings.Contains(live, part) {
			t.Errorf("%q is outside the live region", part)
		}
	}
	for _, c := range api.calls {
		if c.Path == "/v1/programme/deployments" && c.Query != "fund_id=fund-b" {
			t.Errorf("deployments asked for %q, want the first fund with awards", c.Query)
		}
	}
}

func TestDashboardForAnUnknownFundIsNotFound(t *testing.T) {
	w := get(t, newTestServer(t, dashboardAPI(t)), "tok-pm", "/programme?fund_id=nope")
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Page not found") {
		t.Fatalf("unknown fund: %d", w.Code)
	}
}

func TestDeploymentsCSVIsTheAPIsWithTheUsersToken(t *testing.T) {
	api := newFakeAPI(t)
	api.on("GET /v1/programme/deployments.csv", http.StatusOK, document{"text/csv; charset=utf-8", "application_id,fund_id"})
	w := get(t, newTestServer(t, api), "tok-pm", "/programme/deployments.csv?fund_id=fund-b")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "application_id,fund_id") {
		t.Fatalf("CSV: %d %s", w.Code, w.Body.String())
	}
	last := api.calls[len(api.calls)-1]
	if last.Path != "/v1/programme/deployments.csv" || last.Query != "fund_id=fund-b" || last.Token != "tok-pm" {
		t.Fatalf("the API saw %+v, want the CSV for fund-b with the cookie's token", last)
	}
}

func TestVerifyingAMilestonePostsTheDecision(t *testing.T) {
	api := newFakeAPI(t)
	api.on("POST /v1/applications/app-1/milestones/m2/verify", http.StatusOK, commandJSON("in_deployment", reviewApp("in_deployment")))
	w := post(t, newTestServer(t, api), "tok-pm", "/applications/app-1/milestones/m2/verify",
		url.Values{"decision": {"verify"}, "note": {" Evidence complete "}, "idempotency_key": {"k-1"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/applications/app-1" {
		t.Fatalf("verify: %d to %q", w.Code, w.Header().Get("Location"))
	}
	cmds := api.commands()
	if len(cmds) != 1 || cmds[0].Key != "k-1" || !reflect.DeepEqual(cmds[0].Body, map[string]any{"decision": "verify", "note": "Evidence complete"}) {
		t.Fatalf("commands %+v", cmds)
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].Name != flashCookie || !strings.Contains(c[0].Value, "verified") {
		t.Errorf("no success flash: %v", c)
	}
}

func TestARefusedDecisionSaysWhyAndLinksBack(t *testing.T) {
	api := newFakeAPI(t)
	api.on("POST /v1/applications/app-1/milestones/m2/verify", http.StatusUnprocessableEntity, map[string]any{
		"status": 422, "code": "validation_failed", "detail": "the verification is invalid",
		"errors": []any{map[string]any{"field": "note", "message": "is required"}}})
	w := post(t, newTestServer(t, api), "tok-pm", "/applications/app-1/milestones/m2/verify",
		url.Values{"decision": {"return"}, "idempotency_key": {"k-2"}})
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "<li>The note is required</li>") ||
		!strings.Contains(body, `<a href="/applications/app-1">Go back to the application</a>`) {
		t.Fatalf("refusal: %d\n%s", w.Code, body)
	}
}

func TestExtensionDecisionNeedsAnAnswer(t *testing.T) {
	api := newFakeAPI(t)
	api.on("POST /v1/applications/app-1/milestones/m2/extension/decision", http.StatusOK, commandJSON("in_deployment", reviewApp("in_deployment")))
	h := newTestServer(t, api)
	w := post(t, h, "tok-pm", "/applications/app-1/milestones/m2/extension/decision", url.Values{"note": {"ok"}})
	if w.Code != http.StatusUnprocessableEntity || len(api.commands()) != 0 {
		t.Fatalf("no answer: %d, %d commands; an unanswered question must not refuse the extension", w.Code, len(api.commands()))
	}
	w = post(t, h, "tok-pm", "/applications/app-1/milestones/m2/extension/decision", url.Values{"approve": {"true"}, "note": {"Fine"}, "idempotency_key": {"k-3"}})
	cmds := api.commands()
	if w.Code != http.StatusSeeOther || len(cmds) != 1 || cmds[0].Key != "k-3" || !reflect.DeepEqual(cmds[0].Body, map[string]any{"approve": true, "note": "Fine"}) {
		t.Fatalf("approve: %d, %+v", w.Code, cmds)
	}
}

func TestTerminatingAnAwardPostsTheReason(t *testing.T) {
	api := newFakeAPI(t)
	api.on("POST /v1/applications/app-1/terminate", http.StatusOK, commandJSON("terminated", reviewApp("terminated")))
	w := post(t, newTestServer(t, api), "tok-pm", "/applications/app-1/terminate", url.Values{"reason": {"Service withdrawn"}, "idempotency_key": {"k-4"}})
	cmds := api.commands()
	if w.Code != http.StatusSeeOther || len(cmds) != 1 || cmds[0].Path != "/v1/applications/app-1/terminate" ||
		!reflect.DeepEqual(cmds[0].Body, map[string]any{"reason": "Service withdrawn"}) {
		t.Fatalf("terminate: %d, %+v", w.Code, cmds)
	}
}

func TestStaffMilestonesOfferTheProgrammeManagersDecisions(t *testing.T) {
	p, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	var app apiclient.Application
	decodeApplication(t, reviewApp("in_deployment"), `{"awarded_pence":25000000,"drawn_pence":5000000,"milestones":[
		{"id":"m1","title":"Mobilise","due_at":"2026-03-01T09:00:00Z","drawdown_pence":5000000,"status":"verified","drawn_pence":5000000,"verified_at":"2026-03-02T09:00:00Z",
		 "reviews":[{"decision":"verify","note":"Good","by":{"id":"p1","name":"Pat Manager","role":"programme_manager"},"at":"2026-03-02T09:00:00Z"}]},
		{"id":"m2","title":"Go live","due_at":"2026-06-01T09:00:00Z","drawdown_pence":20000000,"status":"submitted",
		 "documents_required":[{"kind":"go_live_report","label":"Go-live report"},{"kind":"dtac","label":"DTAC assessment"}],
		 "evidence":{"summary":"Live in 3 practices","metrics":{"people_onboarded":120},"links":["https://example.org/report"],"documents":["d1","d2"],"by":{"id":"a1","name":"Ana Lead","role":"applicant"},"at":"2026-05-20T09:00:00Z"},
		 "extensions":[{"from_due_at":"2026-06-01T09:00:00Z","new_due_at":"2026-07-01T09:00:00Z","reason":"Supplier delay","requested_by":{"id":"a1","name":"Ana Lead","role":"applicant"},"requested_at":"2026-05-01T09:00:00Z"}]},
		{"id":"m3","title":"Evaluate","due_at":"2026-09-01T09:00:00Z","drawdown_pence":0,"status":"submitted","evidence":{"summary":"Report","by":{"id":"a1","name":"Ana Lead","role":"applicant"},"at":"2026-08-20T09:00:00Z"}}],
		"documents":[{"id":"d1","name":"Go-live report.pdf","kind":"go_live_report","scan_status":"clean","size":10,"sha256":"abababababababababababababababababababababababababababababababab","content_type":"application/pdf","uploaded_at":"2026-05-03T09:00:00Z","uploaded_by":{"id":"a1","name":"Ana Lead","role":"applicant"}},{"id":"d2","name":"Photos.pdf","scan_status":"not_scanned","size":10,"sha256":"abababababababababababababababababababababababababababababababab","content_type":"application/pdf","uploaded_at":"2026-05-03T09:00:00Z","uploaded_by":{"id":"a1","name":"Ana Lead","role":"applicant"}}]}`, &app)
	// The programme manager's actions, as the API lists them; a reviewer
	// has none.
	pmActions := []apiclient.Action{{Name: "verify_milestone", MilestoneID: "m2"}, {Name: "verify_milestone", MilestoneID: "m3"},
		{Name: "decide_extension", MilestoneID: "m2"}, {Name: "terminate"}}
	render := func(role string) string {
		app.Actions = nil
		if role == "programme_manager" {
			app.Actions = pmActions
		}
		var buf bytes.Buffer
		v := view{Me: &apiclient.Me{Role: apiclient.MeRole(role)}, CSRF: "c", Key: "k"}
		if err := p["programme/refused"].ExecuteTemplate(&buf, "milestones-staff", map[string]any{"V": v, "App": &app}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	pm := render("programme_manager")
	for _, want := range []string{
		`action="/applications/app-1/milestones/m2/verify"`, `id="decision" name="decision" type="radio" value="verify"`,
		`id="note" name="note"`, `Record verification`,
		`action="/applications/app-1/milestones/m3/verify"`, `id="m3-decision" name="decision"`, `id="m3-note" name="note"`,
		`action="/applications/app-1/milestones/m2/extension/decision"`, `id="approve" name="approve" type="radio" value="true"`,
		`Record extension decision`, `Awaiting a decision`,
		`action="/applications/app-1/terminate"`, `id="terminate-reason" name="reason"`, `Terminate award`,
		`Live in 3 practices`, `People onboarded: 120`, `href="https://example.org/report"`, `Verified by Pat Manager`,
		// What the milestone requires, what the evidence cites, each file a link.
		`<li>Go-live report: included</li>`, `<li>DTAC assessment: <strong>not included</strong></li>`,
		`<a href="/applications/app-1/documents/d1">Go-live report.pdf</a> (Go-live report) <strong class="nhsuk-tag nhsuk-tag--green">Scanned: no malware found</strong>`,
		`<a href="/applications/app-1/documents/d2">Photos.pdf</a> <strong class="nhsuk-tag nhsuk-tag--grey">Not scanned</strong>`,
		`name="idempotency_key" value="k"`,
	} {
		if !strings.Contains(pm, want) {
			t.Errorf("programme manager's milestones lack %s", want)
		}
	}
	if strings.Count(pm, "Record verification") != 2 {
		t.Errorf("only the milestones the API lists can be verified")
	}
	if r := render("reviewer"); strings.Contains(r, "<form") || !strings.Contains(r, "Live in 3 practices") {
		t.Errorf("a reviewer sees the milestones and no decisions")
	}
}
