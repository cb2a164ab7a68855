package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/registry"
	"github.com/fundflow/fundflow/workflows"
)

func runSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var n, workers int
	var fundID string
	e, err := connect(ctx, "seed", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "applications", 1000, "how many synthetic draft applications to create")
		fs.IntVar(&workers, "concurrency", 16, "applications created at once")
		fs.StringVar(&fundID, "fund", fund.SeedID, "the fund to apply to")
	})
	if err != nil {
		return err
	}
	defer e.close()
	took, err := seed(ctx, e.tc, e.orgs, fundID, n, workers)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %d applications through their workflows in %s (%.0f/s)\n", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	return nil
}

// seed creates n draft applications through the real workflows, spread
// over the organisations valid today, for measuring lists and reads at
// scale. Each is a full Update-with-Start, exactly as the API makes one.
func seed(ctx context.Context, tc client.Client, orgs *registry.Registry, fundID string, n, workers int) (time.Duration, error) {
	resp, err := tc.QueryWorkflow(ctx, workflows.FundWorkflowID(fundID), "", workflows.QueryFund)
	if err != nil {
		return 0, fmt.Errorf("fund %s: %w", fundID, err)
	}
	var f workflows.FundView
	if err := resp.Get(&f); err != nil {
		return 0, err
	}
	codes := validOrgCodes(orgs, registry.DateOf(time.Now()))
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
