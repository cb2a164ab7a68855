package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestSignInKeepsTheTokenInAStrictCookie(t *testing.T) {
	h := newTestServer(t, newFakeAPI(t))

	w := post(t, h, "", "/sign-in", url.Values{"token": {"tok-reviewer"}, "next": {"/"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/reviews" {
		t.Fatalf("sign-in: %d to %q, want 303 to /reviews", w.Code, w.Header().Get("Location"))
	}
	c := w.Result().Cookies()[0]
	if c.Name != sessionCookie || c.Value != "tok-reviewer" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", c)
	}

	r := strings.NewReader(url.Values{"token": {"tok-reviewer"}}.Encode())
	req, _ := http.NewRequest(http.MethodPost, "https://fundflow.example/sign-in", r)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := &recordingWriter{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.header.Get("Set-Cookie"), "Secure") {
		t.Fatalf("behind TLS the cookie must be Secure: %q", rec.header.Get("Set-Cookie"))
	}
}

func TestSignInRefusesABadTokenOnTheForm(t *testing.T) {
	h := newTestServer(t, newFakeAPI(t))
	w := post(t, h, "", "/sign-in", url.Values{"token": {"nonsense"}})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `href="#token"`) || len(w.Result().Cookies()) != 0 {
		t.Fatalf("bad token: %d, cookies %v, want 401 with a linked error and no cookie", w.Code, w.Result().Cookies())
	}
}

func TestSignInNeverRedirectsOffSite(t *testing.T) {
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
	if got := safeNext("/applications/x?y=1"); got != "/applications/x?y=1" {
		t.Errorf("a local path must survive, got %q", got)
	}
}

func TestPagesNeedASession(t *testing.T) {
	h := newTestServer(t, newFakeAPI(t))
	w := get(t, h, "", "/applications")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/sign-in?next=%2Fapplications" {
		t.Fatalf("no session: %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = get(t, h, "revoked-token", "/applications")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/sign-in") {
		t.Fatalf("revoked token: %d to %q, want a new sign-in", w.Code, w.Header().Get("Location"))
	}
}

func TestEveryPostNeedsTheCSRFToken(t *testing.T) {
	api := newFakeAPI(t)
	h := newTestServer(t, api)
	w := post(t, h, "tok-applicant", "/applications/x/submit", url.Values{"csrf_token": {"forged"}})
	if w.Code != http.StatusForbidden {
		t.Fatalf("forged CSRF token: %d, want 403", w.Code)
	}
	w = post(t, h, "tok-other-org", "/sign-out", url.Values{"csrf_token": {csrfToken("tok-applicant")}})
	if w.Code != http.StatusForbidden {
		t.Fatalf("another session's CSRF token: %d, want 403", w.Code)
	}
	if len(api.commands()) != 0 {
		t.Fatalf("a refused form reached the API: %+v", api.commands())
	}
}

func TestCrossSiteFormPostsAreRefused(t *testing.T) {
	h := newTestServer(t, newFakeAPI(t))
	r, _ := http.NewRequest(http.MethodPost, "/sign-in", strings.NewReader("token=tok-admin"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := &recordingWriter{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status != http.StatusForbidden {
		t.Fatalf("cross-site sign-in post: %d, want 403", rec.status)
	}
}

func TestAPIRequestsPassThrough(t *testing.T) {
	api := newFakeAPI(t)
	api.on("GET /v1/funds", http.StatusOK, map[string]any{"items": []any{}, "next_cursor": nil})
	h := newTestServer(t, api)
	r := httptest.NewRequest(http.MethodGet, "/v1/funds", nil)
	r.Header.Set("Authorization", "Bearer tok-admin")
	rec := &recordingWriter{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status != http.StatusOK || !strings.Contains(rec.body.String(), `"items"`) {
		t.Fatalf("GET /v1/funds through the front end: %d %s", rec.status, rec.body.String())
	}
}

type recordingWriter struct {
	header http.Header
	status int
	body   strings.Builder
}

func (w *recordingWriter) Header() http.Header { return w.header }
func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *recordingWriter) WriteHeader(s int) { w.status = s }
