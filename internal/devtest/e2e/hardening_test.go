package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/idempotency"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
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
	e := shared(t)
	tok := e.token("applicant_QUY")
	body, _ := json.Marshal(map[string]any{"fund_id": e.fund.ID, "need": "A draft to retry."})
	rdb, prefix := e.stack.Redis, e.stack.Prefix
	callerKey := func(key string) string { return prefix + "idem:" + auth.Hash(tok)[:16] + ":" + e.fund.ID + ":" + key }
	retry := func(key string) string {
		t.Helper()
		start := time.Now()
		code, id, err := createDraft(http.DefaultClient, e.stack.API, tok, e.fund.ID+":"+key, body)
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
	if code, _, err := createDraft(impatient, e.stack.API, tok, e.fund.ID+":timeout", body); err == nil {
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

	// Exactly three drafts exist for the organisation in the fund, in
	// Temporal.
	ids, err := workflows.ListIDs(context.Background(), e.temporal, workflows.EveryApplication+" AND OrgCode = 'QUY' AND FundId = '"+e.fund.ID+"'")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("%d applications for QUY, want 3: %v", len(ids), ids)
	}
}

// TestReindexUnderConcurrentWrites rebuilds while lists are read and a
// newer projection lands: lists never empty, and the newer row survives.
func TestReindexUnderConcurrentWrites(t *testing.T) {
	e := shared(t)
	ctx := context.Background()
	var ids []string
	for _, org := range []string{"QUY", "7A1", "QHL"} {
		tok := e.tokens["applicant_"+org].Token
		if tok == "" {
			continue
		}
		body, _ := json.Marshal(map[string]any{"fund_id": e.fund.ID, "need": "Reindex me."})
		code, id, err := createDraft(http.DefaultClient, e.stack.API, tok, e.fund.ID+":reindex-"+org, body)
		if err != nil || code != 201 {
			t.Fatalf("create for %s: %d %v", org, code, err)
		}
		ids = append(ids, id)
	}
	waitFor(t, "projections", func() bool {
		rows, _, _ := e.stack.ReadModel.List(ctx, readmodel.Filter{FundID: e.fund.ID}, "", 50)
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
			if rows, _, err := e.stack.ReadModel.List(ctx, readmodel.Filter{FundID: e.fund.ID}, "", 50); err == nil && len(rows) < len(ids) {
				empty.Add(1)
			}
		}
	})
	newer, _ := e.stack.ReadModel.Get(ctx, ids[0])
	newer.Version += 100
	newer.StatusLabel = "written during the rebuild"
	for i := range 5 {
		if i == 2 {
			if _, err := e.stack.ReadModel.Put(ctx, newer); err != nil {
				t.Fatal(err)
			}
		}
		if out, errs, err := e.stack.Run(t, "reindex"); err != nil {
			t.Fatalf("reindex: %v\n%s%s", err, out, errs)
		}
	}
	close(stop)
	wg.Wait()
	if n := empty.Load(); n > 0 {
		t.Errorf("lists were short of an application %d times during reindex", n)
	}
	if got, _ := e.stack.ReadModel.Get(ctx, ids[0]); got.Version != newer.Version || got.StatusLabel != newer.StatusLabel {
		t.Errorf("reindex replaced a newer projection (version %d) with version %d", newer.Version, got.Version)
	}
}

// An application whose workflow started before references (revision 1)
// goes on without one, named by its id, until `fundflow reindex` gives it
// its reference; from then on the reference names it too.
func TestReindexGivesOlderApplicationsTheirReference(t *testing.T) {
	e := shared(t)
	tok := e.tokens["applicant_QUY"]
	by := fundflow.Actor{ID: tok.UserID, Name: "QUY lead", Role: fundflow.RoleApplicant, OrgCode: "QUY"}
	id := "app_before_refs_" + strings.ReplaceAll(e.fund.ID, "-", "_")
	in := workflows.NewApplicationInput(id, e.fund.Defaults(), by)
	in.Revision = 1
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := e.temporal.ExecuteWorkflow(ctx, workflows.StartApplicationOptions(id, e.fund.ID, "QUY"), workflows.ApplicationWorkflow, in); err != nil {
		t.Fatal(err)
	}
	if code := e.DoKey("PATCH", "/v1/applications/"+id, tok.Token, "", map[string]any{"need": "Hypertension is common."}, nil); code != 200 {
		t.Fatalf("patch: %d", code)
	}
	var v map[string]any
	if e.Do("GET", "/v1/applications/"+id, tok.Token, nil, &v); v["reference"] != nil {
		t.Fatalf("a revision-1 run took a reference under a command: %v", v["reference"])
	}
	if out, errs, err := e.stack.Run(t, "reindex"); err != nil {
		t.Fatalf("reindex: %v\n%s%s", err, out, errs)
	}
	e.Do("GET", "/v1/applications/"+id, tok.Token, nil, &v)
	ref, _ := v["reference"].(string)
	if !strings.HasPrefix(ref, e.fund.ReferencePrefix+"-") {
		t.Fatalf("after reindex the reference is %q", ref)
	}
	var byRef map[string]any
	if code := e.Do("GET", "/v1/applications/"+ref, tok.Token, nil, &byRef); code != 200 || byRef["id"] != id {
		t.Fatalf("GET by reference: %d %v", code, byRef["id"])
	}
	if code := e.Do("GET", "/v1/applications/"+ref, e.token("applicant_7A1"), nil, nil); code != 404 {
		t.Fatalf("another organisation read it by reference: %d", code)
	}
}
