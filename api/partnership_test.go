package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/workflows"
)

// A co-applicant is let into the applications they were invited to, one
// by one, and into nothing else of the lead organisation's; with the view
// right they are offered nothing to do, and the team's notes they may
// read are never shown to staff.
func TestCoApplicantsSeeOnlyTheirApplication(t *testing.T) {
	h := newHarness(t)
	coTok, co := authtest.Token(t, h.tokens, fundflow.RoleCoApplicant, "", "Priya Shah")
	staff := h.token(fundflow.RoleProgrammeManager, "")
	invited := stateAt(3, application.StatusDraft)
	invited.ID = "app_teamA"
	invited.CoApplicants = []workflows.CoApplicant{{Member: application.Member{ID: co.ID, Name: "Priya Shah", Right: application.RightView}, Status: application.MemberActive}}
	invited.Comments = []application.Comment{{ID: "c1", Text: "Check the council's figures."}}
	invited.ActionsBy["member:"+co.ID] = []workflows.Action{}
	other := stateAt(3, application.StatusDraft)
	other.ID = "app_teamB"
	h.project(t, invited)
	h.project(t, other)

	read := func(id, token string) (int, map[string]any) {
		rec := h.do("GET", "/v1/applications/"+id, token, nil)
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body
	}
	code, body := read("app_teamA", coTok)
	if code != http.StatusOK {
		t.Fatalf("the invited application: %d %v", code, body)
	}
	if acts := body["actions"].([]any); len(acts) != 0 {
		t.Errorf("a co-applicant who may only view is offered %v", acts)
	}
	if _, staffView := body["panel"]; staffView {
		t.Error("a co-applicant was shown the staff view")
	}
	if code, _ := read("app_teamB", coTok); code != http.StatusNotFound {
		t.Errorf("another application of the same organisation: %d", code)
	}
	if code, body := read("app_teamA", staff); code != http.StatusOK || len(body["comments"].([]any)) != 0 {
		t.Errorf("staff read the team's notes: %d %v", code, body["comments"])
	}

	rec := h.do("GET", "/v1/applications", coTok, nil)
	var list struct{ Items []struct{ ID string } }
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != 200 || len(list.Items) != 1 || list.Items[0].ID != "app_teamA" {
		t.Fatalf("a co-applicant's list: %d %s", rec.Code, rec.Body)
	}
	// Staff routes stay closed to them.
	for _, path := range []string{"/v1/reviews", "/v1/programme/deployments", "/v1/users"} {
		if rec := h.do("GET", path, coTok, nil); rec.Code != http.StatusForbidden {
			t.Errorf("GET %s as a co-applicant: %d", path, rec.Code)
		}
	}
	// Submitting is the lead organisation's.
	req := jsonRequest("POST", "/v1/applications/app_teamA/submit", coTok, "k1", nil)
	if rec := httptestServe(h.handler, req); rec.Code != http.StatusForbidden {
		t.Errorf("a co-applicant submitting: %d", rec.Code)
	}
}
