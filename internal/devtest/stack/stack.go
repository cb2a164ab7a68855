// Package stack runs `fundflow dev` for tests the way a person runs it: the
// real binary, built once per test process with the tests' race detector
// setting (or, for cmd/fundflow's own tests, that package's test binary,
// which is fundflow), started as a process of its own, and reached only through
// what it serves: the HTTP API, its Temporal frontend, the Redis it writes
// and its data directory. A test that needs nothing of its own shares one
// stack with the rest of its package (Shared); one that kills, restarts or
// configures the process starts its own (Start).
//
// Only tests import it; the production build (tag nodev) never does.
package stack

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/fundflow/fundflow/api"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
)

// Options says how to start a stack. The zero value is an ephemeral
// Temporal, the real Redis under a prefix of the stack's own, and no
// outcomes seeding.
type Options struct {
	// Args are more `fundflow dev` flags, after the harness's own.
	Args []string
	// DataDir reuses a data directory, to restart over it; empty is a new
	// one, kept on disk (not --ephemeral) only when Persist is set.
	DataDir string
	Persist bool
	// StandIn gives dev no --redis, so it runs on its embedded stand-in
	// unless Args name a Redis of the test's own; Redis, ReadModel and
	// Auth are then nil.
	StandIn bool
	// Prefix reuses a Redis key prefix, to restart over the same Redis.
	Prefix string
}

// Stack is one running `fundflow dev`.
type Stack struct {
	// API is the base URL of the API and pages, Temporal the frontend's
	// host:port.
	API, Temporal string
	DataDir       string
	// Ready is how long the banner says start-up took.
	Ready string
	// Prefix is the stack's Redis key prefix.
	Prefix    string
	Redis     *redis.Client
	ReadModel *readmodel.Store
	Auth      *auth.Store
	// Log is what the process wrote to stderr.
	Log *Log

	opts     Options
	cmd      *exec.Cmd
	done     chan error
	exitOnce sync.Once
	exitErr  error
	killed   bool
	tc       client.Client
	tcOnce   sync.Once
}

var (
	built    string
	buildErr error
	building sync.Once
	workDir  string

	shared     *Stack
	sharedErr  error
	sharedOnce sync.Once
	sharedLife = &lifetime{}
)

// selfArgs carries a stack's arguments to a test binary that is fundflow
// itself (MainSelf).
const selfArgs = "FUNDFLOW_STACK_SELF_ARGS"

// self is set when this test binary is fundflow, so stacks run it rather
// than a build.
var self bool

// MainSelf is Main for the tests of the fundflow binary itself
// (cmd/fundflow): run with a stack's arguments, the package's own test
// binary is fundflow, built with the tests' flags, so nothing else is
// built. main is the package's main function.
func MainSelf(m *testing.M, main func()) {
	if args := os.Getenv(selfArgs); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			panic(err)
		}
		os.Args = append([]string{"fundflow"}, a...)
		main()
		os.Exit(0)
	}
	self = true
	Main(m)
}

// Main is a test package's TestMain: it runs the tests, then stops the
// shared stack, failing the run if that stack's process reported a data
// race or did not stop cleanly.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "fundflow-stack-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	workDir = dir
	code := m.Run()
	if shared != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "the shared fundflow dev: %v\n", err)
			code = 1
		}
		sharedLife.cleanup()
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// command is fundflow with args, as a process of its own.
func command(ctx context.Context, args ...string) (*exec.Cmd, error) {
	if self {
		a, _ := json.Marshal(args)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), selfArgs+"="+string(a))
		return cmd, nil
	}
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = os.Environ()
	return cmd, nil
}

// binary is the fundflow binary the stacks run: FUNDFLOW_DEV_BIN when set,
// otherwise built once for this test process.
func binary() (string, error) {
	if workDir == "" {
		return "", errors.New("stack: the package's TestMain must call stack.Main")
	}
	building.Do(func() {
		if b := os.Getenv("FUNDFLOW_DEV_BIN"); b != "" {
			built = b
			return
		}
		built = filepath.Join(workDir, "fundflow")
		args := []string{"build", "-o", built}
		if race {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "github.com/fundflow/fundflow/cmd/fundflow")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build fundflow: %v\n%s", err, out)
		}
	})
	return built, buildErr
}

