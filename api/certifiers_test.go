package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// directoryTemporal is the directory workflow reduced to its state: it
// answers the state query and applies set_certifiers with the directory's
// own rules, as the workflow's handler does.
type directoryTemporal struct {
	client.Client
	mu      sync.Mutex
	st      directory.State
	updates []client.UpdateWorkflowOptions
}

func (c *directoryTemporal) QueryWorkflow(_ context.Context, workflowID, _, name string, _ ...any) (converter.EncodedValue, error) {
	if workflowID != workflows.DirectoryWorkflowID || name != workflows.QueryDirectory {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return encode(c.st)
}

func (c *directoryTemporal) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updates = append(c.updates, o)
	r, ok := o.Args[0].(workflows.SetCertifiersRequest)
	if !ok || o.UpdateName != workflows.UpdateSetCertifiers {
		return nil, fmt.Errorf("unexpected update %s", o.UpdateName)
	}
	cs, err := c.st.SetCertifiers(r.OrgCode, r.Certifiers, r.Reason, r.Actor, today)
	if err != nil {
		return nil, temporalerr.Encode(err)
	}
	return resultUpdate{cs}, nil
}

type resultUpdate struct{ v any }

func (u resultUpdate) WorkflowID() string { return "" }
func (u resultUpdate) RunID() string      { return "" }
func (u resultUpdate) UpdateID() string   { return "" }
func (u resultUpdate) Get(_ context.Context, into any) error {
	b, _ := json.Marshal(u.v)
	return json.Unmarshal(b, into)
}

// certifierPeople are QUY's finance officer and a colleague who deputises,
// someone of 7A1's and a reviewer.
var certifierPeople = []directory.Invite{
	{Email: "helen.barker@quy.nhs.uk", Name: "Helen Barker", OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}},
	{Email: "priya.nair@quy.nhs.uk", Name: "Priya Nair", OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}},
	{Email: "gareth.pritchard@7a1.nhs.uk", Name: "Gareth Pritchard", OrgCode: "7A1", Roles: []fundflow.Role{fundflow.RoleApplicant}},
	{Email: "rhian@nhs.net", Name: "Rhian Reviewer", Roles: []fundflow.Role{fundflow.RoleReviewer}},
}

// newCertifiersHarness is newHarness over directoryTemporal.
func newCertifiersHarness(t *testing.T) (*harness, *directoryTemporal) {
	dt := &directoryTemporal{}
	for _, in := range certifierPeople {
		if _, err := dt.st.InviteUser(in, fundflow.System, today); err != nil {
			t.Fatal(err)
		}
	}
	rdb, prefix := testredis.New(t)
	orgs, err := organisation.Default()
	if err != nil {
		t.Fatal(err)
	}
	tokens := auth.NewStore(rdb, prefix, nil, func() time.Time { return today })
	if err := tokens.Rebuild(context.Background(), directory.State{}); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, tokens: tokens, contract: apitest.Load(t, OpenAPIDocument()), prefix: prefix, readModel: readmodel.NewStore(rdb, prefix)}
	h.handler = NewServer(Deps{Temporal: dt, Redis: rdb, Tokens: tokens, Orgs: orgs, ReadModel: h.readModel, KeyPrefix: prefix,
		Now: func() time.Time { return today }})
	return h, dt
}

type certifierList struct {
	ODSCode    string `json:"ods_code"`
	Certifiers []struct {
		UserID        string `json:"user_id"`
		Name          string `json:"name"`
		Email         string `json:"email"`
		Capacity      string `json:"capacity"`
		CapacityLabel string `json:"capacity_label"`
		From          string `json:"from"`
		To            string `json:"to"`
		Current       bool   `json:"current"`
	} `json:"certifiers"`
}

func (h *harness) put(path, token, key, body string) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPut, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	h.contract.Check(h.t, req, rec.Code, rec.Header(), rec.Body.Bytes())
	return rec
}

