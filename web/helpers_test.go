package web

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/web/apiclient"
)

// fakeAPI stands in for the JSON API: canned answers by "METHOD /path",
// and a record of every call, so page tests run without Temporal.
type fakeAPI struct {
	t       testing.TB
	mu      sync.Mutex
	answers map[string]fakeAnswer
	calls   []fakeCall
}

type fakeAnswer struct {
	status int
	body   any
}

type fakeCall struct {
	Method, Path, Query, Token, Key, IfMatch string
	Body                                     map[string]any
}

// testMe is who GET /v1/me says the signed-in user is, by token.
var testUsers = map[string]apiclient.Me{
	"tok-applicant": {ID: "a1", Name: "Ana Lead", Role: "applicant", OrgCode: "QUY", OrgName: "NHS Bristol ICB"},
	"tok-other-org": {ID: "a2", Name: "Bo Other", Role: "applicant", OrgCode: "QOP", OrgName: "NHS Greater Manchester ICB"},
	"tok-reviewer":  {ID: "r1", Name: "Rae Viewer", Role: "reviewer"},
	"tok-chair":     {ID: "c1", Name: "Cat Chair", Role: "panel_chair"},
	"tok-pm":        {ID: "p1", Name: "Pat Manager", Role: "programme_manager"},
	"tok-admin":     {ID: "ad", Name: "Ada Min", Role: "admin"},
	// A council's public health lead, invited onto QUY's bids.
	"tok-co": {ID: "co1", Name: "Cara Council", Role: "co_applicant"},
	// QUY's finance director, its certifier.
	"tok-certifier": {ID: "a3", Name: "Cerys Finance", Role: "applicant", OrgCode: "QUY", OrgName: "NHS Bristol ICB"},
}

func newFakeAPI(t testing.TB) *fakeAPI {
	return &fakeAPI{t: t, answers: map[string]fakeAnswer{}}
}

// contract is api/openapi.json, loaded once: every answer the fake gives
// is checked against the response the document promises for the route,
// so a canned answer cannot say what the real API never would.
var (
	contractOnce sync.Once
	contract     *apitest.Contract
)