// Shared is the package's one stack for tests that need nothing of their
// own, started at its first use. Tests on it must not depend on what
// earlier tests left behind: each makes its own fund, or reads only what it
// made.
func Shared(t testing.TB) *Stack {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = start(Options{}, sharedLife) })
	if sharedErr != nil {
		t.Fatalf("the shared stack: %v", sharedErr)
	}
	return shared
}

// Start runs a stack of the test's own, stopped when the test ends.
func Start(t testing.TB, o Options) *Stack {
	t.Helper()
	life := &lifetime{}
	s, err := start(o, life)
	if err != nil {
		life.cleanup()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("fundflow dev: %v", err)
		}
		if t.Failed() {
			t.Logf("fundflow dev's log, last lines:\n%s", s.Log.Tail(60))
		}
		life.cleanup()
	})
	return s
}

// lifetime collects what to undo when a stack's owner is done with it.
type lifetime struct{ undo []func() }

func (l *lifetime) add(f func()) { l.undo = append(l.undo, f) }

func (l *lifetime) cleanup() {
	for i := len(l.undo) - 1; i >= 0; i-- {
		l.undo[i]()
	}
	l.undo = nil
}

var (
	apiLine      = regexp.MustCompile(`API\s+(http://\S+)/v1`)
	temporalLine = regexp.MustCompile(`Temporal\s+(127\.0\.0\.1:\d+),`)
	readyLine    = regexp.MustCompile(`\(ready in (\S+)\)`)
)

