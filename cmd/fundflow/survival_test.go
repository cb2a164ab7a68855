//go:build !nodev

package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// survival is what a crash must not lose: a ledger entry, and a fund whose
// close timer is still pending when the process dies.
type survival struct {
	tokens    map[string]devseed.Token
	timerFund string
	closesAt  time.Time
}

func devSurvivalState(t *testing.T, d *stack.Stack) survival {
	t.Helper()
	s := survival{tokens: d.Tokens(t), timerFund: "closes-soon", closesAt: time.Now().Add(20 * time.Second)}
	c := d.Client(t)
	ctx := context.Background()
	req := workflows.ReserveRequest{
		Command:       workflows.Command{Key: "survivor", Actor: fundflow.Actor{ID: "chair", Name: "Panel chair", Role: fundflow.RolePanelChair}},
		ApplicationID: "survivor", AmountPence: 1_000_000,
	}
	if err := temporalerr.Update(ctx, c, workflows.FundWorkflowID(fund.SeedID), workflows.UpdateReserve, req.Key, req, nil); err != nil {
		t.Fatal(err)
	}

	hc := d.HTTP(t)
	def := fund.SeedDefinition(time.Now())
	def.ID, def.ClosesAt, def.ReferencePrefix = s.timerFund, s.closesAt, "TIMER"
	if code := hc.Do("POST", "/v1/funds", s.tokens["admin"].Token, def, nil); code != 201 {
		t.Fatalf("create %s: %d", def.ID, code)
	}
	if code := hc.Do("POST", "/v1/funds/"+def.ID+"/open", s.tokens["admin"].Token, nil, nil); code != 200 {
		t.Fatalf("open %s: %d", def.ID, code)
	}
	return s
}

func devSurvivalCheck(t *testing.T, d *stack.Stack, s survival) {
	t.Helper()
	hc := d.HTTP(t)
	admin := s.tokens["admin"].Token
	var seeded struct {
		Budget fund.Balances `json:"budget"`
	}
	// While the restarted server takes its shards back the api may answer
	// 503 (checked against the contract); ask again.
	require.Eventually(t, func() bool { return hc.Do("GET", "/v1/funds/"+fund.SeedID, admin, nil, nil) != 503 }, time.Minute, 250*time.Millisecond)
	if code := hc.Do("GET", "/v1/funds/"+fund.SeedID, admin, nil, &seeded); code != 200 || seeded.Budget.ReservedPence != 1_000_000 {
		t.Fatalf("seeded fund after the crash: %d %+v", code, seeded)
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var f struct {
			Status any `json:"status"`
		}
		hc.Do("GET", "/v1/funds/"+s.timerFund, admin, nil, &f)
		assert.Equal(c, "closed", f.Status, "%s 30s after its closes_at: the timer did not survive the crash", s.timerFund)
	}, time.Until(s.closesAt.Add(30*time.Second)), 250*time.Millisecond)
	t.Logf("%s closed by its timer %s after closes_at", s.timerFund, time.Since(s.closesAt).Round(time.Millisecond))
}
