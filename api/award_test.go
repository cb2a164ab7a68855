package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
)

// afterAwardRoutes are the routes of an award's life after the offer, each
// with the roles that may use it.
var afterAwardRoutes = []struct {
	method, path string
	roles        []fundflow.Role
}{
	{"POST", "/v1/applications/app_1/change-requests", []fundflow.Role{fundflow.RoleApplicant}},
	{"POST", "/v1/applications/app_1/change-requests/cr1/decision", []fundflow.Role{fundflow.RoleProgrammeManager, fundflow.RolePanelChair}},
	{"POST", "/v1/applications/app_1/change-requests/cr1/withdraw", []fundflow.Role{fundflow.RoleApplicant}},
	{"POST", "/v1/applications/app_1/returns/r1", []fundflow.Role{fundflow.RoleApplicant}},
	{"POST", "/v1/applications/app_1/returns/r1/sign-off", []fundflow.Role{fundflow.RoleApplicant}},
	{"POST", "/v1/applications/app_1/returns/r1/review", []fundflow.Role{fundflow.RoleProgrammeManager}},
	{"PUT", "/v1/funds/f1/terms", []fundflow.Role{fundflow.RoleAdmin}},
}

// Every role a route does not name is refused before any workflow is asked,
// co-applicants included: they write bids, they do not run awards.
func TestAfterAwardRoutesAdmitOnlyTheirRoles(t *testing.T) {
	h, toks := standInServer(t)
	for _, r := range afterAwardRoutes {
		for _, role := range fundflow.Roles {
			if slices.Contains(r.roles, role) {
				continue
			}
			req := jsonRequest(r.method, r.path, toks[role], "application/json", []byte(`{}`))
			req.Header.Set("Idempotency-Key", "authz")
			rec := httptestServe(h, req)
			if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), string(fundflow.EFORBIDDEN)) {
				t.Errorf("%s %s as %s: %d %s, want 403", r.method, r.path, role, rec.Code, rec.Body.String())
			}
		}
	}
}
