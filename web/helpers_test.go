package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
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
	Method, Path, Query, Token, Key string
	Body                            map[string]any
}

// testMe is who GET /v1/me says the signed-in user is, by token.
var testUsers = map[string]me{
	"tok-applicant": {ID: "a1", Name: "Ana Lead", Role: "applicant", OrgCode: "QUY", OrgName: "NHS Bristol ICB"},
	"tok-other-org": {ID: "a2", Name: "Bo Other", Role: "applicant", OrgCode: "QOP", OrgName: "NHS Greater Manchester ICB"},
	"tok-reviewer":  {ID: "r1", Name: "Rae Viewer", Role: "reviewer"},
	"tok-chair":     {ID: "c1", Name: "Cat Chair", Role: "panel_chair"},
	"tok-pm":        {ID: "p1", Name: "Pat Manager", Role: "programme_manager"},
	"tok-admin":     {ID: "ad", Name: "Ada Min", Role: "admin"},
}

func newFakeAPI(t testing.TB) *fakeAPI {
	return &fakeAPI{t: t, answers: map[string]fakeAnswer{}}
}

// on sets the answer to "METHOD /path" (query strings are ignored).
func (f *fakeAPI) on(route string, status int, body any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[route] = fakeAnswer{status, body}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	c := fakeCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Token: tok, Key: r.Header.Get("Idempotency-Key")}
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &c.Body); err != nil {
			f.t.Errorf("%s %s: body is not JSON: %s", r.Method, r.URL.Path, b)
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	a, ok := f.answers[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	u, known := testUsers[tok]
	w.Header().Set("Content-Type", "application/json")
	switch {
	case !known:
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"status":401,"code":"unauthorized","detail":"the token is not valid"}`)
	case r.URL.Path == "/v1/me":
		_ = json.NewEncoder(w).Encode(u)
	case !ok:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"status":404,"code":"not_found","detail":"no such resource"}`)
	default:
		w.WriteHeader(a.status)
		_ = json.NewEncoder(w).Encode(a.body)
	}
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
