package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fundflow/fundflow"
)

// TestEveryV1AnswerForbidsSniffingAndCaching walks every route the router
// has, so a route added later is covered too, and answers that never reach
// a route: 401, 404 and 405.
func TestEveryV1AnswerForbidsSniffingAndCaching(t *testing.T) {
	h := newHarness(t)
	tok := h.token(fundflow.RoleApplicant, "QUY")
	var paths []string
	s := &server{router: mux.NewRouter(), metrics: newHTTPMetrics(prometheus.NewRegistry())}
	s.routes()
	templ := regexp.MustCompile(`\{[^}]+\}`)
	err := s.router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		p, err := route.GetPathTemplate()
		if err == nil && strings.HasPrefix(p, "/v1/") {
			paths = append(paths, templ.ReplaceAllString(p, "x1"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "/v1/no-such-thing")
	for _, p := range paths {
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			for _, token := range []string{"", tok} {
				// The event stream answers until its client leaves.
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				req := httptest.NewRequestWithContext(ctx, m, p, strings.NewReader("{}"))
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				rec := httptest.NewRecorder()
				h.handler.ServeHTTP(rec, req)
				cancel()
				if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("%s %s → %d: X-Content-Type-Options = %q", m, p, rec.Code, got)
				}
				if got := rec.Header().Get("Cache-Control"); got != "no-store" {
					t.Errorf("%s %s → %d: Cache-Control = %q", m, p, rec.Code, got)
				}
			}
		}
	}
}

func TestUnsupportedMethodsAre405WithAllow(t *testing.T) {
	h := newHarness(t)
	tok := h.token(fundflow.RoleAdmin, "")
	for _, c := range []struct{ method, path, allow string }{
		{"PUT", "/v1/funds", "GET, POST"},
		{"DELETE", "/v1/funds", "GET, POST"},
		{"DELETE", "/v1/applications/app_1", "GET, PATCH"},
		{"PUT", "/v1/applications/app_1/submit", "POST"},
		{"DELETE", "/v1/letters/LTR-1/verify", "GET"},
		{"POST", "/v1/me", "GET"},
		{"PUT", "/healthz", "GET"},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		p := wantProblem(t, rec, http.StatusMethodNotAllowed, fundflow.EMETHODNOTALLOWED)
		if got := rec.Header().Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow = %q, want %q (%s)", c.method, c.path, got, c.allow, p.Detail)
		}
	}
	// A path no route serves by any method stays a 404.
	req := httptest.NewRequest("DELETE", "/v1/nothing-here", nil)
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	wantProblem(t, rec, http.StatusNotFound, fundflow.ENOTFOUND)
}
