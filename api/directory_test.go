package api

import (
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
)

// directoryRoutes are the admin-only routes, each with a body that would
// be accepted.
var directoryRoutes = []struct{ method, path, body string }{
	{"GET", "/v1/users", ""},
	{"POST", "/v1/users", `{"email":"a@nhs.net","name":"A","roles":["reviewer"]}`},
	{"POST", "/v1/users/usr_1/roles", `{"roles":["reviewer"],"reason":"r"}`},
	{"POST", "/v1/users/usr_1/deactivate", `{"reason":"left"}`},
	{"POST", "/v1/users/usr_1/reactivate", `{"reason":"back"}`},
	{"GET", "/v1/funds/f/reviewers", ""},
	{"PUT", "/v1/funds/f/reviewers", `{"reviewers":[]}`},
	{"PUT", "/v1/organisations/QUY/certifiers", `{"certifiers":[]}`},
	{"GET", "/v1/tokens", ""},
	{"POST", "/v1/tokens", `{"name":"ci","role":"admin"}`},
	{"POST", "/v1/tokens/tok_1/revoke", ""},
	{"GET", "/v1/directory/audit", ""},
}

func TestDirectoryRoutesAreAdminOnly(t *testing.T) {
	h := newHarness(t)
	for _, role := range fundflow.Roles {
		if role == fundflow.RoleAdmin {
			continue
		}
		org := ""
		if role == fundflow.RoleApplicant {
			org = "QUY"
		}
		tok := h.token(role, org)
		for _, rt := range directoryRoutes {
			rec := h.do(rt.method, rt.path, tok, strings.NewReader(rt.body))
			if rec.Code != 403 {
				t.Errorf("%s %s as %s: %d, want 403", rt.method, rt.path, role, rec.Code)
			}
		}
	}
}

// An organisation not valid today is refused before the directory is
// asked: no token or person can be made for it.
func TestDirectoryRefusesOrganisationsNotValidToday(t *testing.T) {
	h := newHarness(t)
	admin := h.token(fundflow.RoleAdmin, "")
	for _, rt := range []struct{ path, body, want string }{
		{"/v1/tokens", `{"name":"BLMK","role":"applicant","org_code":"QHG"}`, "S1Y5D"},
		{"/v1/users", `{"email":"lead@nhs.net","name":"Lead","roles":["applicant"],"org_code":"QHG"}`, "S1Y5D"},
		{"/v1/tokens", `{"name":"nobody","role":"applicant","org_code":"ZZZ"}`, `no organisation "ZZZ"`},
	} {
		rec := h.do("POST", rt.path, admin, strings.NewReader(rt.body))
		p := wantProblem(t, rec, 422, fundflow.EVALIDATION)
		if len(p.Errors) != 1 || p.Errors[0].Field != "org_code" || !strings.Contains(p.Errors[0].Message, rt.want) {
			t.Errorf("%s %s: %+v", rt.path, rt.body, p)
		}
	}
}
