//go:build !nodev

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/api"
	"github.com/fundflow/fundflow/internal/auth"
	"github.com/fundflow/fundflow/internal/auth/authtest"
	"github.com/fundflow/fundflow/internal/devserver"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/idempotency"
	"github.com/fundflow/fundflow/internal/readmodel"
	"github.com/fundflow/fundflow/internal/registry"
	"github.com/fundflow/fundflow/internal/testredis"
	"github.com/fundflow/fundflow/worker"
	"github.com/fundflow/fundflow/workflows"
)

// createDraft posts a draft with an Idempotency-Key through client c.
func createDraft(c *http.Client, base, token, key string, body []byte) (int, string, error) {
	req, _ := http.NewRequest("POST", base+"/v1/applications", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.ID, nil
}

// TestRetriedCreateIsOneDraft is issue 16's first two items on a real
// Temporal server: a create whose client gives up after 80 ms, one whose
// key was released as after a 5xx once the workflow existed, and one whose
// process died holding the key, each retried with the same key, each end
// with one draft, the same id, within seconds.
func TestRetriedCreateIsOneDraft(t *testing.T) {
	e := startLifecycleEnv(t)
	tok := e.token("applicant_QUY")
	body, _ := json.Marshal(map[string]any{"fund_id": fund.SeedID, "need": "A draft to retry."})
	rdb, prefix := e.redis, e.prefix
	callerKey := func(key string) string { return prefix + "idem:" + auth.Hash(tok)[:16] + ":" + key }
	retry := func(key string) string {
		t.Helper()
		start := time.Now()
		code, id, err := createDraft(http.DefaultClient, e.base, tok, key, body)
		if err != nil || code != http.StatusCreated || id == "" {
			t.Fatalf("retry of %s: %d %q %v", key, code, id, err)
		}
		if took := time.Since(start); took > 15*time.Second {
			t.Fatalf("retry of %s took %s", key, took)
		}
		return id
	}

	// The client times out.
	impatient := &http.Client{Timeout: 80 * time.Millisecond}
	if code, _, err := createDraft(impatient, e.base, tok, "timeout", body); err == nil {
		t.Logf("the first attempt beat the client's timeout (%d)", code)
	}
	first := retry("timeout")
	if again := retry("timeout"); again != first {
		t.Fatalf("second retry made %s, first %s", again, first)
	}

	// The key is released after the workflow started, as a 5xx does.
	second := retry("released")
	if err := rdb.Del(context.Background(), callerKey("released")).Err(); err != nil {
		t.Fatal(err)
	}
	if again := retry("released"); again != second {
		t.Fatalf("retry after the key was released made %s, first %s", again, second)
	}

	// The process died holding the key: its claim is left pending.
	third := retry("killed")
	claim, _ := json.Marshal(map[string]any{"body_hash": idempotency.Hash("POST", "/v1/applications", body), "claimed_at": time.Now()})
	if err := rdb.Set(context.Background(), callerKey("killed"), claim, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if again := retry("killed"); again != third {
		t.Fatalf("retry after a dead claim made %s, first %s", again, third)
	}

	// Exactly three drafts exist for the organisation, in Temporal.
	ids, err := workflows.ListIDs(context.Background(), e.temporal, workflows.EveryApplication+" AND OrgCode = 'QUY'")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("%d applications for QUY, want 3: %v", len(ids), ids)
	}
}

// TestFundsAreListedOnceAfterContinueAsNew forces a fund to continue as
// new on a real server, then lists funds over the API.
func TestFundsAreListedOnceAfterContinueAsNew(t *testing.T) {
	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Config{Ephemeral: true, SearchAttributes: workflows.SearchAttributes(), SuggestContinueAsNewAfter: 12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	c, err := client.Dial(client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(), Logger: quietSDK()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	w := worker.New(c, &activities.Activities{Temporal: c}, worker.Options{})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
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
	orgs, _ := registry.Default()
	tokens := auth.NewStore(rdb, prefix, nil, nil)
	h := api.NewServer(api.Deps{Temporal: c, Redis: rdb, Tokens: tokens, Orgs: orgs, ReadModel: readmodel.NewStore(rdb, prefix), KeyPrefix: prefix})
	tok, _ := authtest.Token(t, tokens, fundflow.RoleAdmin, "", "admin")
	req, _ := http.NewRequest("GET", "/v1/funds", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	var out struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(rec.body.Bytes(), &out); err != nil || rec.code != 200 {
		t.Fatalf("GET /v1/funds: %d %s", rec.code, rec.body.String())
	}
	if len(out.Items) != 1 || out.Items[0].ID != def.ID {
		t.Fatalf("%d runs listed as %+v, want the fund once", runs(), out.Items)
	}
}

type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

// TestReindexUnderConcurrentWrites rebuilds while lists are read and a
// newer projection lands: lists never empty, and the newer row survives.
func TestReindexUnderConcurrentWrites(t *testing.T) {
	e := startLifecycleEnv(t)
	ctx := context.Background()
	var ids []string
	for _, org := range []string{"QUY", "7A1", "QHL"} {
		tok := e.tokens["applicant_"+org].Token
		if tok == "" {
			continue
		}
		body, _ := json.Marshal(map[string]any{"fund_id": fund.SeedID, "need": "Reindex me."})
		code, id, err := createDraft(http.DefaultClient, e.base, tok, "reindex-"+org, body)
		if err != nil || code != 201 {
			t.Fatalf("create for %s: %d %v", org, code, err)
		}
		ids = append(ids, id)
	}
	waitFor(t, "projections", func() bool {
		rows, _, _ := e.readModel.List(ctx, readmodel.Filter{}, "", 50)
		return len(rows) == len(ids)
	})
	var empty atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if rows, _, err := e.readModel.List(ctx, readmodel.Filter{}, "", 50); err == nil && len(rows) < len(ids) {
				empty.Add(1)
			}
		}
	})
	newer, _ := e.readModel.Get(ctx, ids[0])
	newer.Version += 100
	newer.StatusLabel = "written during the rebuild"
	for i := range 5 {
		if i == 2 {
			if _, err := e.readModel.Put(ctx, newer); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := reindex(ctx, e.temporal, e.readModel, false); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if n := empty.Load(); n > 0 {
		t.Errorf("lists were short of an application %d times during reindex", n)
	}
	if got, _ := e.readModel.Get(ctx, ids[0]); got.Version != newer.Version || got.StatusLabel != newer.StatusLabel {
		t.Errorf("reindex replaced a newer projection (version %d) with version %d", newer.Version, got.Version)
	}
}
