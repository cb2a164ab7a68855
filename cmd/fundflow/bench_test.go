//go:build !nodev

package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/devserver"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/worker"
	"github.com/fundflow/fundflow/workflows"
)

// benchServer is an embedded server and a worker that also runs the bare
// no-op workflow, so the ledger is measured beside the engine's own cost
// per Update in the same process.
func benchServer(b *testing.B) client.Client {
	b.Helper()
	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Config{Ephemeral: true, SearchAttributes: workflows.SearchAttributes()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Stop() })
	c, err := client.Dial(client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(), Logger: quietSDK()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	w := worker.New(c, &activities.Activities{Temporal: c})
	// Only ledger Updates run here, which need no other dependency.
	w.RegisterWorkflow(workflows.NoopUpdateWorkflow)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	return c
}

func update(b *testing.B, c client.Client, wfID, name, key string, arg any) {
	args := []any{}
	if arg != nil {
		args = append(args, arg)
	}
	h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
		WorkflowID: wfID, UpdateID: key, UpdateName: name, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(context.Background(), nil)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUpdates reports Updates per second through the fund ledger and
// through a workflow whose Update does nothing, one caller at a time
// (latency) and with 8 callers in flight (throughput). ns/op is per pair of
// Updates.
func BenchmarkUpdates(b *testing.B) {
	c := benchServer(b)
	ctx := context.Background()
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-noop", TaskQueue: fundflow.TaskQueue}, workflows.NoopUpdateWorkflow); err != nil {
		b.Fatal(err)
	}
	def := fund.SeedDefinition(time.Now())
	def.ID = "bench-fund"
	def.MaxAwards = 1000
	def.TotalPence = 1_000_000_000
	if _, err := c.ExecuteWorkflow(ctx, workflows.StartFundOptions(def.ID, fund.StatusOpen), workflows.FundWorkflow,
		workflows.FundWorkflowInput{Definition: def, Status: fund.StatusOpen}); err != nil {
		b.Fatal(err)
	}
	chair := fundflow.Actor{ID: "bench", Name: "bench", Role: fundflow.RolePanelChair}
	var seq atomic.Int64
	// Each op is two Updates. On the ledger they reserve and release one
	// application's credit, which keeps the fund's figures bounded however
	// long the benchmark runs.
	ledgerOp := func() {
		n := seq.Add(1)
		app := fmt.Sprintf("app-%d", n)
		update(b, c, workflows.FundWorkflowID(def.ID), workflows.UpdateReserve, fmt.Sprintf("r%d", n),
			workflows.ReserveRequest{Command: workflows.Command{Key: fmt.Sprintf("r%d", n), Actor: chair}, ApplicationID: app, AmountPence: 1})
		update(b, c, workflows.FundWorkflowID(def.ID), workflows.UpdateRelease, fmt.Sprintf("x%d", n),
			workflows.ReleaseRequest{Command: workflows.Command{Key: fmt.Sprintf("x%d", n), Actor: chair}, ApplicationID: app, Reason: "bench"})
	}
	noopOp := func() {
		n := seq.Add(1)
		update(b, c, "bench-noop", workflows.UpdateNoop, fmt.Sprintf("n%d", n), nil)
		update(b, c, "bench-noop", workflows.UpdateNoop, fmt.Sprintf("m%d", n), nil)
	}
	for _, tc := range []struct {
		name string
		op   func()
	}{{"ledger", ledgerOp}, {"noop", noopOp}} {
		b.Run(tc.name+"/sequential", func(b *testing.B) {
			for b.Loop() {
				tc.op()
			}
			b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "updates/s")
		})
		b.Run(tc.name+"/parallel8", func(b *testing.B) {
			b.SetParallelism(4) // 2 cores × 4 = 8 callers
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tc.op()
				}
			})
			b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "updates/s")
		})
	}
}
