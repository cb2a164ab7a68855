package devserver_test

import (
	"go.temporal.io/sdk/client"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/api"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/internal/devtest/devserver"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/worker"
	"github.com/fundflow/fundflow/workflows"
)

// engine is an embedded Temporal server with fundflow's worker, which also
// runs the bare no-op workflow, so what the workflows cost can be measured
// beside the engine's own cost per Update in one process. suggestCAN, when
// not zero, is how many events make the server suggest Continue-As-New.
func engine(t testing.TB, suggestCAN int) client.Client {
	t.Helper()
	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Config{Ephemeral: true, SearchAttributes: workflows.SearchAttributes(), SuggestContinueAsNewAfter: suggestCAN})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	c, err := client.Dial(client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(), Logger: stack.QuietSDK()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	// Only workflow-to-workflow calls run here, which need no other
	// dependency.
	w := worker.New(c, &activities.Activities{Temporal: c}, worker.Options{})
	w.RegisterWorkflow(workflows.NoopUpdateWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return c
}

// seedFund starts the seeded fund, open.
func seedFund(t testing.TB, c client.Client) {
	t.Helper()
	def := fund.SeedDefinition(time.Now())
	if _, err := c.ExecuteWorkflow(context.Background(), workflows.StartFundOptions(def.ID), workflows.FundWorkflow,
		workflows.FundWorkflowInput{Definition: def, Status: fund.StatusOpen}); err != nil {
		t.Fatal(err)
	}
}

// reserveUntilAnswered sends a reservation until the fund gives a verdict.
// With 200 callers the server admits only a few Updates per workflow at a
// time, and a caller that times out does not know whether its Update ran;
// resending under the same key is safe, and returns the original verdict.
func reserveUntilAnswered(ctx context.Context, c client.Client, req workflows.ReserveRequest, res *workflows.LedgerResult) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, 30*time.Second)
		h, err := c.UpdateWorkflow(attempt, client.UpdateWorkflowOptions{
			WorkflowID: workflows.FundWorkflowID(fund.SeedID), UpdateID: req.Key, UpdateName: workflows.UpdateReserve,
			Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(attempt, res)
		}
		cancel()
		var fe *fundflow.Error
		if err == nil || errors.As(temporalerr.Decode(err), &fe) || ctx.Err() != nil {
			return err
		}
	}
}

