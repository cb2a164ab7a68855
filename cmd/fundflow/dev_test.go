//go:build !nodev

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/auth"
	"github.com/fundflow/fundflow/internal/auth/authtest"
	"github.com/fundflow/fundflow/internal/idempotency"
)

// TestMain lets a test re-run this binary as `fundflow` itself, so the
// SIGKILL test can kill a real process without a separate build.
func TestMain(m *testing.M) {
	if args := os.Getenv("FUNDFLOW_TEST_MAIN_ARGS"); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			panic(err)
		}
		os.Args = append([]string{"fundflow"}, a...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// devInstance is one running `fundflow dev`.
type devInstance struct {
	api      string
	temporal string
	dataDir  string
	stop     func()
	// ready is how long the banner says start-up took.
	ready string
	// stderr is the log of a spawned process.
	stderr *lockedBuffer
}

var apiLine = regexp.MustCompile(`API\s+(http://\S+)/v1`)
var temporalLine = regexp.MustCompile(`Temporal\s+(127\.0\.0\.1:\d+),`)
var readyLine = regexp.MustCompile(`\(ready in (\S+)\)`)

// devArgs keeps every port dynamic so tests never clash with a developer's
// own `fundflow dev`.
func devArgs(dataDir string, extra ...string) []string {
	return append([]string{"dev", "--data", dataDir, "--http", "127.0.0.1:0", "--temporal", "127.0.0.1:0", "--ui-port", "0", "--log-level", "warn", "--seed-outcomes=false"}, extra...)
}

// startDev runs `fundflow dev` in this process and waits for its banner.
func startDev(t testing.TB, dataDir string, extra ...string) *devInstance {
	t.Helper()
	return startDevLogging(t, dataDir, io.Discard, extra...)
}

// startDevLogging is startDev writing its log to stderr.
func startDevLogging(t testing.TB, dataDir string, stderr io.Writer, extra ...string) *devInstance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"fundflow"}, devArgs(dataDir, extra...)...), os.Getenv, pw, stderr)
		pw.CloseWithError(fmt.Errorf("fundflow dev exited: %v", err))
		done <- err
	}()
	d := &devInstance{dataDir: dataDir}
	d.api, d.temporal, d.ready = readBanner(t, pr)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var once sync.Once
	d.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("fundflow dev stopped with %v", err)
			}
		})
	}
	t.Cleanup(d.stop)
	return d
}

func readBanner(t testing.TB, r io.Reader) (api, temporal, ready string) {
	t.Helper()
	found := make(chan struct{})
	var scanErr error
	go func() {
		defer close(found)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := apiLine.FindStringSubmatch(sc.Text()); m != nil {
				api = m[1]
			}
			if m := temporalLine.FindStringSubmatch(sc.Text()); m != nil {
				temporal = m[1]
			}
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				ready = m[1]
			}
			if api != "" && temporal != "" {
				return
			}
		}
		scanErr = sc.Err()
	}()
	select {
	case <-found:
	case <-time.After(2 * time.Minute):
		t.Fatal("no banner from fundflow dev within 2 minutes")
	}
	if api == "" {
		t.Fatalf("fundflow dev printed no banner: %v", scanErr)
	}
	return api, temporal, ready
}

type devTokens map[string]struct {
	Token   string `json:"token"`
	Role    string `json:"role"`
	OrgCode string `json:"org_code"`
	UserID  string `json:"user_id"`
}

func readTokens(t testing.TB, dataDir string) devTokens {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "dev-tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var toks devTokens
	if err := json.Unmarshal(b, &toks); err != nil {
		t.Fatal(err)
	}
	return toks
}

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

func waitReady(t testing.TB, api string) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < time.Minute {
		if code, _ := get(t, api+"/readyz", ""); code == 200 {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("/readyz not 200 within a minute")
	return 0
}

func TestDevServesTheStack(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	d := startDev(t, dir)
	waitReady(t, d.api)
	t.Logf("fundflow dev: banner to ready in %s", time.Since(start).Round(time.Millisecond))

	toks := readTokens(t, dir)
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
	code, quy := get(t, d.api+"/v1/organisations/QUY", admin)
	if code != 200 || !strings.Contains(fmt.Sprint(quy["name"]), "Bristol, North Somerset and South Gloucestershire") {
		t.Fatalf("QUY: %d %v", code, quy)
	}
	_, qhg := get(t, d.api+"/v1/organisations/QHG", admin)
	validity, _ := qhg["validity"].(map[string]any)
	successor, _ := validity["successor"].(map[string]any)
	if validity["valid"] != false || successor["ods_code"] != "S1Y5D" {
		t.Fatalf("QHG: %v", qhg)
	}
	if code, body := get(t, d.api+"/v1/organisations/QUY", ""); code != 401 || body["code"] != "unauthorized" {
		t.Fatalf("no token: %d %v", code, body)
	}

	// Tokens survive a restart over the same data directory, even though the
	// Redis stand-in starts empty.
	d.stop()
	d = startDev(t, dir)
	waitReady(t, d.api)
	if code, _ := get(t, d.api+"/v1/organisations/QUY", admin); code != 200 {
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
		{"temporal down", []string{"worker"}, map[string]string{"REDIS_URL": redisURL(), "TEMPORAL_ADDRESS": "127.0.0.1:1"}, "cannot reach Temporal at 127.0.0.1:1"},
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

func redisURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/15"
}

func TestTokenCreate(t *testing.T) {
	dir := t.TempDir()
	prefix := fmt.Sprintf("test-token-%d:", time.Now().UnixNano())
	d := startDev(t, dir, "--ephemeral", "--redis", redisURL(), "--redis-prefix", prefix)
	waitReady(t, d.api)
	env := func(k string) string {
		return map[string]string{"REDIS_URL": redisURL(), "TEMPORAL_ADDRESS": d.temporal, "FUNDFLOW_REDIS_PREFIX": prefix}[k]
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
	if code, me := get(t, d.api+"/v1/me", tok); code != 200 || me["org_code"] != "7A1" || me["name"] != "Llŷr" {
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
	dir := t.TempDir()
	cmd, d := spawnDev(t, dir)
	before := devSurvivalState(t, d)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	_, d = spawnDev(t, dir)
	devSurvivalCheck(t, d, before)
}

// spawnDev runs `fundflow dev` over dir as a real process, so a test can
// kill it with SIGKILL.
func spawnDev(t *testing.T, dir string, extra ...string) (*exec.Cmd, *devInstance) {
	t.Helper()
	args, _ := json.Marshal(devArgs(dir, extra...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FUNDFLOW_TEST_MAIN_ARGS="+string(args))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d := &devInstance{dataDir: dir, stderr: &lockedBuffer{}}
	cmd.Stderr = d.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	d.api, d.temporal, d.ready = readBanner(t, stdout)
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	waitReady(t, d.api)
	return cmd, d
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

// lockedBuffer collects a log written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logLine is the first line of log that holds s, or "".
func logLine(log, s string) string {
	for line := range strings.Lines(log) {
		if strings.Contains(line, s) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}
