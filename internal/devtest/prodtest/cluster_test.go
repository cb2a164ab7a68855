package prodtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// proc is one process the test started, its output in a file that is
// printed when the test fails.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func start(t *testing.T, dir, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			if len(b) > 6000 {
				b = b[len(b)-6000:]
			}
			t.Logf("--- %s (last lines)\n%s", name, b)
		}
	})
	return p
}

// stop asks the process to end, as a platform does, and kills it if it
// does not within 20 seconds.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// kill9 ends the process with no chance to clean up, as a lost node does.
func (p *proc) kill9() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// run runs a command to completion, returning its combined output.
func run(t *testing.T, env []string, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustRun(t *testing.T, env []string, bin string, args ...string) string {
	t.Helper()
	out, err := run(t, env, bin, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return out
}

// freePorts finds n distinct free loopback ports. They are below 32768,
// and so below the kernel's ephemeral range: Temporal keeps membership
// ports in a PostgreSQL smallint.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000)))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		_ = l.Close()
	}
	return ports
}

// temporal is Temporal's own server on PostgreSQL, as a process of its
// own, with a configuration written for this test: loopback only, one
// history shard per core of a small cluster, two fresh databases.
type temporal struct {
	bin, config, dir string
	frontend         string
	proc             *proc
}

// postgres is where the test's databases live.
type postgres struct {
	host string
	port int
	user string
}

func (pg postgres) sqlTool(t *testing.T, bin, db string, args ...string) {
	t.Helper()
	base := []string{"--plugin", "postgres12", "--ep", pg.host, "-p", strconv.Itoa(pg.port), "-u", pg.user, "--db", db}
	mustRun(t, nil, bin, append(base, args...)...)
}

// setupSchema creates the persistence and visibility databases with the
// SQL tool built from the server module, the way an operator does, and
// drops them when the test ends.
func setupSchema(t *testing.T, sqlTool string, pg postgres, dbs ...string) {
	t.Helper()
	for i, db := range dbs {
		schema := "postgresql/v12/temporal"
		if i == 1 {
			schema = "postgresql/v12/visibility"
		}
		pg.sqlTool(t, sqlTool, db, "drop-database", "--force")
		pg.sqlTool(t, sqlTool, db, "create-database")
		pg.sqlTool(t, sqlTool, db, "setup-schema", "-v", "0.0")
		pg.sqlTool(t, sqlTool, db, "update-schema", "--schema-name", schema)
		t.Cleanup(func() {
			_, _ = run(t, nil, sqlTool, "--plugin", "postgres12", "--ep", pg.host, "-p", strconv.Itoa(pg.port), "-u", pg.user, "--db", db, "drop-database", "--force")
		})
	}
}

func newTemporal(t *testing.T, bin, dir string, pg postgres, db, visDB string) *temporal {
	t.Helper()
	p := freePorts(t, 9)
	tm := &temporal{bin: bin, dir: dir, frontend: fmt.Sprintf("127.0.0.1:%d", p[0])}
	dyn := filepath.Join(dir, "dynamicconfig.yaml")
	// Search attributes registered by `fundflow setup` must be usable by
	// the next start; a fund takes many credit Updates at once.
	if err := os.WriteFile(dyn, []byte(`system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
history.maxInFlightUpdates:
  - value: 500
`), 0o600); err != nil {
		t.Fatal(err)
	}
	store := func(name, db string, conns int) string {
		return fmt.Sprintf(`    %s:
      sql:
        pluginName: postgres12
        databaseName: %s
        connectAddr: "%s:%d"
        connectProtocol: tcp
        user: %s
        maxConns: %d
        maxIdleConns: %d
        maxConnLifetime: 1h
`, name, db, pg.host, pg.port, pg.user, conns, conns)
	}
	service := func(name string, grpc, membership int) string {
		return fmt.Sprintf(`  %s:
    rpc:
      grpcPort: %d
      membershipPort: %d
      bindOnLocalHost: true
`, name, grpc, membership)
	}
	cfg := `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
` + store("default", db, 20) + store("visibility", visDB, 4) + fmt.Sprintf(`global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      listenAddress: 127.0.0.1:%d
services:
`, p[1]) + service("frontend", p[0], p[2]) + service("history", p[3], p[4]) + service("matching", p[5], p[6]) + service("worker", p[7], p[8]) +
		fmt.Sprintf(`clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: %s
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: %s
  pollInterval: 10s
`, tm.frontend, dyn)
	tm.config = filepath.Join(dir, "temporal.yaml")
	if err := os.WriteFile(tm.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return tm
}

func (tm *temporal) start(t *testing.T) {
	t.Helper()
	tm.proc = start(t, tm.dir, "temporal-server", nil, tm.bin, "--config-file", tm.config, "--allow-no-auth", "start")
}

// timings are what the note reports, in the order they were taken.
type timings struct {
	mu    sync.Mutex
	names []string
	took  map[string]time.Duration
}

func (tm *timings) add(name string, d time.Duration) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.took == nil {
		tm.took = map[string]time.Duration{}
	}
	tm.names = append(tm.names, name)
	tm.took[name] = d
}

func (tm *timings) String() string {
	var b strings.Builder
	for _, n := range tm.names {
		fmt.Fprintf(&b, "%-58s %s\n", n, tm.took[n].Round(time.Millisecond))
	}
	return b.String()
}

// startS3 serves an S3-compatible bucket, fundflow, over HTTP from the test
// process (gofakes3; see internal/blob's S3 test for why not SeaweedFS),
// and returns it with the FUNDFLOW_BLOB_URL that reaches it.
func startS3(t *testing.T) (*s3mem.Backend, string) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("fundflow"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	q := url.Values{"endpoint": {srv.URL}, "region": {"eu-west-2"}, "use_path_style": {"true"}}
	return backend, "s3://fundflow?" + q.Encode()
}
