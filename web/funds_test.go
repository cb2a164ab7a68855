package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// templateDefinition is the fund a new one copies its parts from.
var templateDefinition = map[string]any{
	"id": "fund-a", "name": "Fund A", "sponsor": "NHS England", "total_pence": 500_000_000, "max_award_pence": 50_000_000, "max_awards": 5,
	"closes_at":                 "2025-06-30T17:00:00Z",
	"deployment_routes":         []any{map[string]any{"id": "gp_app", "title": "GP app"}},
	"criteria":                  []any{map[string]any{"id": "need", "title": "Need", "weight": 2, "scale": map[string]any{"min": 0, "max": 5}}},
	"pass_mark":                 300,
	"reviewers_per_application": 2,
	"milestones":                []any{map[string]any{"id": "live", "title": "Go live", "due_after": "P90D", "drawdown_share_bp": 10000}},
	"measures": []any{map[string]any{"id": "people_onboarded", "title": "People onboarded", "unit": "people", "direction": "higher",
		"kind": "count", "decimal_places": 0, "report_at": []any{"live"}, "reach": "onboarded"}},
	"eligible_org_types":      []any{"ICB"},
	"eligible_nations":        []any{"England"},
	"slas":                    map[string]any{"eligibility": "P5D", "assessment": "P15D", "panel": "P10D", "query_response": "P10D"},
	"reminder_before":         "P2D",
	"offer_acceptance_window": "P14D",
	"opens_at":                "2025-01-01T00:00:00Z",
}

func fundsAPI(t *testing.T) *fakeAPI {
	api := newFakeAPI(t)
	api.on("GET /v1/funds", http.StatusOK, map[string]any{"items": []any{
		fundJSON("fund-a", "Fund A", "draft", map[string]any{"awards": map[string]any{"count": 1, "max": 5},
			"budget": budgetJSON(500_000_000, 480_000_000)}),
	}, "next_cursor": nil})
	api.on("GET /v1/funds/fund-a", http.StatusOK, map[string]any{"id": "fund-a", "name": "Fund A", "sponsor": "NHS England", "status": "draft",
		"budget": map[string]any{"total_pence": 500_000_000, "available_pence": 480_000_000, "reserved_pence": 20_000_000, "committed_pence": 0, "drawn_pence": 0},
		"awards": map[string]any{"count": 1, "max": 5}, "waitlist_length": 0, "definition": templateDefinition,
		"history": []any{map[string]any{"at": "2025-01-02T10:00:00Z", "from": "draft", "to": "open", "actor": actorJSON("ad", "Ada Min", "admin"), "reason": "Launch"}}})
	return api
}

func TestFundsListsEveryFund(t *testing.T) {
	w := get(t, newTestServer(t, fundsAPI(t)), "tok-admin", "/funds")
	body := w.Body.String()
	for _, want := range []string{`<a href="/funds/fund-a">Fund A</a>`, `nhsuk-tag--grey">Draft</strong>`, `£5,000,000`, `£4,800,000`, `1 of 5`, `href="/funds/new"`, `Create a fund`} {
		if !strings.Contains(body, want) {
			t.Errorf("funds page lacks %s", want)
		}
	}
}

func newFundForm() url.Values {
	return url.Values{
		"id": {"prevention-2027"}, "name": {"Prevention 2027"}, "sponsor": {"NHS England"}, "description": {"For prevention"},
		"total_pence": {"2,000,000"}, "max_award_pence": {"250000.50"}, "max_awards": {"10"},
		"opens_at": {"2026-04-01T09:00"}, "closes_at": {"2026-12-01T17:00"}, "template_fund": {"fund-a"}, "idempotency_key": {"k-f"},
	}
}

