//go:build !nodev

package main

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// survival is what a crash must not lose: a ledger entry, and a fund whose
// close timer is still pending when the process dies.
type survival struct {
	tokens    devTokens
	timerFund string
	closesAt  time.Time
}

func devSurvivalState(t *testing.T, d *devInstance) survival {
	t.Helper()
	s := survival{tokens: readTokens(t, d.dataDir), timerFund: "closes-soon", closesAt: time.Now().Add(20 * time.Second)}
	c := dialDev(t, d)
	ctx := context.Background()
	req := workflows.ReserveRequest{
		Command:       workflows.Command{Key: "survivor", Actor: fundflow.Actor{ID: "chair", Name: "Panel chair", Role: fundflow.RolePanelChair}},
		ApplicationID: "survivor", AmountPence: 1_000_000,
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.FundWorkflowID(fund.SeedID), UpdateID: req.Key, UpdateName: workflows.UpdateReserve,
		Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}

	hc := newHTTPClient(t, d.api)
	def := fund.SeedDefinition(time.Now())
	def.ID, def.ClosesAt = s.timerFund, s.closesAt
	if code := hc.do("POST", "/v1/funds", s.tokens["admin"].Token, def, nil); code != 201 {
		t.Fatalf("create %s: %d", def.ID, code)
	}
	if code := hc.do("POST", "/v1/funds/"+def.ID+"/open", s.tokens["admin"].Token, nil, nil); code != 200 {
		t.Fatalf("open %s: %d", def.ID, code)
	}
	return s
}

func devSurvivalCheck(t *testing.T, d *devInstance, s survival) {
	t.Helper()
	hc := newHTTPClient(t, d.api)
	admin := s.tokens["admin"].Token
	var seeded fundBody
	code := hc.do("GET", "/v1/funds/"+fund.SeedID, admin, nil, nil)
	for began := time.Now(); code == 503 && time.Since(began) < time.Minute; code = hc.do("GET", "/v1/funds/"+fund.SeedID, admin, nil, nil) {
		time.Sleep(250 * time.Millisecond)
	}
	if code = hc.do("GET", "/v1/funds/"+fund.SeedID, admin, nil, &seeded); code != 200 || seeded.Budget.ReservedPence != 1_000_000 {
		t.Fatalf("seeded fund after the crash: %d %+v", code, seeded)
	}
	deadline := s.closesAt.Add(30 * time.Second)
	for {
		// While the restarted server takes its shards back the api may
		// answer 503 (checked against the contract); ask again.
		var f struct {
			Status any `json:"status"`
		}
		hc.do("GET", "/v1/funds/"+s.timerFund, admin, nil, &f)
		if f.Status == "closed" {
			t.Logf("%s closed by its timer %s after closes_at", s.timerFund, time.Since(s.closesAt).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %q 30s after its closes_at: the timer did not survive the crash", s.timerFund, f.Status)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
