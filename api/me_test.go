package api

import (
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
)

func TestMe(t *testing.T) {
	h := newHarness(t)
	t.Run("no token", func(t *testing.T) {
		wantProblem(t, h.do("GET", "/v1/me", "", nil), 401, fundflow.EUNAUTHORIZED)
	})
	for _, role := range fundflow.Roles {
		t.Run(string(role), func(t *testing.T) {
			org := ""
			if role == fundflow.RoleApplicant {
				org = "QUY"
			}
			tok, p := authtest.Token(t, h.tokens, role, org, "Siân "+string(role))
			rec := h.do("GET", "/v1/me", tok, nil)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			me := decodeBody[map[string]string](t, rec)
			if me["id"] != p.ID || me["name"] != "Siân "+string(role) || me["role"] != string(role) {
				t.Fatalf("me = %v, want the token's principal %+v", me, p)
			}
			if role != fundflow.RoleApplicant {
				if _, ok := me["org_code"]; ok {
					t.Fatalf("staff have no organisation: %v", me)
				}
				return
			}
			if me["org_code"] != "QUY" || !strings.Contains(me["org_name"], "Bristol, North Somerset and South Gloucestershire") {
				t.Fatalf("applicant's organisation = %v", me)
			}
		})
	}
}
