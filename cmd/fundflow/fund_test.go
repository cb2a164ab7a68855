//go:build !nodev

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/api"
	"github.com/fundflow/fundflow/internal/apitest"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// httpClient calls a running fundflow and checks every response against
// the OpenAPI document.
type httpClient struct {
	*apitest.Client
	t    *testing.T
	base string
}

func newHTTPClient(t *testing.T, base string) *httpClient {
	return &httpClient{Client: apitest.NewClient(t, base, api.OpenAPIDocument()), t: t, base: base}
}

func (c *httpClient) do(method, path, token string, body any, out any) int {
	c.t.Helper()
	return c.Do(method, path, token, body, out)
}

// doKey sends a request with an Idempotency-Key, when key is not empty.
func (c *httpClient) doKey(method, path, token, key string, body any, out any) int {
	c.t.Helper()
	return c.DoKey(method, path, token, key, body, out)
}

type fundBody struct {
	ID     string        `json:"id"`
	Status string        `json:"status"`
	Budget fund.Balances `json:"budget"`
	Awards struct {
		Count int `json:"count"`
		Max   int `json:"max"`
	} `json:"awards"`
}

type problemBody struct {
	Code   string                `json:"code"`
	Errors []fundflow.FieldError `json:"errors"`
}

// quietSDK keeps the Temporal client's debug lines out of test and
// benchmark output.
func quietSDK() sdklog.Logger { return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }

func dialDev(t testing.TB, d *devInstance) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: d.temporal, Namespace: "default", Logger: quietSDK()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
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
		if err == nil || errors.As(fundflow.FromTemporal(err), &fe) || ctx.Err() != nil {
			return err
		}
	}
}

func TestFundsOverHTTP(t *testing.T) {
	dir := t.TempDir()
	d := startDev(t, dir, "--ephemeral")
	waitReady(t, d.api)
	toks := readTokens(t, dir)
	hc := newHTTPClient(t, d.api)
	admin := toks["admin"].Token

	var seeded fundBody
	if code := hc.do("GET", "/v1/funds/"+fund.SeedID, toks["applicant_QUY"].Token, nil, &seeded); code != 200 {
		t.Fatalf("seeded fund: %d", code)
	}
	if seeded.Status != "open" || seeded.Budget.AvailablePence != 32_000_000 || seeded.Budget.TotalPence != 32_000_000 ||
		seeded.Awards.Count != 0 || seeded.Awards.Max != 4 {
		t.Fatalf("seeded fund = %+v, want open with £320,000 available and 0 of 4 awards", seeded)
	}

	def := fund.SeedDefinition(time.Now())
	def.ID = "social-prescribing-trust"
	def.TotalPence, def.MaxAwardPence = 5_000_000, 6_000_000
	def.ClosesAt = def.OpensAt.Add(-time.Hour)
	def.Milestones[0].DrawdownShareBP++
	var p problemBody
	if code := hc.do("POST", "/v1/funds", admin, def, &p); code != 422 || p.Code != "validation_failed" {
		t.Fatalf("invalid fund: %d %+v", code, p)
	}
	fields := map[string]bool{}
	for _, e := range p.Errors {
		fields[e.Field] = true
	}
	for _, f := range []string{"max_award_pence", "closes_at", "milestones"} {
		found := false
		for k := range fields {
			found = found || k == f || len(k) > len(f) && k[:len(f)] == f
		}
		if !found {
			t.Errorf("no error for %s in %+v", f, p.Errors)
		}
	}

	if code := hc.do("POST", "/v1/funds", toks["reviewer1"].Token, fund.SeedDefinition(time.Now()), &p); code != 403 {
		t.Fatalf("reviewer created a fund: %d", code)
	}

	def = fund.SeedDefinition(time.Now())
	def.ID = "social-prescribing-trust"
	def.Name = "Social Prescribing Fund"
	var created fundBody
	if code := hc.do("POST", "/v1/funds", admin, def, &created); code != 201 || created.Status != "draft" {
		t.Fatalf("create: %d %+v", code, created)
	}
	if code := hc.do("POST", "/v1/funds", admin, def, &p); code != 409 {
		t.Fatalf("duplicate fund id: %d", code)
	}
	if code := hc.do("POST", "/v1/funds/social-prescribing-trust/close", admin, nil, &p); code != 409 || p.Code != "invalid_state" {
		t.Fatalf("close a draft: %d %+v", code, p)
	}
	var opened fundBody
	if code := hc.do("POST", "/v1/funds/social-prescribing-trust/open", admin, map[string]string{"reason": "launch"}, &opened); code != 200 || opened.Status != "open" {
		t.Fatalf("open: %d %+v", code, opened)
	}
	// Dev seeds two funds; this test made the third.
	var listed struct {
		Items []fundBody `json:"items"`
	}
	if code := hc.do("GET", "/v1/funds", toks["reviewer2"].Token, nil, &listed); code != 200 || len(listed.Items) != 3 {
		t.Fatalf("list: %d %+v", code, listed)
	}
	var ledger struct {
		Items []fund.Entry `json:"items"`
	}
	if code := hc.do("GET", "/v1/funds/"+fund.SeedID+"/ledger", toks["panel_chair"].Token, nil, &ledger); code != 200 {
		t.Fatalf("ledger: %d", code)
	}
	if code := hc.do("GET", "/v1/funds/"+fund.SeedID+"/ledger", toks["applicant_QUY"].Token, nil, nil); code != 403 {
		t.Fatalf("applicant read the ledger: %d", code)
	}
	if code := hc.do("GET", "/v1/funds/no-such-fund", admin, nil, &p); code != 404 {
		t.Fatalf("missing fund: %d", code)
	}
}

// TestSeededFundUnder200ConcurrentReservations fires 200 reservations of
// random amounts at once from 200 applications against the seeded fund on
// a real Temporal server: the ledger must never over-allocate, and every
// refusal must say why.
func TestSeededFundUnder200ConcurrentReservations(t *testing.T) {
	dir := t.TempDir()
	d := startDev(t, dir, "--ephemeral")
	waitReady(t, d.api)
	c := dialDev(t, d)
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
		if !errors.As(fundflow.FromTemporal(r.err), &fe) || (fe.Code != fundflow.EINSUFFICIENTCREDIT && fe.Code != fundflow.EAWARDLIMIT) || fe.Message == "" {
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
