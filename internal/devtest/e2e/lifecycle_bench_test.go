package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// lifecycleUpdates is what one application needs from draft to a panel
// decision: create, submit, eligibility, two assessments, decision.
const lifecycleUpdates = 6

// bareLifecycle has the shape of an application's life with nothing in it:
// the same number of Updates, each running its share of empty activities.
func bareLifecycle(ctx workflow.Context, perUpdate []int) error {
	step := 0
	if err := workflow.SetUpdateHandler(ctx, "step", func(ctx workflow.Context) error {
		n := perUpdate[step]
		step++
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
		for range n {
			if err := workflow.ExecuteActivity(ctx, "bench_empty").Get(ctx, nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return step == len(perUpdate) && workflow.AllHandlersFinished(ctx) })
}

// BenchmarkLifecycle runs whole draft→panel-decision lifecycles through the
// real application and fund workflows, then, in the same run, bare
// workflows with the same number of Updates and activities, and reports
// both rates and their ratio.
func BenchmarkLifecycle(b *testing.B) {
	s := stack.Start(b, stack.Options{Args: []string{"--rate-limit", "0"}})
	c := s.Client(b)
	ctx := context.Background()
	update := func(wf, name, key string, arg, out any) {
		if err := temporalerr.Update(ctx, c, wf, name, key, arg, out); err != nil {
			b.Fatalf("%s %s: %v", wf, name, err)
		}
	}

	var content application.Patch
	body := apitest.Application(fund.SeedID, "Bench Lead", 5_000_000)
	delete(body, "fund_id")
	raw, _ := json.Marshal(body)
	if err := json.Unmarshal(raw, &content); err != nil {
		b.Fatal(err)
	}
	resp, err := c.QueryWorkflow(ctx, workflows.FundWorkflowID(fund.SeedID), "", workflows.QueryFund)
	if err != nil {
		b.Fatal(err)
	}
	var f workflows.FundView
	if err := resp.Get(&f); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	lifecycle := func() string {
		n := seq.Add(1)
		id := fmt.Sprintf("app_bench%08d", n)
		wf := workflows.ApplicationWorkflowID(id)
		lead := fundflow.Actor{ID: "bench-lead", Name: "Bench Lead", Role: fundflow.RoleApplicant, OrgCode: "QUY"}
		key := func(step string) workflows.Command { return workflows.Command{Key: id + ":" + step, Actor: lead} }
		op := c.NewWithStartWorkflowOperation(workflows.StartApplicationOptions(id, fund.SeedID, "QUY"), workflows.ApplicationWorkflow,
			workflows.NewApplicationInput(id, f.Definition, lead))
		h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op,
			UpdateOptions: client.UpdateWorkflowOptions{UpdateID: id + ":create", UpdateName: workflows.UpdateSaveDraft,
				WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{workflows.SaveDraftRequest{Command: key("create"), Patch: content}}}})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			b.Fatal(err)
		}
		update(wf, workflows.UpdateSubmit, id+":submit", workflows.SubmitRequest{Command: key("submit")}, nil)
		screener := fundflow.Actor{ID: "bench-screener", Name: "Screener", Role: fundflow.RoleReviewer}
		var o workflows.Outcome
		update(wf, workflows.UpdateEligibilityDecision, id+":elig", workflows.EligibilityDecisionRequest{
			Command: workflows.Command{Key: id + ":elig", Actor: screener}, Decision: application.Pass, Reason: "Eligible."}, &o)
		for _, r := range o.Reviewers {
			var scores []application.Score
			for _, cr := range f.Definition.Criteria {
				scores = append(scores, application.Score{CriterionID: cr.ID, Score: 3, Justification: "Evidence in the application supports this."})
			}
			rev := fundflow.Actor{ID: r.ID, Name: r.Name, Role: fundflow.RoleReviewer}
			update(wf, workflows.UpdateSubmitAssessment, id+":score:"+r.ID, workflows.SubmitAssessmentRequest{
				Command: workflows.Command{Key: id + ":score:" + r.ID, Actor: rev}, Scores: scores, Feedback: "Clear plan."}, nil)
		}
		chair := fundflow.Actor{ID: "bench-chair", Name: "Chair", Role: fundflow.RolePanelChair}
		update(wf, workflows.UpdatePanelDecision, id+":decide", workflows.PanelDecisionRequest{
			Command: workflows.Command{Key: id + ":decide", Actor: chair}, Outcome: workflows.OutcomeReject, Feedback: "Not this round."}, nil)
		return wf
	}

	// One lifecycle to count the activities an application really runs.
	wf := lifecycle()
	if err := c.GetWorkflow(ctx, wf, "").Get(ctx, nil); err != nil {
		b.Fatal(err)
	}
	activities := 0
	it := c.GetWorkflowHistory(ctx, wf, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			b.Fatal(err)
		}
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_MARKER_RECORDED:
			activities++
		}
	}
	perUpdate := make([]int, lifecycleUpdates)
	for i := range activities {
		perUpdate[i%lifecycleUpdates]++
	}

	w := sdkworker.New(c, "bench", sdkworker.Options{})
	w.RegisterWorkflow(bareLifecycle)
	w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "bench_empty"})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	bare := func() {
		id := fmt.Sprintf("bare-%d", seq.Add(1))
		op := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{ID: id, TaskQueue: "bench",
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, bareLifecycle, perUpdate)
		h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op,
			UpdateOptions: client.UpdateWorkflowOptions{UpdateID: id + ":0", UpdateName: "step", WaitForStage: client.WorkflowUpdateStageCompleted}})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			b.Fatal(err)
		}
		for i := 1; i < lifecycleUpdates; i++ {
			hh, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateID: fmt.Sprintf("%s:%d", id, i),
				UpdateName: "step", WaitForStage: client.WorkflowUpdateStageCompleted})
			if err == nil {
				err = hh.Get(ctx, nil)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}

	rates := map[string]float64{}
	for _, tc := range []struct {
		name string
		op   func()
	}{{"application", func() { lifecycle() }}, {"bare", bare}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tc.op()
				}
			})
			rates[tc.name] = float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rates[tc.name], "lifecycles/s")
			b.ReportMetric(float64(activities), "activities/lifecycle")
		})
	}
	if rates["bare"] > 0 {
		b.Logf("application lifecycles run at %.2f of the bare workflow's rate (%.1f vs %.1f per second; %d Updates and %d activities each)",
			rates["application"]/rates["bare"], rates["application"], rates["bare"], lifecycleUpdates, activities)
	}
}
