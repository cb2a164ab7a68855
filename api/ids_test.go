package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
)

// TestIdsWithStrayCharactersAre4xx sends what broke 15 of 15 routes: ids
// holding non-ASCII or control characters in the path, the body and the
// query. The stand-in refuses them as gRPC does, so before ids were checked
// at the edge each of these was a 500.
func TestIdsWithStrayCharactersAre4xx(t *testing.T) {
	h, toks := standInServer(t)
	app, admin := toks[fundflow.RoleApplicant], toks[fundflow.RoleAdmin]
	for _, c := range []struct {
		method, path, token, body string
		status                    int
	}{
		{"GET", "/v1/funds/%C3%BC", admin, "", http.StatusNotFound},
		{"GET", "/v1/funds/a%09b/ledger", admin, "", http.StatusNotFound},
		{"GET", "/v1/applications/%C3%BC", app, "", http.StatusNotFound},
		{"GET", "/v1/applications/app%00/timeline", app, "", http.StatusNotFound},
		{"POST", "/v1/applications/%C3%BC/submit", app, "", http.StatusNotFound},
		{"PATCH", "/v1/applications/%09", app, `{"need":"x"}`, http.StatusNotFound},
		{"POST", "/v1/funds/%C3%BC/open", admin, "", http.StatusNotFound},
		{"GET", "/v1/letters/FF-%C3%BC-OFFER-1", app, "", http.StatusNotFound},
		{"POST", "/v1/applications", app, `{"fund_id":"ü"}`, http.StatusUnprocessableEntity},
		{"POST", "/v1/applications", app, `{"fund_id":"a\tb"}`, http.StatusUnprocessableEntity},
		{"GET", "/v1/applications?fund_id=%C3%BC", admin, "", http.StatusUnprocessableEntity},
		{"GET", "/v1/applications?cursor=%09", admin, "", http.StatusUnprocessableEntity},
		{"GET", "/v1/programme/deployments?fund_id=%C3%BC", toks[fundflow.RoleProgrammeManager], "", http.StatusUnprocessableEntity},
	} {
		req := jsonRequest(c.method, c.path, c.token, "application/json", []byte(c.body))
		rec := httptestServe(h, req)
		if rec.Code != c.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s %s → %d %s, want %d problem", c.method, c.path, c.body, rec.Code, rec.Body.String(), c.status)
		}
	}
	// The public check answers "not genuine" for a reference that cannot
	// be one, as for any other unknown reference.
	rec := httptestServe(h, jsonRequest("GET", "/v1/letters/FF-%C3%BC-OFFER-1/verify?sha256="+strings.Repeat("a", 64), "", "", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"valid":false`) {
		t.Errorf("verify with a non-ASCII reference → %d %s", rec.Code, rec.Body.String())
	}
}
