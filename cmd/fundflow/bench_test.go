//go:build !nodev

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/devserver"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/registry"
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
	w := worker.New(c, &activities.Activities{Temporal: c}, worker.Options{})
	// Only ledger Updates run here, which need no other dependency.
	w.RegisterWorkflow(workflows.NoopUpdateWorkflow)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	return c
}

// update sends one Update and waits for its result, failing the benchmark
// on any error; a nil arg sends none.
func update(b *testing.B, c client.Client, wfID, name, key string, arg, out any) {
	var args []any
	if arg != nil {
		args = []any{arg}
	}
	ctx := context.Background()
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wfID, UpdateID: key, UpdateName: name, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, out)
	}
	if err != nil {
		b.Fatalf("%s %s: %v", wfID, name, err)
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
	if _, err := c.ExecuteWorkflow(ctx, workflows.StartFundOptions(def.ID), workflows.FundWorkflow,
		workflows.FundWorkflowInput{Definition: def, Status: fund.StatusOpen}); err != nil {
		b.Fatal(err)
	}
	// A second fund starts with a statement of 1,000 entries, so the
	// ledger is measured at a large size beside a fresh one.
	big := def
	big.ID = "bench-fund-1000"
	if _, err := c.ExecuteWorkflow(ctx, workflows.StartFundOptions(big.ID), workflows.FundWorkflow,
		workflows.FundWorkflowInput{Definition: big, Status: fund.StatusOpen}); err != nil {
		b.Fatal(err)
	}
	chair := fundflow.Actor{ID: "bench", Name: "bench", Role: fundflow.RolePanelChair}
	var seq atomic.Int64
	// Each op is two Updates. On the ledger they reserve and release one
	// application's credit, which keeps the fund's figures bounded however
	// long the benchmark runs.
	ledgerOn := func(fundID string) func() {
		return func() {
			n := seq.Add(1)
			app := fmt.Sprintf("app-%d", n)
			update(b, c, workflows.FundWorkflowID(fundID), workflows.UpdateReserve, fmt.Sprintf("r%d", n),
				workflows.ReserveRequest{Command: workflows.Command{Key: fmt.Sprintf("r%d", n), Actor: chair}, ApplicationID: app, AmountPence: 1}, nil)
			update(b, c, workflows.FundWorkflowID(fundID), workflows.UpdateRelease, fmt.Sprintf("x%d", n),
				workflows.ReleaseRequest{Command: workflows.Command{Key: fmt.Sprintf("x%d", n), Actor: chair}, ApplicationID: app, Reason: "bench"}, nil)
		}
	}
	ledgerOp, bigOp := ledgerOn(def.ID), ledgerOn(big.ID)
	var fill errgroup.Group
	fill.SetLimit(8)
	for range 500 {
		fill.Go(func() error { bigOp(); return nil })
	}
	_ = fill.Wait()
	noopOn := func(wfID string) func() {
		return func() {
			n := seq.Add(1)
			update(b, c, wfID, workflows.UpdateNoop, fmt.Sprintf("n%d", n), nil, nil)
			update(b, c, wfID, workflows.UpdateNoop, fmt.Sprintf("m%d", n), nil, nil)
		}
	}
	// The engine's own cost per Update grows with the Updates a run has
	// taken, so the large ledger is compared with a no-op workflow that
	// has taken as many.
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-noop-1000", TaskQueue: fundflow.TaskQueue}, workflows.NoopUpdateWorkflow); err != nil {
		b.Fatal(err)
	}
	noopOp, bigNoopOp := noopOn("bench-noop"), noopOn("bench-noop-1000")
	for range 500 {
		fill.Go(func() error { bigNoopOp(); return nil })
	}
	_ = fill.Wait()
	for _, tc := range []struct {
		name string
		op   func()
	}{{"ledger", ledgerOp}, {"ledger_1000_entries", bigOp}, {"noop", noopOp}, {"noop_after_1000", bigNoopOp}} {
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

// BenchmarkApplicationReads seeds applications through the real workflows
// (FUNDFLOW_BENCH_APPS, default 1000) and reports p50/p99 over HTTP of a
// single application and of a filtered list page (read from the Redis
// projections). The single read is measured three ways side by side: from
// the workflow Query (the baseline: a min_version no application has
// reached sends every read there), from the projection with the version
// the caller last saw as min_version, and with no hint at all.
func BenchmarkApplicationReads(b *testing.B) {
	n := 1000
	if v := os.Getenv("FUNDFLOW_BENCH_APPS"); v != "" {
		fmt.Sscan(v, &n)
	}
	dir := b.TempDir()
	d := startDev(b, dir, "--ephemeral", "--rate-limit", "0")
	waitReady(b, d.api)
	c := dialDev(b, d)
	orgs, _ := registry.Default()
	took, err := seed(context.Background(), c, orgs, fund.SeedID, n, 16)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d applications in %s (%.0f/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	admin := readTokens(b, dir)["admin"].Token
	var ids []string
	var versions []int64
	for cursor := ""; ; {
		var l struct {
			Items []struct {
				ID      string `json:"id"`
				Version int64  `json:"version"`
			} `json:"items"`
			Next *string `json:"next_cursor"`
		}
		getJSON(b, d.api+"/v1/applications?limit=200&cursor="+cursor, admin, &l)
		for _, it := range l.Items {
			ids = append(ids, it.ID)
			versions = append(versions, it.Version)
		}
		if l.Next == nil {
			break
		}
		cursor = *l.Next
	}
	if len(ids) != n {
		b.Fatalf("the read model lists %d of %d applications", len(ids), n)
	}
	for _, read := range []struct {
		name string
		url  func(i int) string
	}{
		{"get_by_id_query", func(i int) string {
			return d.api + "/v1/applications/" + ids[(i*7919)%n] + "?min_version=9223372036854775807"
		}},
		{"get_by_id_projection", func(i int) string {
			return fmt.Sprintf("%s/v1/applications/%s?min_version=%d", d.api, ids[(i*7919)%n], versions[(i*7919)%n])
		}},
		{"get_by_id_no_hint", func(i int) string { return d.api + "/v1/applications/" + ids[(i*7919)%n] }},
		{"list_page_filtered", func(int) string { return d.api + "/v1/applications?fund_id=" + fund.SeedID + "&org_code=QUY&limit=50" }},
	} {
		b.Run(fmt.Sprintf("%s/n=%d", read.name, n), func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			i := 0
			for b.Loop() {
				start := time.Now()
				getJSON(b, read.url(i), admin, nil)
				lat = append(lat, time.Since(start))
				i++
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50_µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99_µs")
		})
	}
}

func getJSON(b *testing.B, url, token string, out any) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			b.Fatal(err)
		}
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
}
