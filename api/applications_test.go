package api

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/workflows"
)

// closedApplications makes Temporal answer as it does for workflows that
// have ended: Queries answer from the final state, Updates are NotFound.
// Ids missing from views are not found at all.
func (h *harness) closedApplications(views map[string]workflows.ApplicationView) {
	h.temporal.On("QueryWorkflow", mock.Anything, mock.Anything, "", workflows.QueryApplication, mock.Anything).Return(
		func(_ context.Context, workflowID, _, _ string, _ ...any) (converter.EncodedValue, error) {
			v, ok := views[strings.TrimPrefix(workflowID, workflows.ApplicationWorkflowID(""))]
			if !ok {
				return nil, serviceerror.NewNotFound("workflow not found")
			}
			p, err := converter.GetDefaultDataConverter().ToPayloads(v)
			return client.NewValue(p), err
		})
	// Closed workflows keep their search attributes, which the applicant
	// access check reads.
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, mock.Anything, "").Return(
		func(_ context.Context, workflowID, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
			v, ok := views[strings.TrimPrefix(workflowID, workflows.ApplicationWorkflowID(""))]
			if !ok {
				return nil, serviceerror.NewNotFound("workflow not found")
			}
			org, err := converter.GetDefaultDataConverter().ToPayload(v.OrgCode)
			return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
				SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{workflows.SearchOrgCode.GetName(): org}},
			}}, err
		})
	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed"))
}

func finishedView(id string, s application.Status) workflows.ApplicationView {
	return workflows.ApplicationView{ID: id, FundID: "f1", OrgCode: "QUY", Status: s, StatusLabel: s.Label(), ApplicantStatusLabel: s.ApplicantLabel(),
		Final: true, CreatedAt: today, FormVersion: 1,
		Content: application.Content{OrgCode: "QUY", DeploymentRoutes: []string{}, TargetCohorts: []application.Cohort{},
			DPIAStatus: application.IGNotStarted, DTACStatus: application.IGNotStarted},
		Milestones: []workflows.Milestone{}, Letters: []letters.Record{}}
}

func TestCommandsOnAFinishedApplication(t *testing.T) {
	h := newHarness(t)
	views := map[string]workflows.ApplicationView{}
	for _, s := range []application.Status{application.StatusCompleted, application.StatusWithdrawn, application.StatusRejected} {
		views["app_"+string(s)] = finishedView("app_"+string(s), s)
	}
	closed := finishedView("app_closed", application.StatusWaitlisted)
	closed.Closed = &workflows.Closure{At: today, Reason: "the fund finished"}
	views["app_closed"] = closed
	h.closedApplications(views)
	own, other := h.token(fundflow.RoleApplicant, "QUY"), h.token(fundflow.RoleApplicant, "QHL")
	reviewer, pm := h.token(fundflow.RoleReviewer, ""), h.token(fundflow.RoleProgrammeManager, "")

	for id, v := range views {
		t.Run(id, func(t *testing.T) {
			if rec := h.do("GET", "/v1/applications/"+id, own, nil); rec.Code != 200 {
				t.Fatalf("GET: %d %s", rec.Code, rec.Body.String())
			}
			for _, c := range []struct{ token, path, body string }{
				{own, "/withdraw", `{"reason":"changed our minds"}`},
				{own, "/offer/accept", `{"signatory_name":"A","signatory_role":"B"}`},
				{reviewer, "/eligibility", `{"decision":"pass","reason":"fine"}`},
				{pm, "/terminate", `{"reason":"fraud"}`},
			} {
				p := wantProblem(t, h.do("POST", "/v1/applications/"+id+c.path, c.token, strings.NewReader(c.body)), 409, fundflow.EINVALIDSTATE)
				want := string(v.Status)
				if v.Closed != nil {
					want = v.Closed.Reason
				}
				if !strings.Contains(p.Detail, want) {
					t.Errorf("%s: detail %q does not say %q", c.path, p.Detail, want)
				}
			}
			wantProblem(t, h.do("POST", "/v1/applications/"+id+"/withdraw", other, strings.NewReader(`{"reason":"x"}`)), 404, fundflow.ENOTFOUND)
		})
	}
	t.Run("no such application", func(t *testing.T) {
		wantProblem(t, h.do("POST", "/v1/applications/app_none/eligibility", reviewer, strings.NewReader(`{"decision":"pass","reason":"fine"}`)), 404, fundflow.ENOTFOUND)
		wantProblem(t, h.do("POST", "/v1/applications/app_none/withdraw", own, strings.NewReader(`{"reason":"x"}`)), 404, fundflow.ENOTFOUND)
	})
}

// The timeline Query is told the caller's role, which is what the workflow
// filters an applicant's timeline by.
func TestTimelineIsReadInTheCallersRole(t *testing.T) {
	h := newHarness(t)
	h.closedApplications(map[string]workflows.ApplicationView{"app_1": finishedView("app_1", application.StatusCompleted)})
	var asked []fundflow.Role
	h.temporal.On("QueryWorkflow", mock.Anything, mock.Anything, "", workflows.QueryTimeline, mock.Anything).Return(
		func(_ context.Context, _, _, _ string, args ...any) (converter.EncodedValue, error) {
			asked = append(asked, args[0].(workflows.TimelineQuery).Role)
			p, err := converter.GetDefaultDataConverter().ToPayloads(workflows.TimelinePage{Entries: []application.Entry{}})
			return client.NewValue(p), err
		})
	for _, tok := range []string{h.token(fundflow.RoleApplicant, "QUY"), h.token(fundflow.RoleProgrammeManager, "")} {
		if rec := h.do("GET", "/v1/applications/app_1/timeline", tok, nil); rec.Code != 200 {
			t.Fatalf("timeline: %d %s", rec.Code, rec.Body.String())
		}
	}
	if len(asked) != 2 || asked[0] != fundflow.RoleApplicant || asked[1] != fundflow.RoleProgrammeManager {
		t.Fatalf("timeline queried as %v", asked)
	}
}