func TestCreatingAFundCopiesTheChosenFundsParts(t *testing.T) {
	api := fundsAPI(t)
	api.on("POST /v1/funds", http.StatusCreated, fundJSON("prevention-2027", "Prevention 2027", "draft", nil))
	w := post(t, newTestServer(t, api), "tok-admin", "/funds", newFundForm())
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/funds/prevention-2027" {
		t.Fatalf("create: %d to %q\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	cmds := api.commands()
	if len(cmds) != 1 || cmds[0].Key != "k-f" {
		t.Fatalf("commands %+v", cmds)
	}
	got := cmds[0].Body
	want := map[string]any{
		"id": "prevention-2027", "name": "Prevention 2027", "sponsor": "NHS England", "description": "For prevention",
		"total_pence": 200_000_000.0, "max_award_pence": 25_000_050.0, "max_awards": 10.0,
		"opens_at": "2026-04-01T09:00:00+01:00", "closes_at": "2026-12-01T17:00:00Z",
	}
	for _, k := range copiedFromTemplate {
		want[k] = jsonRoundTrip(t, templateDefinition[k])
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("POST /v1/funds body\n got %v\nwant %v", got, want)
	}
}

func jsonRoundTrip(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestARefusedFundIsShownAgainAsTyped(t *testing.T) {
	api := fundsAPI(t)
	api.on("POST /v1/funds", http.StatusUnprocessableEntity, map[string]any{"status": 422, "code": "validation_failed", "detail": "the fund definition is invalid",
		"errors": []any{
			map[string]any{"field": "id", "message": "must be 3 to 64 lowercase letters, digits or hyphens"},
			map[string]any{"field": "criteria[0].weight", "message": "must be between 1 and 1000"},
		}})
	w := post(t, newTestServer(t, api), "tok-admin", "/funds", newFundForm())
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused create: %d", w.Code)
	}
	for _, want := range []string{
		`<a href="#id">Fund ID must be 3 to 64 lowercase letters, digits or hyphens</a>`,
		`<a href="#template_fund">In the copied fund, criteria[0].weight must be between 1 and 1000</a>`,
		`value="Prevention 2027"`, `value="2,000,000"`, `value="2026-04-01T09:00"`, `<option value="fund-a" selected>`,
		`id="id" name="id" type="text" value="prevention-2027" autocomplete="off" aria-describedby="id-hint id-error"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
}

func TestAFundFormTheWebCannotReadNeverReachesTheAPI(t *testing.T) {
	api := fundsAPI(t)
	form := newFundForm()
	form.Set("total_pence", "lots")
	form.Set("opens_at", "")
	form.Del("template_fund")
	w := post(t, newTestServer(t, api), "tok-admin", "/funds", form)
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || len(api.commands()) != 0 {
		t.Fatalf("unreadable form: %d, %d commands", w.Code, len(api.commands()))
	}
	for _, want := range []string{`href="#total_pence"`, `href="#opens_at"`, `href="#template_fund"`, `value="lots"`} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
}

func TestAFundsPageShowsItsHistoryAndNextStep(t *testing.T) {
	w := get(t, newTestServer(t, fundsAPI(t)), "tok-admin", "/funds/fund-a")
	body := w.Body.String()
	for _, want := range []string{`<h1 class="nhsuk-heading-l">Fund A</h1>`, `action="/funds/fund-a/open"`, `Open fund`,
		`Draft to Open`, `Ada Min (Admin)`, `Launch`, `role="img" aria-label="Budget of £5,000,000`, `Go live: 100.00% of the award`} {
		if !strings.Contains(body, want) {
			t.Errorf("fund page lacks %s", want)
		}
	}
	if strings.Contains(body, "Close fund") {
		t.Error("a draft fund cannot be closed")
	}
	if w := get(t, newTestServer(t, fundsAPI(t)), "tok-admin", "/funds/nope"); !strings.Contains(w.Body.String(), "Page not found") {
		t.Errorf("unknown fund: %d", w.Code)
	}
}

func TestOpeningAndClosingAFund(t *testing.T) {
	api := fundsAPI(t)
	api.on("POST /v1/funds/fund-a/open", http.StatusOK, fundJSON("fund-a", "Fund A", "open", nil))
	api.on("POST /v1/funds/fund-a/close", http.StatusConflict, map[string]any{"status": 409, "code": "invalid_state", "detail": "the fund is draft, not open"})
	h := newTestServer(t, api)
	w := post(t, h, "tok-admin", "/funds/fund-a/open", url.Values{"reason": {"Ready"}, "idempotency_key": {"k-o"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/funds/fund-a" {
		t.Fatalf("open: %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = post(t, h, "tok-admin", "/funds/fund-a/close", url.Values{"reason": {"Budget spent"}, "idempotency_key": {"k-c"}})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "the fund is draft, not open") || !strings.Contains(w.Body.String(), "Budget spent") {
		t.Fatalf("refused close: %d\n%s", w.Code, w.Body.String())
	}
	cmds := api.commands()
	if len(cmds) != 2 || cmds[0].Path != "/v1/funds/fund-a/open" || cmds[0].Key != "k-o" || !reflect.DeepEqual(cmds[0].Body, map[string]any{"reason": "Ready"}) ||
		cmds[1].Path != "/v1/funds/fund-a/close" || cmds[1].Key != "k-c" {
		t.Fatalf("commands %+v", cmds)
	}
}
