package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// standInTemporal answers the few calls the fuzzed handlers make, the way a
// Temporal server would: one open fund, an application for any
// well-formed id, and the gRPC rule that ids travel as printable ASCII
// metadata (a real client fails on anything else with an internal error,
// which is what the fuzzers must never provoke). Any other call reaches
// the nil embedded client and panics, which the fuzzers report as a 500.
type standInTemporal struct {
	client.Client
	fund workflows.FundView
	// calls names each call made, when not nil.
	calls *[]string
}

func (c *standInTemporal) called(name string) {
	if c.calls != nil {
		*c.calls = append(*c.calls, name)
	}
}

// DescribeWorkflowExecution knows every application id starting app_, all
// of them QUY's.
func (c *standInTemporal) DescribeWorkflowExecution(_ context.Context, workflowID, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	c.called("DescribeWorkflowExecution")
	if err := metadataSafe(workflowID); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(workflowID, workflows.ApplicationWorkflowID("app_")) {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	org, err := converter.GetDefaultDataConverter().ToPayload("QUY")
	if err != nil {
		return nil, err
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{workflows.SearchOrgCode.GetName(): org}},
	}}, nil
}

func newStandInTemporal() *standInTemporal {
	def := fund.SeedDefinition(today)
	return &standInTemporal{fund: workflows.FundView{Definition: def, Status: fund.StatusOpen}}
}

// metadataSafe is gRPC's rule for metadata values.
func metadataSafe(ids ...string) error {
	for _, id := range ids {
		for i := 0; i < len(id); i++ {
			if id[i] < 0x20 || id[i] > 0x7e {
				return errors.New(`header key "temporal-resource-id" contains value with non-printable ASCII characters`)
			}
		}
	}
	return nil
}

func encode(v any) (converter.EncodedValue, error) {
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	return client.NewValue(p), err
}

func (c *standInTemporal) QueryWorkflow(_ context.Context, workflowID, _, name string, _ ...any) (converter.EncodedValue, error) {
	c.called("QueryWorkflow")
	if err := metadataSafe(workflowID); err != nil {
		return nil, err
	}
	switch {
	case workflowID == workflows.FundWorkflowID(c.fund.Definition.ID) && name == workflows.QueryFund:
		return encode(c.fund)
	case workflowID == workflows.FundWorkflowID(c.fund.Definition.ID) && name == workflows.QueryForm:
		d := c.fund.Definition
		return encode(workflows.FormView{FundID: d.ID, Version: d.FormVersion(), Form: d.ApplicationForm()})
	case strings.HasPrefix(workflowID, workflows.ApplicationWorkflowID("")) && name == workflows.QueryApplication:
		id := strings.TrimPrefix(workflowID, workflows.ApplicationWorkflowID(""))
		return encode(workflows.ApplicationView{ID: id, FundID: c.fund.Definition.ID, OrgCode: "QUY",
			Status: application.StatusDraft, CreatedAt: today})
	}
	return nil, serviceerror.NewNotFound("workflow not found")
}

func (c *standInTemporal) NewWithStartWorkflowOperation(client.StartWorkflowOptions, any, ...any) client.WithStartWorkflowOperation {
	return nil
}

func (c *standInTemporal) UpdateWithStartWorkflow(_ context.Context, o client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	c.called("UpdateWithStartWorkflow")
	if err := metadataSafe(o.UpdateOptions.UpdateID); err != nil {
		return nil, err
	}
	return doneUpdate{}, nil
}

func (c *standInTemporal) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	if err := metadataSafe(o.WorkflowID, o.UpdateID); err != nil {
		return nil, err
	}
	return doneUpdate{}, nil
}

func (c *standInTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	if err := metadataSafe(o.ID); err != nil {
		return nil, err
	}
	return nil, nil
}

type doneUpdate struct{ client.WorkflowUpdateHandle }

func (doneUpdate) Get(context.Context, any) error { return nil }

// standInServer is the real handler over the stand-in and a real Redis,
// with one token per role.
func standInServer(t testing.TB) (http.Handler, map[fundflow.Role]string) {
	rdb, prefix := testredis.New(t)
	orgs, err := organisation.Default()
	if err != nil {
		t.Fatal(err)
	}
	tokens := auth.NewStore(rdb, prefix, nil, func() time.Time { return today })
	h := NewServer(Deps{Temporal: newStandInTemporal(), Redis: rdb, Tokens: tokens, Orgs: orgs,
		ReadModel: readmodel.NewStore(rdb, prefix), KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return today }})
	toks := map[fundflow.Role]string{}
	for _, role := range fundflow.Roles {
		tok, _ := authtest.Token(t, tokens, role, orgFor(role), string(role))
		toks[role] = tok
	}
	return h, toks
}

func orgFor(r fundflow.Role) string {
	if r == fundflow.RoleApplicant {
		return "QUY"
	}
	return ""
}

func httptestServe(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
