//go:build !nodev

package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/fund"
)

// directoryRedisDB is a Redis database this test alone uses, because it
// runs a real FLUSHDB.
const directoryRedisDB = 13

type userBody struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Email  string   `json:"email"`
	Roles  []string `json:"roles"`
	Active bool     `json:"active"`
}

type poolBody struct {
	Reviewers []userBody `json:"reviewers"`
}

// TestDirectorySurvivesKillAndFlush changes the directory over HTTP, kills
// `fundflow dev` with SIGKILL, restarts it, empties Redis with FLUSHDB and
// checks that nobody is locked out before `fundflow reindex`, that
// everything is back after it, and that reviewer assignment draws from the
// fund's pool as it stands.
func TestDirectorySurvivesKillAndFlush(t *testing.T) {
	t.Parallel()
	opt, err := redis.ParseURL(testredis.URL())
	if err != nil {
		t.Fatal(err)
	}
	opt.DB = directoryRedisDB
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("redis://%s/%d", opt.Addr, directoryRedisDB)
	d := stack.Start(t, stack.Options{StandIn: true, Persist: true, Args: []string{"--redis", url}})
	toks := d.Tokens(t)
	admin := toks["admin"].Token
	hc := d.HTTP(t)

	// A new reviewer joins the seeded fund's pool, reviewer2 leaves the
	// trust, and reviewer3 also chairs the panel.
	var nia userBody
	if code := hc.DoKey("POST", "/v1/users", admin, "invite-nia", map[string]any{
		"email": "Nia.Williams@example.nhs.uk", "name": "Nia Williams", "roles": []string{"reviewer"}, "reason": "new reviewer",
	}, &nia); code != 201 || nia.ID != directory.UserID("nia.williams@example.nhs.uk") {
		t.Fatalf("invite: %d %+v", code, nia)
	}
	r1, r2, r3 := toks["reviewer1"].UserID, toks["reviewer2"].UserID, toks["reviewer3"].UserID
	var pool poolBody
	if code := hc.DoKey("PUT", "/v1/funds/"+fund.SeedID+"/reviewers", admin, "pool", map[string]any{
		"reviewers": []string{r1, r2, r3, nia.ID}, "reason": "Nia joins",
	}, &pool); code != 200 || len(pool.Reviewers) != 4 {
		t.Fatalf("pool: %d %+v", code, pool)
	}
	if code := hc.DoKey("POST", "/v1/users/"+r2+"/deactivate", admin, "deact-r2", map[string]any{"reason": "left the trust"}, nil); code != 200 {
		t.Fatalf("deactivate: %d", code)
	}
	if code := hc.DoKey("POST", "/v1/users/"+r3+"/roles", admin, "roles-r3", map[string]any{"roles": []string{"reviewer", "panel_chair"}, "reason": "chairs too"}, nil); code != 200 {
		t.Fatalf("roles: %d", code)
	}
	var niaTok struct {
		Token string `json:"token"`
	}
	if code := hc.DoKey("POST", "/v1/tokens", admin, "tok-nia", map[string]any{"name": "Nia's scripts", "role": "reviewer", "user_id": nia.ID}, &niaTok); code != 201 {
		t.Fatalf("token: %d", code)
	}
	// Deactivation bites at once: reviewer2's token is refused.
	if code, _ := get(t, d.API+"/v1/me", toks["reviewer2"].Token); code != 401 {
		t.Fatalf("a deactivated reviewer's token: %d", code)
	}
	var before []userBody
	users := func() []userBody {
		var l struct{ Items []userBody }
		if code := hc.Do("GET", "/v1/users", admin, nil, &l); code != 200 {
			t.Fatalf("users: %d", code)
		}
		return l.Items
	}
	before = users()

	d.Kill(t)
	d = d.Restart(t)
	hc = d.HTTP(t)
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	// With the cache empty every lookup falls back to the directory.
	me := func(tok string) int { code, _ := get(t, d.API+"/v1/me", tok); return code }
	for name, want := range map[string]int{"admin": 200, "reviewer1": 200, "reviewer2": 401, "applicant_QUY": 200} {
		if code := me(toks[name].Token); code != want {
			t.Errorf("%s after FLUSHDB: %d, want %d", name, code, want)
		}
	}
	if code := me(niaTok.Token); code != 200 {
		t.Errorf("Nia's token after FLUSHDB: %d", code)
	}

	env := map[string]string{"REDIS_URL": url, "TEMPORAL_ADDRESS": d.Temporal, "FUNDFLOW_DATA_DIR": d.DataDir}
	var out strings.Builder
	if err := run(ctx, []string{"fundflow", "reindex"}, func(k string) string { return env[k] }, &out, os.Stderr); err != nil {
		t.Fatalf("reindex: %v", err)
	}
	t.Log(strings.TrimSpace(out.String()))
	if n, _ := rdb.Exists(ctx, "fundflow:dir:user:"+nia.ID, "fundflow:dir:built").Result(); n != 2 {
		t.Fatalf("the cache was not rebuilt (%d of 2 keys)", n)
	}
	if after := users(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("users changed:\n before %+v\n after  %+v", before, after)
	}
	if code := hc.Do("GET", "/v1/funds/"+fund.SeedID+"/reviewers", admin, nil, &pool); code != 200 || len(pool.Reviewers) != 4 {
		t.Fatalf("pool after reindex: %d %+v", code, pool)
	}

	// Reviewer assignment draws from the pool, leaving out reviewer2.
	lead := toks["applicant_QUY"].Token
	var created map[string]any
	if code := hc.DoKey("POST", "/v1/applications", lead, "app", apitest.Application(fund.SeedID, "Jo Hughes", 5_000_000), &created); code != 201 {
		t.Fatalf("create: %d", code)
	}
	id := created["id"].(string)
	if code := hc.Submit(id, lead, toks[devseed.CertifierToken("QUY")].Token, "submit"); code != 200 {
		t.Fatalf("submit: %d", code)
	}
	if code := hc.DoKey("POST", "/v1/applications/"+id+"/eligibility", toks["reviewer1"].Token, "elig",
		map[string]string{"decision": "pass", "reason": "Eligible ICS-level body."}, nil); code != 200 {
		t.Fatalf("eligibility: %d", code)
	}
	var app struct {
		Reviewers []struct{ ID string } `json:"reviewers"`
	}
	hc.Do("GET", "/v1/applications/"+id, admin, nil, &app)
	if len(app.Reviewers) != 2 {
		t.Fatalf("assigned %+v", app.Reviewers)
	}
	for _, r := range app.Reviewers {
		if !slices.Contains([]string{r1, r3, nia.ID}, r.ID) {
			t.Fatalf("assigned %s, who is not an active member of the pool", r.ID)
		}
	}

	// Deactivating Nia stops her token at once, through the rebuilt cache.
	if code := hc.DoKey("POST", "/v1/users/"+nia.ID+"/deactivate", admin, "deact-nia", map[string]any{"reason": "left"}, nil); code != 200 {
		t.Fatalf("deactivate Nia: %d", code)
	}
	if code := me(niaTok.Token); code != 401 {
		t.Fatalf("Nia's token after deactivation: %d", code)
	}
	var audit struct {
		Items []struct{ Action string } `json:"items"`
	}
	hc.Do("GET", "/v1/directory/audit?limit=200", admin, nil, &audit)
	var actions []string
	for _, e := range audit.Items {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"user_invited", "pool_changed", "user_deactivated", "roles_changed", "token_created"} {
		if !slices.Contains(actions, want) {
			t.Errorf("the audit timeline has no %s: %v", want, actions)
		}
	}
}
