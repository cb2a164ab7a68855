package api

import (
	"context"
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/workflows"
)

// Wherever an application is named, its reference does as well as its id,
// under the same access rule.
func TestApplicationsAreNamedByReference(t *testing.T) {
	h := newHarness(t)
	v := finishedView("app_ref", application.StatusRejected)
	v.Reference = "PIF-0007"
	v.Letters = []letters.Record{{Ref: "PIF-0007-REJ-1", Kind: letters.KindRejection, Revision: 1, IssuedAt: today,
		SHA256: strings.Repeat("ab", 32), Bytes: 10}}
	h.closedApplications(map[string]workflows.ApplicationView{"app_ref": v})
	if _, err := h.readModel.Put(context.Background(), workflows.ApplicationRow(v, today)); err != nil {
		t.Fatal(err)
	}
	own, other := h.token(fundflow.RoleApplicant, "QUY"), h.token(fundflow.RoleApplicant, "QHL")

	rec := h.do("GET", "/v1/applications/PIF-0007", own, nil)
	if rec.Code != 200 {
		t.Fatalf("GET by reference: %d %s", rec.Code, rec.Body.String())
	}
	got := decodeBody[map[string]any](t, rec)
	if got["id"] != "app_ref" || got["reference"] != "PIF-0007" {
		t.Errorf("id %v, reference %v", got["id"], got["reference"])
	}
	if rec := h.do("GET", "/v1/applications/PIF-0007/letters", own, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "PIF-0007-REJ-1") {
		t.Errorf("letters by reference: %d %s", rec.Code, rec.Body.String())
	}
	wantProblem(t, h.do("POST", "/v1/applications/PIF-0007/withdraw", own, strings.NewReader(`{"reason":"x"}`)), 409, fundflow.EINVALIDSTATE)

	// Another organisation's applicant is told the reference names
	// nothing, exactly as for its id and for a reference never given.
	wantProblem(t, h.do("GET", "/v1/applications/PIF-0007", other, nil), 404, fundflow.ENOTFOUND)
	wantProblem(t, h.do("GET", "/v1/applications/app_ref", other, nil), 404, fundflow.ENOTFOUND)
	wantProblem(t, h.do("GET", "/v1/applications/PIF-0999", own, nil), 404, fundflow.ENOTFOUND)
	wantProblem(t, h.do("GET", "/v1/letters/PIF-0007-REJ-1", other, nil), 404, fundflow.ENOTFOUND)
	wantProblem(t, h.do("GET", "/v1/letters/PIF-0999-REJ-1", own, nil), 404, fundflow.ENOTFOUND)

	check := h.do("GET", "/v1/letters/PIF-0007-REJ-1/verify?sha256="+strings.Repeat("ab", 32), "", nil)
	if check.Code != 200 || !strings.Contains(check.Body.String(), `"valid":true`) {
		t.Errorf("public check by the new reference: %d %s", check.Code, check.Body.String())
	}
	check = h.do("GET", "/v1/letters/PIF-0999-REJ-1/verify?sha256="+strings.Repeat("ab", 32), "", nil)
	if check.Code != 200 || !strings.Contains(check.Body.String(), `"valid":false`) {
		t.Errorf("a reference never given: %d %s", check.Code, check.Body.String())
	}
}
