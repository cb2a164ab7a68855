package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/fund"
)

// TestPartnershipBid is a bid as an ICS writes one, through the API on a
// real server: the lead adds an NHS trust and a county council as
// partners, invites a council officer who writes the delivery plan, and
// submits; the ICB's certifier sends it back, the lead changes it, the
// certifier signs it off, and it goes through eligibility to the panel. A
// change after sign-off voids it. Every refusal on the way is a 4xx with a
// field error, and nothing it refused is saved.
func TestPartnershipBid(t *testing.T) {
	e := shared(t, func(d *fund.Definition) { d.SignOff = fund.SignOff{Required: true} })
	lead := e.token("applicant_QUY")
	certifier := e.token("certifier_QUY")

	var created map[string]any
	if code := e.DoKey("POST", "/v1/applications", lead, "create", e.application("Jo Hughes", 8_000_000), &created); code != 201 {
		t.Fatalf("create: %d %v", code, created)
	}
	ref := created["reference"].(string)
	app := "/v1/applications/" + ref
	var other map[string]any
	if code := e.DoKey("POST", "/v1/applications", lead, "create-other", e.application("Jo Hughes", 1_000_000), &other); code != 201 {
		t.Fatalf("create another: %d %v", code, other)
	}

	trust := map[string]any{"kind": "nhs_body", "ods_code": "ra7", "name": "ignored", "role": "Clinical delivery", "share_pence": 2_000_000}
	county := map[string]any{"kind": "local_authority", "name": "Gloucestershire County Council", "identifier": "E10000013", "role": "Public health", "share_pence": 1_000_000, "match_pence": 500_000}
	t.Run("partners", func(t *testing.T) {
		for name, c := range map[string]struct {
			partners []map[string]any
			field    string
		}{
			"unknown ODS code": {[]map[string]any{{"kind": "nhs_body", "ods_code": "ZZ9", "role": "x"}}, "partners[0].ods_code"},
			"malformed GSS":    {[]map[string]any{{"kind": "local_authority", "name": "Glos", "identifier": "E1000013", "role": "x"}}, "partners[0].identifier"},
			"bad charity":      {[]map[string]any{{"kind": "voluntary", "name": "Help", "identifier": "12AB", "role": "x"}}, "partners[0].identifier"},
			"shares too big":   {[]map[string]any{trust, withShare(county, 7_000_000)}, "partners"},
			"lead as partner":  {[]map[string]any{{"kind": "nhs_body", "ods_code": "QUY", "role": "x"}}, "partners[0].ods_code"},
		} {
			var out problemBody
			if code := e.DoKey(http.MethodPut, app+"/partners", lead, "partners-"+strings.ReplaceAll(name, " ", "-"), map[string]any{"partners": c.partners}, &out); code != 422 || !slices.Contains(errorFields(out), c.field) {
				t.Errorf("%s: %d %+v, want 422 on %s", name, code, out, c.field)
			}
		}
		var res struct{ Application applicationBody }
		if code := e.DoKey(http.MethodPut, app+"/partners", lead, "partners", map[string]any{"partners": []map[string]any{trust, county}}, &res); code != 200 {
			t.Fatalf("set partners: %d", code)
		}
		ps := res.Application.Partners
		if len(ps) != 2 || ps[0].Name != "Bristol NHS Foundation Trust" || ps[0].ODSCode != "RA7" || ps[1].Identifier != "E10000013" {
			t.Fatalf("partners as stored: %+v", ps)
		}
	})

	officer := "priya.shah@gloucestershire.gov.uk"
	var coToken string
	t.Run("co-applicant", func(t *testing.T) {
		for name, body := range map[string]map[string]any{
			"no email":      {"email": "priya", "name": "Priya Shah", "right": "edit"},
			"no such right": {"email": officer, "name": "Priya Shah", "right": "own"},
			"no section":    {"email": officer, "name": "Priya Shah", "right": "edit", "sections": []string{"budget"}},
		} {
			var out problemBody
			if code := e.DoKey("POST", app+"/co-applicants", lead, "bad-invite-"+strings.ReplaceAll(name, " ", "-"), body, &out); code != 422 {
				t.Errorf("%s: %d %+v", name, code, out)
			}
		}
		e.post(app+"/co-applicants", lead, map[string]any{"email": officer, "name": "Priya Shah", "right": "edit", "sections": []string{"delivery"}}, 200)
		coToken = e.mint(directory.UserID(officer), "co_applicant", "")
		// Invited, not yet joined: they can read the invitation, not edit.
		e.patchExpect(app, coToken, `{"delivery_plan": "Too soon."}`, "", http.StatusForbidden)
		e.post(app+"/invitation/accept", coToken, nil, 200)
		e.patchExpect(app, coToken, `{"delivery_plan": "Health visitors from the county council's public health team."}`, "", 200)
		e.patchExpect(app, coToken, `{"need": "Not mine to write."}`, "", http.StatusForbidden)
		var o problemBody
		if code := e.Do("GET", "/v1/applications/"+other["id"].(string), coToken, nil, &o); code != 404 {
			t.Fatalf("a co-applicant read another application of the lead organisation: %d", code)
		}
		var list struct{ Items []struct{ ID string } }
		e.Do("GET", "/v1/applications", coToken, nil, &list)
		if len(list.Items) != 1 || list.Items[0].ID != created["id"] {
			t.Fatalf("a co-applicant's list: %+v", list.Items)
		}

		viewer := "sam.jones@gloucestershire.gov.uk"
		e.post(app+"/co-applicants", lead, map[string]any{"email": viewer, "name": "Sam Jones", "right": "view"}, 200)
		viewToken := e.mint(directory.UserID(viewer), "co_applicant", "")
		e.post(app+"/invitation/accept", viewToken, nil, 200)
		e.patchExpect(app, viewToken, `{"delivery_plan": "Overwritten."}`, "", http.StatusForbidden)
		e.post(app+"/comments", viewToken, map[string]any{"text": "I can only read."}, http.StatusForbidden)

		// Two people saving the same section from the same copy: the
		// later is refused, naming who changed it, and nothing is lost.
		var v applicationBody
		e.Do("GET", app, lead, nil, &v)
		e.patchExpect(app, coToken, `{"delivery_plan": "Health visitors and school nurses."}`, fmt.Sprint(v.Version), 200)
		var clash problemBody
		if code := e.patch(app, lead, `{"delivery_plan": "GP referrals."}`, fmt.Sprint(v.Version), &clash); code != http.StatusConflict || !slices.Contains(errorFields(clash), "delivery") {
			t.Fatalf("a second concurrent edit: %d %+v", code, clash)
		}
		e.Do("GET", app, lead, nil, &v)
		if v.Content["delivery_plan"] != "Health visitors and school nurses." {
			t.Fatalf("delivery plan after the refused save: %v", v.Content["delivery_plan"])
		}
	})

	t.Run("sign-off", func(t *testing.T) {
		// The certifier sends the bid themselves: nobody else could sign
		// it off, so it is refused.
		var alone problemBody
		if code := e.DoKey("POST", app+"/submit", certifier, "certifier-submits", nil, &alone); code != http.StatusConflict {
			t.Fatalf("the only certifier submitting: %d %+v", code, alone)
		}
		out := e.post(app+"/submit", lead, nil, 200)
		if out["status"] != "awaiting_sign_off" {
			t.Fatalf("submitted into %v", out["status"])
		}
		e.post(app+"/sign-off/send-back", certifier, map[string]any{"reason": "Say what the council's match funding pays for."}, 200)
		e.patchExpect(app, lead, `{"need": "High prevalence; the council's match funding pays for outreach."}`, "", 200)
		e.post(app+"/submit", lead, nil, 200)
		var v applicationBody
		e.Do("GET", app, certifier, nil, &v)
		if !slices.Contains(v.actionNames(), "sign_off") || v.SignOff.Status != "awaiting" {
			t.Fatalf("the certifier may not sign off: %v %+v", v.actionNames(), v.SignOff)
		}
		var undeclared problemBody
		if code := e.DoKey("POST", app+"/sign-off", certifier, "undeclared", map[string]any{"answers_sha256": v.SignOff.AnswersSHA256, "declare": false}, &undeclared); code != 422 || !slices.Contains(errorFields(undeclared), "declare") {
			t.Fatalf("sign-off without the declaration: %d %+v", code, undeclared)
		}
		signed := e.post(app+"/sign-off", certifier, map[string]any{"answers_sha256": v.SignOff.AnswersSHA256, "declare": true}, 200)
		if signed["status"] != "eligibility" {
			t.Fatalf("signed off into %v", signed["status"])
		}

		// A change after sign-off voids it, and the bid waits for a new
		// one.
		e.patchExpect(app, lead, `{"planned_reach": 12500}`, "", 200)
		e.Do("GET", app, lead, nil, &v)
		if v.Status != "awaiting_sign_off" || v.SignOff.Current != nil || len(v.SignOff.History) != 1 || v.SignOff.History[0].Voided == nil {
			t.Fatalf("after a change to a signed-off bid: %s %+v", v.Status, v.SignOff)
		}
		if !e.timelineHas(app, lead, "sign_off_voided") {
			t.Fatal("the timeline does not say the sign-off was voided")
		}
		e.Do("GET", app, certifier, nil, &v)
		e.post(app+"/sign-off", certifier, map[string]any{"answers_sha256": v.SignOff.AnswersSHA256, "declare": true}, 200)
	})

	t.Run("to the panel", func(t *testing.T) {
		e.post(app+"/eligibility", e.token("reviewer1"), map[string]string{"decision": "pass", "reason": "Eligible."}, 200)
		var v applicationBody
		e.Do("GET", app, e.token("panel_chair"), nil, &v)
		for _, r := range v.Reviewers {
			e.post(app+"/assessments", e.reviewerToken(r.ID), e.assessment(4), 200)
		}
		e.Do("GET", app, e.token("panel_chair"), nil, &v)
		if v.Status != "panel" || len(v.Partners) != 2 || v.SignOff.Current == nil || len(v.CoApplicants) != 2 {
			t.Fatalf("at the panel: %s, %d partners, sign-off %+v, %d co-applicants", v.Status, len(v.Partners), v.SignOff.Current, len(v.CoApplicants))
		}
		if len(v.Comments) != 0 {
			t.Fatalf("staff read the team's notes: %+v", v.Comments)
		}
		var ranking struct {
			Items []struct {
				Reference string   `json:"reference"`
				Partners  []string `json:"partners"`
			}
		}
		e.Do("GET", "/v1/funds/"+e.fund.ID+"/panel", e.token("panel_chair"), nil, &ranking)
		if len(ranking.Items) != 1 || len(ranking.Items[0].Partners) != 2 {
			t.Fatalf("the panel's ranking: %+v", ranking.Items)
		}
	})

	t.Run("invitations on another domain", func(t *testing.T) {
		strict := e.newFund(func(d *fund.Definition) { d.Invitations = fund.InviteLeadDomain })
		leadUser := e.mint(directory.UserID("ics.lead.quy@example.nhs.uk"), "applicant", "QUY")
		var draft map[string]any
		body := e.application("Jo Hughes", 1_000_000)
		body["fund_id"] = strict.ID
		if code := e.DoKey("POST", "/v1/applications", leadUser, "strict", body, &draft); code != 201 {
			t.Fatalf("create: %d %v", code, draft)
		}
		var out problemBody
		if code := e.DoKey("POST", "/v1/applications/"+draft["id"].(string)+"/co-applicants", leadUser, "elsewhere",
			map[string]any{"email": officer, "name": "Priya Shah", "right": "view"}, &out); code != 422 || !slices.Contains(errorFields(out), "email") {
			t.Fatalf("an invitation to another organisation's domain: %d %+v", code, out)
		}
		e.post("/v1/applications/"+draft["id"].(string)+"/co-applicants", leadUser, map[string]any{"email": "finance.team@example.nhs.uk", "name": "Finance team", "right": "view"}, 200)
	})
}