// TestSeededFundUnder200ConcurrentReservations fires 200 reservations of
// random amounts at once from 200 applications against the seeded fund on
// a real Temporal server: the ledger must never over-allocate, and every
// refusal must say why.
func TestSeededFundUnder200ConcurrentReservations(t *testing.T) {
	c := engine(t, 0)
	seedFund(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	const n = 200
	chair := fundflow.Actor{ID: "chair", Name: "Panel chair", Role: fundflow.RolePanelChair}
	type outcome struct {
		app    string
		amount int64
		err    error
	}
	results := make([]outcome, n)
	rng := rand.New(rand.NewPCG(1, 2))
	amounts := make([]int64, n)
	for i := range amounts {
		amounts[i] = 1 + rng.Int64N(8_000_000)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			app := fmt.Sprintf("app-%03d", i)
			var res workflows.LedgerResult
			req := workflows.ReserveRequest{
				Command:       workflows.Command{Key: "reserve:" + app, Actor: chair},
				ApplicationID: app, AmountPence: amounts[i],
			}
			err := reserveUntilAnswered(ctx, c, req, &res)
			results[i] = outcome{app: app, amount: amounts[i], err: err}
		})
	}
	close(start)
	wg.Wait()

	var reservedByUs int64
	granted := 0
	for _, r := range results {
		if r.err == nil {
			granted++
			reservedByUs += r.amount
			continue
		}
		var fe *fundflow.Error
		if !errors.As(temporalerr.Decode(r.err), &fe) || (fe.Code != fundflow.EINSUFFICIENTCREDIT && fe.Code != fundflow.EAWARDLIMIT) || fe.Message == "" {
			t.Errorf("%s (%d p) refused without a clear reason: %v", r.app, r.amount, r.err)
		}
	}

	var v workflows.FundView
	resp, err := c.QueryWorkflow(ctx, workflows.FundWorkflowID(fund.SeedID), "", workflows.QueryFund)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Get(&v); err != nil {
		t.Fatal(err)
	}
	b := v.Budget
	t.Logf("after %d concurrent reservations: %d granted; total %d available %d reserved %d committed %d drawn %d (pence); awards %d of %d",
		n, granted, b.TotalPence, b.AvailablePence, b.ReservedPence, b.CommittedPence, b.DrawnPence, v.Awards.Count, v.Awards.Max)
	if b.TotalPence != b.AvailablePence+b.ReservedPence+b.CommittedPence+b.DrawnPence {
		t.Errorf("total ≠ available + reserved + committed + drawn: %+v", b)
	}
	if v.Awards.Count > 4 || granted > 4 || v.Awards.Count != granted {
		t.Errorf("awards = %d, granted = %d, max 4", v.Awards.Count, granted)
	}
	if b.ReservedPence > 32_000_000 || b.ReservedPence != reservedByUs || b.AvailablePence < 0 {
		t.Errorf("reserved %d (granted sum %d), available %d", b.ReservedPence, reservedByUs, b.AvailablePence)
	}
	if granted == 0 {
		t.Error("no reservation was granted")
	}

	var page workflows.LedgerPage
	resp, err = c.QueryWorkflow(ctx, workflows.FundWorkflowID(fund.SeedID), "", workflows.QueryLedger, workflows.LedgerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Get(&page); err != nil {
		t.Fatal(err)
	}
	var fromStatement int64
	for i, e := range page.Entries {
		if e.Seq != int64(i+1) || e.Kind != fund.KindReserve {
			t.Errorf("entry %d = %+v", i, e)
		}
		fromStatement += e.AmountPence
	}
	if len(page.Entries) != granted || fromStatement != b.ReservedPence {
		t.Errorf("statement has %d entries for %d p; balances say %d granted for %d p", len(page.Entries), fromStatement, granted, b.ReservedPence)
	}
}

// TestFundsAreListedOnceAfterContinueAsNew forces a fund to continue as
// new on a real server, then lists funds over the API.
func TestFundsAreListedOnceAfterContinueAsNew(t *testing.T) {
	ctx := context.Background()
	c := engine(t, 12)
	def := fund.SeedDefinition(time.Now())
	run, err := c.ExecuteWorkflow(ctx, workflows.StartFundOptions(def.ID), workflows.FundWorkflow, workflows.FundWorkflowInput{Definition: def})
	if err != nil {
		t.Fatal(err)
	}
	actor := fundflow.Actor{ID: "admin", Role: fundflow.RoleAdmin, Name: "admin"}
	runs := func() int {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: workflows.EveryFund})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetExecutions())
	}
	for i := 0; runs() < 2; i++ {
		if i == 40 {
			t.Fatal("the fund did not continue as new")
		}
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateID: fmt.Sprint("amend-", i),
			UpdateName: workflows.UpdateAmend, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.AmendRequest{Command: workflows.Command{Key: fmt.Sprint("amend-", i), Actor: actor}, Definition: def}}})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rdb, prefix := testredis.New(t)
	orgs, _ := organisation.Default()
	tokens := auth.NewStore(rdb, prefix, nil, nil)
	h := api.NewServer(api.Deps{Temporal: c, Redis: rdb, Tokens: tokens, Orgs: orgs, ReadModel: readmodel.NewStore(rdb, prefix), KeyPrefix: prefix})
	tok, _ := authtest.Token(t, tokens, fundflow.RoleAdmin, "", "admin")
	req := httptest.NewRequest("GET", "/v1/funds", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("GET /v1/funds: %d %s", rec.Code, rec.Body.String())
	}
	if len(out.Items) != 1 || out.Items[0].ID != def.ID {
		t.Fatalf("%d runs listed as %+v, want the fund once", runs(), out.Items)
	}
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
	c := engine(b, 0)
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