func theContract(t testing.TB) *apitest.Contract {
	contractOnce.Do(func() {
		doc, err := os.ReadFile("../api/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		contract = apitest.Load(t, doc)
	})
	return contract
}

// on sets the answer to "METHOD /path" (query strings are ignored).
func (f *fakeAPI) on(route string, status int, body any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[route] = fakeAnswer{status, body}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	c := fakeCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Token: tok, Key: r.Header.Get("Idempotency-Key"), IfMatch: r.Header.Get("If-Match")}
	b, _ := io.ReadAll(r.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &c.Body); err != nil {
			f.t.Errorf("%s %s: body is not JSON: %s", r.Method, r.URL.Path, b)
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	a, ok := f.answers[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	u, known := testUsers[tok]
	switch {
	case !known:
		a = fakeAnswer{http.StatusUnauthorized, problemJSON(http.StatusUnauthorized, "unauthorized", "the token is not valid")}
	case r.URL.Path == "/v1/me":
		a = fakeAnswer{http.StatusOK, u}
	case !ok:
		a = fakeAnswer{http.StatusNotFound, problemJSON(http.StatusNotFound, "not_found", "no such resource")}
	}
	// A request the API takes must be one the document describes; one it
	// refuses may be a page passing on what a person typed, for the API to
	// judge.
	if a.status < 400 {
		theContract(f.t).CheckRequest(f.t, r, b)
	}
	f.write(w, r, a)
}

// write sends a canned answer, once the document has said the real API
// could give it.
func (f *fakeAPI) write(w http.ResponseWriter, r *http.Request, a fakeAnswer) {
	if p, ok := a.body.(map[string]any); ok && a.status >= 400 {
		// Tests state a refusal's status, code, detail and errors; the
		// envelope is the API's, as api/problem.go writes it.
		p = maps.Clone(p)
		if c, ok := p["code"].(string); ok && p["type"] == nil {
			p["type"] = "urn:fundflow:problem:" + c
		}
		if p["title"] == nil {
			p["title"] = http.StatusText(a.status)
		}
		a.body = p
	}
	// Errors are RFC 7807 documents, as the API sends them.
	ct := "application/json"
	if a.status >= 400 {
		ct = "application/problem+json"
	}
	var body []byte
	if d, ok := a.body.(document); ok {
		ct, body = d.contentType, []byte(d.body)
	} else if b, err := json.Marshal(a.body); err != nil {
		f.t.Fatalf("%s %s: the canned answer is not JSON: %v", r.Method, r.URL.Path, err)
	} else {
		body = b
	}
	w.Header().Set("Content-Type", ct)
	theContract(f.t).Check(f.t, r, a.status, w.Header(), body)
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// document is a canned answer that is not JSON, such as a CSV.
type document struct{ contentType, body string }

// rowJSON is an application as a list shows it: the members every row
// has, then fields'.
func rowJSON(fields map[string]any) map[string]any {
	row := map[string]any{"fund_id": "pif", "org_code": "QUY", "status": "submitted", "status_label": "Submitted",
		"requested_pence": 0, "created_at": "2026-05-01T09:00:00Z", "version": 1}
	maps.Copy(row, fields)
	return row
}

// problemJSON is an RFC 7807 answer.
func problemJSON(status int, code, detail string) map[string]any {
	return map[string]any{"status": status, "code": code, "detail": detail}
}

// commands are the calls that were not reads.
func (f *fakeAPI) commands() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.Method != http.MethodGet {
			out = append(out, c)
		}
	}
	return out
}

func newTestServer(t testing.TB, api http.Handler) http.Handler {
	t.Helper()
	h, err := NewServer(Deps{API: api})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// get fetches a page as the user holding token ("" for nobody).
func get(t testing.TB, h http.Handler, token, path string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// post submits a form as the user holding token, with a valid CSRF token
// unless form already sets one.
func post(t *testing.T, h http.Handler, token, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if token != "" && !form.Has("csrf_token") {
		form.Set("csrf_token", csrfToken(token))
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// budgetJSON is a fund's budget with nothing yet reserved or drawn.
func budgetJSON(total, available int64) map[string]any {
	return map[string]any{"total_pence": total, "available_pence": available, "reserved_pence": 0,
		"committed_pence": total - available, "drawn_pence": 0}
}

// fundFormJSON is GET /v1/funds/{fund_id}/form: the form, and the JSON
// Schema the API derives from it (left empty: the web never reads it).
func fundFormJSON(fundID string, version int, f form.Form) map[string]any {
	return map[string]any{"fund_id": fundID, "version": version, "form": f, "schema": map[string]any{}}
}

// commandJSON is what the API answers a command on an application with.
func commandJSON(status string, app map[string]any) map[string]any {
	return map[string]any{"status": status, "version": 2, "application": app}
}

// actorJSON is someone as a timeline or a record names them.
func actorJSON(id, name, role string) map[string]any {
	return map[string]any{"id": id, "name": name, "role": role}
}

// fundJSON is a fund as GET /v1/funds/{fund_id} gives it: every member
// the API always sends, then extra's, whose "definition" is merged into
// the fund's definition member by member.
func fundJSON(id, name, status string, extra map[string]any) map[string]any {
	def := map[string]any{
		"id": id, "name": name, "sponsor": "NHS England", "total_pence": 100_000_000, "max_award_pence": 10_000_000,
		"max_awards": 10, "eligible_org_types": []any{"ICB"}, "eligible_nations": []any{"England"},
		"opens_at": "2026-04-01T08:00:00Z", "closes_at": "2026-09-30T22:59:59Z",
		"deployment_routes": []any{}, "criteria": []any{}, "milestones": []any{},
	}
	f := map[string]any{
		"id": id, "name": name, "sponsor": "NHS England", "status": status,
		"budget": budgetJSON(100_000_000, 100_000_000), "awards": map[string]any{"count": 0, "max": 10},
		"waitlist_length": 0, "history": []any{}, "definition": def,
	}
	for k, v := range extra {
		if d, ok := v.(map[string]any); ok && k == "definition" {
			maps.Copy(def, d)
			continue
		}
		f[k] = v
	}
	return f
}

// testSHA256 stands in for a file's or a letter's hash.
const testSHA256 = "abababababababababababababababababababababababababababababababab"

// decodeAnswer decodes a canned answer a test reads directly, once the
// document has said the real API could give it to method path.
func decodeAnswer(t testing.TB, method, path, answer string, out any) {
	t.Helper()
	theContract(t).Check(t, httptest.NewRequest(method, path, nil), http.StatusOK,
		http.Header{"Content-Type": {"application/json"}}, []byte(answer))
	if err := json.Unmarshal([]byte(answer), out); err != nil {
		t.Fatal(err)
	}
}

// decodeApplication is decodeAnswer for GET /v1/applications/{id}: fields
// (a JSON object) over base, such as appJSON(nil).
func decodeApplication(t testing.TB, base map[string]any, fields string, out *apiclient.Application) {
	t.Helper()
	var extra map[string]any
	if err := json.Unmarshal([]byte(fields), &extra); err != nil {
		t.Fatal(err)
	}
	app := maps.Clone(base)
	maps.Copy(app, extra)
	b, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	decodeAnswer(t, http.MethodGet, "/v1/applications/"+app["id"].(string), string(b), out)
}

// partnershipJSON is the partnership members every application has: a
// bid with no partners, no co-applicants and a fund that needs no
// sign-off; the team's notes only for the bid's side, as staff get none.
func partnershipJSON(applying bool) map[string]any {
	p := map[string]any{"partners": []any{}, "co_applicants": []any{},
		"sign_off": map[string]any{"status": "not_required", "required": false, "certifiers": []any{}, "history": []any{}, "sent_back": []any{}}}
	if applying {
		p["comments"] = []any{}
	}
	return p
}