func withShare(p map[string]any, pence int64) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		out[k] = v
	}
	out["share_pence"] = pence
	return out
}

// applicationBody is what these tests read of an application.
type applicationBody struct {
	ID        string         `json:"id"`
	Status    string         `json:"status"`
	Version   int64          `json:"version"`
	Content   map[string]any `json:"content"`
	Reviewers []struct {
		ID string `json:"id"`
	} `json:"reviewers"`
	Partners []struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		ODSCode    string `json:"ods_code"`
		Identifier string `json:"identifier"`
	} `json:"partners"`
	CoApplicants []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"co_applicants"`
	Comments []any `json:"comments"`
	SignOff  struct {
		Status        string `json:"status"`
		AnswersSHA256 string `json:"answers_sha256"`
		Current       *struct {
			By struct {
				ID string `json:"id"`
			} `json:"by"`
		} `json:"current"`
		History []struct {
			Voided *struct{} `json:"voided"`
		} `json:"history"`
	} `json:"sign_off"`
	Actions []struct {
		Name string `json:"name"`
	} `json:"actions"`
}

func (v applicationBody) actionNames() []string {
	var out []string
	for _, a := range v.Actions {
		out = append(out, a.Name)
	}
	return out
}

// mint is a token for a directory user, made by the admin as a person's
// scripts would have one.
func (e *env) mint(userID, role, org string) string {
	e.t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	body := map[string]any{"name": "e2e " + userID + " " + role, "role": role, "user_id": userID, "reason": e.t.Name()}
	if org != "" {
		body["org_code"] = org
	}
	eventually(e.t, "a token for "+userID, func() (bool, string) {
		code := e.DoKey("POST", "/v1/tokens", e.token("admin"), fmt.Sprintf("mint-%s-%s-%d", userID, role, time.Now().UnixNano()), body, &tok)
		return code == http.StatusCreated, fmt.Sprint(code)
	})
	return tok.Token
}

// patch sends answers, from the version given (If-Match) when not empty.
func (e *env) patch(path, token, body, version string, out any) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, e.stack.API+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("%s:patch-%d", e.fund.ID, time.Now().UnixNano()))
	if version != "" {
		req.Header.Set("If-Match", `"`+version+`"`)
	}
	code, _, b := e.Client.Send(req, token)
	if err := json.Unmarshal(b, out); err != nil {
		e.t.Fatalf("PATCH %s: %v\n%s", path, err, b)
	}
	return code
}

func (e *env) patchExpect(path, token, body, version string, want int) {
	e.t.Helper()
	var out map[string]any
	if code := e.patch(path, token, body, version, &out); code != want {
		e.t.Fatalf("PATCH %s %s: %d, want %d: %v", path, body, code, want, out)
	}
}

// timelineHas reports whether the application's timeline records action.
func (e *env) timelineHas(path, token, action string) bool {
	var page struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	e.Do("GET", path+"/timeline?limit=200", token, nil, &page)
	return slices.ContainsFunc(page.Items, func(x struct {
		Action string `json:"action"`
	}) bool {
		return x.Action == action
	})
}