func start(o Options, life *lifetime) (*Stack, error) {
	s := &Stack{opts: o, DataDir: o.DataDir}
	if s.DataDir == "" {
		dir, err := os.MkdirTemp(workDir, "data-")
		if err != nil {
			return nil, err
		}
		s.DataDir = dir
	}
	args := []string{"dev", "--data", s.DataDir, "--http", "127.0.0.1:0", "--temporal", "127.0.0.1:0",
		"--ui-port", "0", "--log-level", "warn", "--seed-outcomes=false"}
	if o.DataDir == "" && !o.Persist {
		args = append(args, "--ephemeral")
	}
	if !o.StandIn {
		rdb, prefix, done, err := testredis.Open()
		if err != nil {
			return nil, err
		}
		if o.Prefix != "" {
			prefix = o.Prefix
			done = func() { _ = rdb.Close() }
		}
		life.add(done)
		s.Redis, s.Prefix = rdb, prefix
		s.ReadModel = readmodel.NewStore(rdb, prefix)
		s.Auth = auth.NewStore(rdb, prefix, nil, nil)
		args = append(args, "--redis", testredis.URL(), "--redis-prefix", prefix)
	}
	args = append(args, o.Args...)
	for attempt := 1; ; attempt++ {
		err := s.launch(args)
		// Stacks started in parallel choose their embedded server's
		// ports as tests do, asking the kernel for a free one and letting
		// it go; now and then another process takes it first.
		if err != nil && attempt < 3 && strings.Contains(s.Log.String(), "address already in use") {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	life.add(func() {
		if s.tc != nil {
			s.tc.Close()
		}
	})
	return s, nil
}

// launch starts the process and waits for it to serve.
func (s *Stack) launch(args []string) error {
	s.Log, s.done, s.exitOnce = &Log{}, make(chan error, 1), sync.Once{}
	var err error
	if s.cmd, err = command(context.Background(), args...); err != nil {
		return err
	}
	s.cmd.Stderr = s.Log
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.readBanner(stdout); err != nil {
		_ = s.cmd.Process.Kill()
		_ = s.wait()
		return fmt.Errorf("%w\nits log:\n%s", err, s.Log.Tail(60))
	}
	if err := s.awaitReady(); err != nil {
		_ = s.cmd.Process.Kill()
		_ = s.wait()
		return err
	}
	return nil
}

func (s *Stack) readBanner(stdout io.Reader) error {
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if m := apiLine.FindStringSubmatch(line); m != nil {
				s.API = m[1]
			}
			if m := temporalLine.FindStringSubmatch(line); m != nil {
				s.Temporal = m[1]
			}
			if m := readyLine.FindStringSubmatch(line); m != nil {
				s.Ready = m[1]
			}
			if s.API != "" && s.Temporal != "" {
				found <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		found <- fmt.Errorf("fundflow dev printed no banner (%v)", sc.Err())
	}()
	select {
	case err := <-found:
		return err
	case <-time.After(3 * time.Minute):
		return errors.New("no banner from fundflow dev within 3 minutes")
	}
}

func (s *Stack) awaitReady() error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, err := getStatus(s.API + "/readyz")
		if err == nil && code == 200 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/readyz not 200 within 2 minutes (%d %v)", code, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wait reaps the process once, whoever asks first.
func (s *Stack) wait() error {
	s.exitOnce.Do(func() { s.exitErr = <-s.done })
	return s.exitErr
}

// stop interrupts the process, as Ctrl-C does, and waits for it; past a
// minute it is killed. A data race the race detector reported is an error.
func (s *Stack) stop() error {
	// An exited process refuses the signal; waiting then answers at once.
	_ = s.cmd.Process.Signal(os.Interrupt)
	exited := make(chan error, 1)
	go func() { exited <- s.wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		err = fmt.Errorf("did not stop within a minute of an interrupt: %v", <-exited)
	}
	if strings.Contains(s.Log.String(), "WARNING: DATA RACE") {
		return fmt.Errorf("the race detector reported a data race:\n%s", s.Log.Race())
	}
	if s.killed {
		return nil
	}
	return err
}

// Stop interrupts the process, as Ctrl-C does, and waits for it to exit
// cleanly; Restart starts it again over the same data and Redis.
func (s *Stack) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop(); err != nil {
		t.Fatalf("fundflow dev: %v", err)
	}
}

// Kill ends the process with SIGKILL, as a crash or an OOM killer would,
// and waits for it. The stack is unusable afterwards; Restart starts it
// again over the same data and Redis.
func (s *Stack) Kill(t testing.TB) {
	t.Helper()
	s.killed = true
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.wait()
}

// Restart starts a new stack over s's data directory and Redis prefix,
// with the same options; s must have stopped or been killed.
func (s *Stack) Restart(t testing.TB) *Stack {
	t.Helper()
	o := s.opts
	o.DataDir, o.Prefix = s.DataDir, s.Prefix
	return Start(t, o)
}

// Temporal client for s's frontend, dialled once.
func (s *Stack) Client(t testing.TB) client.Client {
	t.Helper()
	var err error
	s.tcOnce.Do(func() {
		s.tc, err = client.Dial(client.Options{HostPort: s.Temporal, Namespace: "default", Logger: QuietSDK()})
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.tc == nil {
		t.Fatal("no Temporal client for this stack")
	}
	return s.tc
}

// QuietSDK keeps the Temporal client's debug lines out of test output.
func QuietSDK() sdklog.Logger { return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }

// HTTP is a client of s's API that checks every answer against the OpenAPI
// document.
func (s *Stack) HTTP(t testing.TB) *apitest.Client {
	return apitest.NewClient(t, s.API, api.OpenAPIDocument())
}

// Tokens are the stack's dev-tokens.json, by name.
func (s *Stack) Tokens(t testing.TB) map[string]devseed.Token {
	t.Helper()
	toks, err := devseed.ReadTokens(filepath.Join(s.DataDir, "dev-tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// env is what another fundflow command needs to act on s: its Temporal,
// Redis and data directory.
func (s *Stack) env() []string {
	env := []string{"TEMPORAL_ADDRESS=" + s.Temporal, "FUNDFLOW_DATA_DIR=" + s.DataDir}
	if s.Redis != nil {
		env = append(env, "REDIS_URL="+testredis.URL(), "FUNDFLOW_REDIS_PREFIX="+s.Prefix)
	}
	return env
}

// Run runs another fundflow command (reindex, documents sweep, token,
// seed, bench) against s, returning what it printed and how it exited.
func (s *Stack) Run(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd, err := command(ctx, args...)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(cmd.Env, s.env()...)
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	err = cmd.Run()
	if strings.Contains(errs.String(), "WARNING: DATA RACE") {
		t.Errorf("fundflow %s: the race detector reported a data race:\n%s", strings.Join(args, " "), errs.String())
	}
	return out.String(), errs.String(), err
}

// Log collects a process's stderr, written from its own goroutine.
type Log struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Line is the first line of the log that holds s, or "".
func (l *Log) Line(s string) string {
	for line := range strings.Lines(l.String()) {
		if strings.Contains(line, s) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// Tail is the log's last n lines.
func (l *Log) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(l.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Race is the first race report in the log.
func (l *Log) Race() string {
	s := l.String()
	i := strings.Index(s, "WARNING: DATA RACE")
	if i < 0 {
		return ""
	}
	end := strings.Index(s[i:], "==================")
	if end < 0 {
		end = len(s) - i
	}
	return s[i : i+end]
}

func getStatus(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
