//go:build !nodev

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/idempotency"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
)

func TestMain(m *testing.M) { stack.MainSelf(m, main) }

// get answers a GET of url with token, decoding a JSON body.
func get(t testing.TB, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestDevServesTheStack(t *testing.T) {
	t.Parallel()
	start := time.Now()
	d := stack.Start(t, stack.Options{StandIn: true, Persist: true})
	t.Logf("fundflow dev: ready in %s (start to /readyz %s)", d.Ready, time.Since(start).Round(time.Millisecond))

	toks := d.Tokens(t)
	for _, name := range []string{"admin", "reviewer1", "reviewer2", "reviewer3", "panel_chair", "programme_manager", "applicant_QUY", "applicant_7A1", "applicant_S1Y5D"} {
		if toks[name].Token == "" {
			t.Errorf("dev-tokens.json has no %s", name)
		}
	}
	if _, ok := toks["applicant_QHG"]; ok {
		t.Error("dev-tokens.json has a token for QHG, abolished in April 2026")
	}
	if toks["applicant_QUY"].OrgCode != "QUY" || toks["applicant_QUY"].Role != "applicant" {
		t.Errorf("applicant_QUY = %+v", toks["applicant_QUY"])
	}

	admin := toks["admin"].Token
	code, quy := get(t, d.API+"/v1/organisations/QUY", admin)
	if code != 200 || !strings.Contains(fmt.Sprint(quy["name"]), "Bristol, North Somerset and South Gloucestershire") {
		t.Fatalf("QUY: %d %v", code, quy)
	}
	_, qhg := get(t, d.API+"/v1/organisations/QHG", admin)
	validity, _ := qhg["validity"].(map[string]any)
	successor, _ := validity["successor"].(map[string]any)
	if validity["valid"] != false || successor["ods_code"] != "S1Y5D" {
		t.Fatalf("QHG: %v", qhg)
	}
	if code, body := get(t, d.API+"/v1/organisations/QUY", ""); code != 401 || body["code"] != "unauthorized" {
		t.Fatalf("no token: %d %v", code, body)
	}

	// Tokens survive a restart over the same data directory, even though the
	// Redis stand-in starts empty.
	d.Stop(t)
	d = d.Restart(t)
	if code, _ := get(t, d.API+"/v1/organisations/QUY", admin); code != 200 {
		t.Fatalf("admin token after restart: %d", code)
	}
}

func TestDevReportsTakenPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var stderr strings.Builder
	err = run(context.Background(), []string{"fundflow", "dev", "--data", t.TempDir(), "--http", l.Addr().String()}, os.Getenv, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "HTTP address "+l.Addr().String()+" is not available") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigurationErrorsAreClear(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad redis url", []string{"api", "--http", "127.0.0.1:0"}, map[string]string{"REDIS_URL": "http://nope"}, "REDIS_URL is not a valid Redis URL"},
		{"redis down", []string{"worker"}, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, "cannot reach Redis at 127.0.0.1:1"},
		{"no redis", []string{"api", "--http", "127.0.0.1:0"}, nil, "REDIS_URL is not set"},
		{"temporal down", []string{"worker"}, map[string]string{"REDIS_URL": testredis.URL(), "TEMPORAL_ADDRESS": "127.0.0.1:1"}, "cannot reach Temporal at 127.0.0.1:1"},
		{"bad log level", []string{"api", "--log-level", "loud"}, nil, "LOG_LEVEL"},
		{"unknown command", []string{"serve"}, nil, "usage"},
		{"token for an unknown org", []string{"token", "create", "--role", "applicant", "--org", "ZZZ"}, nil, `no organisation "ZZZ"`},
		{"token without org", []string{"token", "create", "--role", "applicant"}, nil, "org_code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			err := run(context.Background(), append([]string{"fundflow"}, tc.args...), env(tc.env), io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.want) {
				t.Fatalf("err = %v, stderr %q; want %q", err, stderr.String(), tc.want)
			}
		})
	}
}

func TestTokenCreate(t *testing.T) {
	t.Parallel()
	d := stack.Start(t, stack.Options{})
	env := func(k string) string {
		return map[string]string{"REDIS_URL": testredis.URL(), "TEMPORAL_ADDRESS": d.Temporal, "FUNDFLOW_REDIS_PREFIX": d.Prefix}[k]
	}
	var out strings.Builder
	err := run(context.Background(), []string{"fundflow", "token", "create", "--role", "applicant", "--org", "7a1", "--name", "Llŷr"}, env, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	if !strings.HasPrefix(tok, "ff_") || len(tok) < 40 {
		t.Fatalf("printed %q", out.String())
	}
	// The token is in the directory: it works at once, and the list names it.
	if code, me := get(t, d.API+"/v1/me", tok); code != 200 || me["org_code"] != "7A1" || me["name"] != "Llŷr" {
		t.Fatalf("me: %d %v", code, me)
	}
	out.Reset()
	if err := run(context.Background(), []string{"fundflow", "token", "list"}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), "Llŷr") {
		t.Fatalf("list: %v\n%s", err, out.String())
	}
}

// TestDevSurvivesSIGKILL kills a real fundflow process mid-flight and checks
// a restart over the same data directory loses nothing.
func TestDevSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	d := stack.Start(t, stack.Options{StandIn: true, Persist: true})
	before := devSurvivalState(t, d)
	d.Kill(t)
	devSurvivalCheck(t, d.Restart(t), before)
}

// TestEmbeddedRedisStandIn checks that what the API needs from Redis —
// token hashes, idempotency keys and the rate limiter's Lua script — works on
// the in-process stand-in dev mode uses when REDIS_URL is unset.
func TestEmbeddedRedisStandIn(t *testing.T) {
	ctx := context.Background()
	rdb, url, stop, err := devRedis(ctx, "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(url, "redis://127.0.0.1:") {
		t.Fatalf("stand-in url %q", url)
	}
	store := auth.NewStore(rdb, "t:", nil, nil)
	tok, _ := authtest.Token(t, store, fundflow.RoleAdmin, "", "admin")
	if _, err := store.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	idem := idempotency.NewStore(rdb, "t:", time.Hour)
	if o, _, err := idem.Begin(ctx, "k", "h", 0); err != nil || o != idempotency.Proceed {
		t.Fatalf("begin: %v %v", o, err)
	}
	if err := idem.Complete(ctx, "k", "h", idempotency.Response{Status: 201}); err != nil {
		t.Fatal(err)
	}
	if o, r, err := idem.Begin(ctx, "k", "h", 0); err != nil || o != idempotency.Replay || r.Status != 201 {
		t.Fatalf("replay: %v %+v %v", o, r, err)
	}
	limiter := redis_rate.NewLimiter(rdb)
	for i := range 3 {
		res, err := limiter.Allow(ctx, "t:rate", redis_rate.PerMinute(2))
		if err != nil {
			t.Fatal(err)
		}
		if allowed := res.Allowed == 1; allowed != (i < 2) {
			t.Fatalf("request %d allowed=%v", i, allowed)
		}
	}
}