func TestCertifiersAreSetByAdminsAndReadByTheirOrganisation(t *testing.T) {
	h, dt := newCertifiersHarness(t)
	admin := h.token(fundflow.RoleAdmin, "")
	cfo, deputy := directory.UserID(certifierPeople[0].Email), directory.UserID(certifierPeople[1].Email)
	body := fmt.Sprintf(`{"certifiers":[
		{"user_id":%q,"capacity":"chief_finance_officer","from":"2026-04-01"},
		{"user_id":%q,"capacity":"deputy","from":"2026-12-01","to":"2026-12-31"}],"reason":"new financial year"}`, cfo, deputy)
	rec := h.put("/v1/organisations/quy/certifiers", admin, "cert-1", body)
	if rec.Code != http.StatusOK {
		t.Fatalf("set: %d %s", rec.Code, rec.Body)
	}
	set := decodeBody[certifierList](t, rec)
	if set.ODSCode != "QUY" || len(set.Certifiers) != 2 {
		t.Fatalf("set: %+v", set)
	}
	c, d := set.Certifiers[0], set.Certifiers[1]
	if c.Name != "Helen Barker" || c.Email != "helen.barker@quy.nhs.uk" || c.CapacityLabel != "Chief finance officer" || c.From != "2026-04-01" || c.To != "" || !c.Current {
		t.Errorf("the finance officer: %+v", c)
	}
	if d.Capacity != "deputy" || d.To != "2026-12-31" || d.Current {
		t.Errorf("the deputy, from December: %+v", d)
	}
	if len(dt.updates) != 1 || !strings.HasSuffix(dt.updates[0].UpdateID, ":cert-1") {
		t.Fatalf("updates %+v", dt.updates)
	}
	if got := dt.updates[0].Args[0].(workflows.SetCertifiersRequest); got.OrgCode != "QUY" || got.Reason != "new financial year" {
		t.Fatalf("request %+v", got)
	}

	read := decodeBody[certifierList](t, h.do("GET", "/v1/organisations/QUY/certifiers", admin, nil))
	if len(read.Certifiers) != 2 || read.Certifiers[0].Email == "" {
		t.Fatalf("admin reads %+v", read)
	}
	rec = h.do("GET", "/v1/organisations/QUY/certifiers", h.token(fundflow.RoleApplicant, "QUY"), nil)
	own := decodeBody[certifierList](t, rec)
	if rec.Code != http.StatusOK || len(own.Certifiers) != 2 || own.Certifiers[0].Name != "Helen Barker" {
		t.Fatalf("QUY's applicant reads %d %+v", rec.Code, own)
	}
	if strings.Contains(rec.Body.String(), "@") {
		t.Errorf("an applicant sees addresses: %s", rec.Body)
	}
	wantProblem(t, h.do("GET", "/v1/organisations/QUY/certifiers", h.token(fundflow.RoleApplicant, "7A1"), nil), http.StatusNotFound, fundflow.ENOTFOUND)
	wantProblem(t, h.do("GET", "/v1/organisations/ZZZ/certifiers", admin, nil), http.StatusNotFound, fundflow.ENOTFOUND)
	wantProblem(t, h.do("GET", "/v1/organisations/QUY/certifiers", h.token(fundflow.RoleReviewer, ""), nil), http.StatusForbidden, fundflow.EFORBIDDEN)
	wantProblem(t, h.put("/v1/organisations/QUY/certifiers", h.token(fundflow.RoleApplicant, "QUY"), "", body), http.StatusForbidden, fundflow.EFORBIDDEN)
	if e := decodeBody[certifierList](t, h.do("GET", "/v1/organisations/7A1/certifiers", admin, nil)); e.ODSCode != "7A1" || e.Certifiers == nil || len(e.Certifiers) != 0 {
		t.Fatalf("an organisation with none: %+v", e)
	}
}

func TestRefusedCertifiersSaveNothing(t *testing.T) {
	h, dt := newCertifiersHarness(t)
	admin := h.token(fundflow.RoleAdmin, "")
	cfo, welsh := directory.UserID(certifierPeople[0].Email), directory.UserID(certifierPeople[2].Email)
	one := func(c string) string { return `{"certifiers":[` + c + `]}` }
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             fundflow.Code
		field, message   string
	}{
		{"unknown user", "QUY", one(`{"user_id":"usr_nobody","capacity":"sro","from":"2026-04-01"}`), 422, fundflow.EVALIDATION,
			"certifiers[0].user_id", `no user "usr_nobody"`},
		{"someone of another organisation", "QUY", one(fmt.Sprintf(`{"user_id":%q,"capacity":"sro","from":"2026-04-01"}`, welsh)), 422, fundflow.EVALIDATION,
			"certifiers[0].user_id", "Gareth Pritchard is not an applicant of QUY"},
		{"a deputy with no end", "QUY", one(fmt.Sprintf(`{"user_id":%q,"capacity":"deputy","from":"2026-04-01"}`, cfo)), 422, fundflow.EVALIDATION,
			"certifiers[0].to", "a deputy's delegation needs an end date"},
		{"an end before the start", "QUY", one(fmt.Sprintf(`{"user_id":%q,"capacity":"sro","from":"2026-04-01","to":"2026-03-31"}`, cfo)), 422, fundflow.EVALIDATION,
			"certifiers[0].to", "must be on or after the from date"},
		{"no such day", "QUY", one(fmt.Sprintf(`{"user_id":%q,"capacity":"sro","from":"2026-02-30"}`, cfo)), 422, fundflow.EVALIDATION,
			"certifiers[0].from", "must be a real date as YYYY-MM-DD"},
		{"no capacity", "QUY", one(fmt.Sprintf(`{"user_id":%q,"capacity":"boss","from":"2026-04-01"}`, cfo)), 422, fundflow.EVALIDATION,
			"certifiers[0].capacity", "must be one of"},
		{"no list", "QUY", `{"reason":"tidy up"}`, 422, fundflow.EVALIDATION, "certifiers", "is required"},
		{"an unknown field", "QUY", one(fmt.Sprintf(`{"user_id":%q,"capacity":"sro","from":"2026-04-01","until":"2027-01-01"}`, cfo)), 400, fundflow.EMALFORMED,
			"until", "unknown field"},
		{"an organisation abolished", "QHG", one(`{"user_id":"usr_nobody","capacity":"sro","from":"2026-04-01"}`), 422, fundflow.EVALIDATION,
			"ods_code", "S1Y5D"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := wantProblem(t, h.put("/v1/organisations/"+tc.path+"/certifiers", admin, "", tc.body), tc.status, tc.code)
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || !strings.Contains(p.Errors[0].Message, tc.message) {
				t.Fatalf("errors %+v, want %s: %s", p.Errors, tc.field, tc.message)
			}
		})
	}
	wantProblem(t, h.put("/v1/organisations/ZZZ/certifiers", admin, "", `{"certifiers":[]}`), http.StatusNotFound, fundflow.ENOTFOUND)
	if len(dt.st.Certifiers) != 0 || dt.st.Rev != int64(len(certifierPeople)) {
		t.Fatalf("a refusal saved something: %+v at rev %d", dt.st.Certifiers, dt.st.Rev)
	}
	for _, u := range dt.updates {
		if r := u.Args[0].(workflows.SetCertifiersRequest); r.OrgCode != "QUY" {
			t.Errorf("an update for %s reached the directory", r.OrgCode)
		}
	}
}
