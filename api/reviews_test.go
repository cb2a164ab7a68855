package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/workflows"
)

// reviewing makes Temporal list the given funds as running and answer each
// one's reviewer_assignments query from assigned: fund, then reviewer, to
// application ids.
func (h *harness) reviewing(assigned map[string]map[string][]string) {
	resp := &workflowservice.ListWorkflowExecutionsResponse{}
	for fund := range assigned {
		resp.Executions = append(resp.Executions, &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: workflows.FundWorkflowID(fund)},
			StartTime: timestamppb.New(today),
		})
	}
	running := mock.MatchedBy(func(req *workflowservice.ListWorkflowExecutionsRequest) bool {
		return strings.HasSuffix(req.GetQuery(), " AND ExecutionStatus = 'Running'")
	})
	h.temporal.On("ListWorkflow", mock.Anything, running).Return(resp, nil)
	h.temporal.On("QueryWorkflow", mock.Anything, mock.Anything, "", workflows.QueryReviewerAssignments, mock.Anything).Return(
		func(_ context.Context, workflowID, _, _ string, args ...any) (converter.EncodedValue, error) {
			fund := strings.TrimPrefix(workflowID, workflows.FundWorkflowID(""))
			ids := assigned[fund][args[0].(string)]
			if ids == nil {
				ids = []string{}
			}
			p, err := converter.GetDefaultDataConverter().ToPayloads(ids)
			return client.NewValue(p), err
		})
}

func TestReviewsAreTheCallersDueSoonestFirst(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	reviewer := func(name string) (string, auth.Principal) {
		return authtest.Token(t, h.tokens, fundflow.RoleReviewer, "", name)
	}
	tok1, rev1 := reviewer("Rae One")
	tok2, rev2 := reviewer("Kit Two")
	tok3, _ := reviewer("Lou Three")
	due := func(day int) *time.Time {
		d := time.Date(2026, 11, day, 17, 0, 0, 0, time.UTC)
		return &d
	}
	for _, a := range []application.Row{
		{ID: "a1", FundID: "f1", StageDueAt: due(30)},
		{ID: "a2", FundID: "f1", StageDueAt: due(25)},
		{ID: "a3", FundID: "f1", StageDueAt: due(27)},
		{ID: "a4", FundID: "f1", StageDueAt: due(27)},
		{ID: "b1", FundID: "f2"},
		{ID: "b2", FundID: "f2", StageDueAt: due(28)},
	} {
		a.OrgCode, a.Status, a.StatusLabel, a.Version, a.CreatedAt = "QUY", "assessment", "Assessment", 1, today
		if _, err := h.readModel.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	h.reviewing(map[string]map[string][]string{
		"f1": {rev1.ID: {"a1", "a3", "a4"}, rev2.ID: {"a2"}},
		// b9's projection is not written yet; it is left out, not an error.
		"f2": {rev1.ID: {"b1", "b2", "b9"}},
	})

	t.Run("only reviewers", func(t *testing.T) {
		for _, role := range fundflow.Roles {
			if role == fundflow.RoleReviewer {
				continue
			}
			org := ""
			if role == fundflow.RoleApplicant {
				org = "QUY"
			}
			wantProblem(t, h.do("GET", "/v1/reviews", h.token(role, org), nil), 403, fundflow.EFORBIDDEN)
		}
		wantProblem(t, h.do("GET", "/v1/reviews", "", nil), 401, fundflow.EUNAUTHORIZED)
	})
	t.Run("due soonest first, ties by id, no due date last", func(t *testing.T) {
		var got []string
		path := "/v1/reviews?limit=2"
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("pagination does not end")
			}
			rec := h.do("GET", path, tok1, nil)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			l := decodeBody[list[application.Row]](t, rec)
			for _, a := range l.Items {
				got = append(got, a.ID)
			}
			if l.NextCursor == nil {
				break
			}
			path = "/v1/reviews?limit=2&cursor=" + *l.NextCursor
		}
		if fmt.Sprint(got) != "[a3 a4 b2 a1 b1]" {
			t.Fatalf("reviews = %v", got)
		}
	})
	t.Run("another reviewer sees only their own", func(t *testing.T) {
		l := decodeBody[list[application.Row]](t, h.do("GET", "/v1/reviews", tok2, nil))
		if len(l.Items) != 1 || l.Items[0].ID != "a2" || l.Items[0].FundID != "f1" || l.NextCursor != nil {
			t.Fatalf("reviews = %+v", l)
		}
	})
	t.Run("a reviewer with none gets an empty list", func(t *testing.T) {
		rec := h.do("GET", "/v1/reviews", tok3, nil)
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"items":[],"next_cursor":null}` {
			t.Fatalf("reviews: %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("bad paging", func(t *testing.T) {
		wantProblem(t, h.do("GET", "/v1/reviews?limit=500", tok1, nil), 422, fundflow.EVALIDATION)
	})
}
