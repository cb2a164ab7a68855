package loadgen

import (
	"go.temporal.io/sdk/client"

	"context"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// Seed creates n draft applications through the real workflows, spread
// over the organisations valid today, for measuring lists and reads at
// scale. Each is a full Update-with-Start, exactly as the API makes one.
func Seed(ctx context.Context, tc client.Client, orgs *organisation.Registry, fundID string, n, workers int) (time.Duration, error) {
	resp, err := tc.QueryWorkflow(ctx, workflows.FundWorkflowID(fundID), "", workflows.QueryFund)
	if err != nil {
		return 0, fmt.Errorf("fund %s: %w", fundID, err)
	}
	var f workflows.FundView
	if err := resp.Get(&f); err != nil {
		return 0, err
	}
	codes := orgs.CodesValidOn(organisation.DateOf(time.Now()), organisation.ApplicantTypes...)
	start := time.Now()
	var seq atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error {
			org := codes[i%len(codes)]
			id := fmt.Sprintf("app_%012x%08d", start.UnixMilli(), seq.Add(1))
			actor := fundflow.Actor{ID: "seed-" + org, Name: "Seeded lead", Role: fundflow.RoleApplicant, OrgCode: org}
			cmd := workflows.Command{Key: "seed:" + id, Actor: actor}
			op := tc.NewWithStartWorkflowOperation(workflows.StartApplicationOptions(id, fundID, org), workflows.ApplicationWorkflow,
				workflows.NewApplicationInput(id, f.Definition, actor))
			h, err := tc.UpdateWithStartWorkflow(gctx, client.UpdateWithStartWorkflowOptions{
				StartWorkflowOperation: op,
				UpdateOptions: client.UpdateWorkflowOptions{UpdateID: cmd.Key, UpdateName: workflows.UpdateSaveDraft,
					WaitForStage: client.WorkflowUpdateStageCompleted,
					Args: []any{workflows.SaveDraftRequest{Command: cmd, Patch: application.Patch{
						// Every fund's form asks these two; the amount stays
						// within the fund's maximum award.
						RequestedPence: application.Set(min(int64(1_000_000+i%7_000_000), f.Definition.MaxAwardPence)),
						PlannedReach:   application.Set(int64(1000 + i%50_000)),
					}}}},
			})
			if err == nil {
				err = h.Get(gctx, nil)
			}
			return err
		})
	}
	err = g.Wait()
	return time.Since(start), err
}
