package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
)

// The fuzz targets drive the real handlers, decoders and validators over
// the stand-in Temporal client; the property is the API's promise that bad
// input of any kind is a 4xx problem, never a 5xx or a panic. `make fuzz`
// runs each for a fixed time; seeds are in testdata/fuzz.

func serve(t *testing.T, h http.Handler, req *http.Request) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s → %d: %s", req.Method, req.URL, rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); rec.Code >= 400 && ct != "application/problem+json" {
		t.Fatalf("%s %s → %d with Content-Type %q", req.Method, req.URL, rec.Code, ct)
	}
}

func jsonRequest(method, path, token, contentType string, body []byte) *http.Request {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	return req
}

func FuzzCreateApplication(f *testing.F) {
	f.Add([]byte(`{"fund_id":"prevention-innovation-2026","requested_pence":8000000}`), "application/json")
	f.Add([]byte(`{"fund_id":"ü"}`), "application/json")
	f.Add([]byte(`{"fund_id":"x","lead_contact":{"name":"Siân","email":"a@b"}}`), "application/json; charset=utf-16")
	h, toks := standInServer(f)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		serve(t, h, jsonRequest("POST", "/v1/applications", toks[fundflow.RoleApplicant], contentType, body))
	})
}

// commandRoutes is every application command, with a role that may send it.
var commandRoutes = []struct {
	method, path string
	role         fundflow.Role
}{
	{"PATCH", "/v1/applications/%s", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/submit", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/withdraw", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/eligibility", fundflow.RoleReviewer},
	{"POST", "/v1/applications/%s/conflicts", fundflow.RoleReviewer},
	{"POST", "/v1/applications/%s/assessments", fundflow.RoleReviewer},
	{"POST", "/v1/applications/%s/queries", fundflow.RoleReviewer},
	{"POST", "/v1/applications/%s/queries/q1/answer", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/decision", fundflow.RolePanelChair},
	{"POST", "/v1/applications/%s/offer/accept", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/offer/decline", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/milestones/m1/evidence", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/milestones/m1/verify", fundflow.RoleProgrammeManager},
	{"POST", "/v1/applications/%s/milestones/m1/extension", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/milestones/m1/extension/decision", fundflow.RoleProgrammeManager},
	{"POST", "/v1/applications/%s/terminate", fundflow.RoleProgrammeManager},
	{"POST", "/v1/applications/%s/change-requests", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/change-requests/cr1/decision", fundflow.RoleProgrammeManager},
	{"POST", "/v1/applications/%s/change-requests/cr1/withdraw", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/returns/r1", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/returns/r1/sign-off", fundflow.RoleApplicant},
	{"POST", "/v1/applications/%s/returns/r1/review", fundflow.RoleProgrammeManager},
	{"POST", "/v1/funds/%s/open", fundflow.RoleAdmin},
	{"POST", "/v1/funds/%s/close", fundflow.RoleAdmin},
}

func FuzzApplicationCommands(f *testing.F) {
	f.Add(uint8(0), "app_0190000000001234567890", []byte(`{"need":"more"}`))
	f.Add(uint8(3), "app_1", []byte(`{"decision":"eligible","reason":"ok"}`))
	f.Add(uint8(5), "app_1", []byte(`{"scores":[{"criterion":"need","score":4}],"feedback":"f"}`))
	f.Add(uint8(6), "app_1", []byte(`{"question":"why?","respond_within":"P5D"}`))
	f.Add(uint8(8), "\tü", []byte(`{"outcome":"approve","amount_pence":1}`))
	h, toks := standInServer(f)
	f.Fuzz(func(t *testing.T, route uint8, id string, body []byte) {
		c := commandRoutes[int(route)%len(commandRoutes)]
		path := strings.Replace(c.path, "%s", url.PathEscape(id), 1)
		req := jsonRequest(c.method, path, toks[c.role], "application/json", body)
		req.Header.Set("Idempotency-Key", "fuzz")
		serve(t, h, req)
	})
}

func FuzzCreateFund(f *testing.F) {
	f.Add([]byte(`{"id":"new-fund","name":"A fund","sponsor":"S","budget_pence":100}`))
	h, toks := standInServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		serve(t, h, jsonRequest("POST", "/v1/funds", toks[fundflow.RoleAdmin], "application/json", body))
	})
}

// FuzzReads sends hostile ids and list parameters to the reads, as an
// applicant (scoped to one organisation) and as staff.
func FuzzReads(f *testing.F) {
	f.Add("app_1", "prevention-innovation-2026", "draft", "QUY", "", "10")
	f.Add("ü", "\t", "ü", "%", "(", "-1")
	h, toks := standInServer(f)
	f.Fuzz(func(t *testing.T, id, fundID, status, org, cursor, limit string) {
		q := url.Values{"fund_id": {fundID}, "status": {status}, "org_code": {org}, "cursor": {cursor}, "limit": {limit}}.Encode()
		id = url.PathEscape(id)
		for _, role := range []fundflow.Role{fundflow.RoleApplicant, fundflow.RoleAdmin} {
			for _, p := range []string{
				"/v1/applications?" + q, "/v1/applications/" + id, "/v1/applications/" + id + "/timeline?" + q,
				"/v1/funds/" + id, "/v1/funds/" + id + "/ledger?" + q, "/v1/organisations/" + id,
				"/v1/letters/" + id, "/v1/applications/" + id + "/letters",
			} {
				serve(t, h, jsonRequest("GET", p, toks[role], "", nil))
			}
		}
		serve(t, h, jsonRequest("GET", "/v1/programme/deployments?"+q, toks[fundflow.RoleProgrammeManager], "", nil))
		serve(t, h, jsonRequest("GET", "/v1/letters/"+id+"/verify?sha256="+url.QueryEscape(cursor), "", "", nil))
	})
}
