package prodtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/fundflow/fundflow/api"
	"github.com/fundflow/fundflow/internal/adapter/cluster"
	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/clamtest"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
)

// prerequisites are the binaries .ci/run builds from the go.temporal.io/server
// module. Without them the test skips, except in CI, where a skipped
// production test would prove nothing.
func prerequisites(t *testing.T) (server, sqlTool string) {
	server, sqlTool = os.Getenv("TEMPORAL_SERVER_BIN"), os.Getenv("TEMPORAL_SQL_TOOL_BIN")
	if server != "" && sqlTool != "" {
		return server, sqlTool
	}
	msg := "TEMPORAL_SERVER_BIN and TEMPORAL_SQL_TOOL_BIN name Temporal's server and SQL tool, built by .ci/run " +
		"(go build -o bin/ go.temporal.io/server/cmd/server go.temporal.io/server/cmd/tools/sql)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return "", ""
}

// fundflowBinary is FUNDFLOW_BIN, or the production build of this tree.
func fundflowBinary(t *testing.T, tm *timings) string {
	if bin := os.Getenv("FUNDFLOW_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "fundflow")
	began := time.Now()
	cmd := exec.Command("go", "build", "-tags", "nodev", "-o", bin, "github.com/fundflow/fundflow/cmd/fundflow")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build fundflow: %v\n%s", err, out)
	}
	tm.add("build fundflow (-tags nodev)", time.Since(began))
	return bin
}

type fundBody struct {
	Status string        `json:"status"`
	Budget fund.Balances `json:"budget"`
	Awards struct {
		Count int `json:"count"`
	} `json:"awards"`
}

type letterBody struct {
	Ref    string `json:"ref"`
	Kind   string `json:"kind"`
	SHA256 string `json:"sha256"`
	URL    string `json:"url"`
}

// TestProduction runs fundflow the way an operator does: Temporal's own
// server on PostgreSQL as a process of its own, `fundflow setup`, one api
// and two workers from the production build, real Redis. It drives an
// application from draft to completion over HTTP, then kills a worker with
// SIGKILL in the middle of a panel decision and restarts Temporal, and
// checks that nothing was lost, the ledger adds up and the read model has
// not drifted.
func TestProduction(t *testing.T) {
	serverBin, sqlTool := prerequisites(t)
	var tm timings
	defer func() {
		t.Logf("timings:\n%s", &tm)
		if f := os.Getenv("PRODTEST_REPORT"); f != "" {
			_ = os.WriteFile(f, []byte(tm.String()), 0o644)
		}
	}()
	bin := fundflowBinary(t, &tm)
	dir := t.TempDir()
	pg := postgres{host: envOr("PGHOST", "127.0.0.1"), port: 5432, user: envOr("PGUSER", "postgres")}
	if p := os.Getenv("PGPORT"); p != "" {
		pg.port, _ = strconv.Atoi(p)
	}
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	db, visDB := "fundflow_prod_"+suffix, "fundflow_prod_vis_"+suffix

	began := time.Now()
	setupSchema(t, sqlTool, pg, db, visDB)
	tm.add("schema: create and migrate two PostgreSQL databases", time.Since(began))

	srv := newTemporal(t, serverBin, dir, pg, db, visDB)
	began = time.Now()
	srv.start(t)
	tc := dialTemporal(t, srv.frontend)
	tm.add("Temporal server start to healthy", time.Since(began))

	_, prefix := testredis.New(t)
	redisURL := envOr("REDIS_URL", testredis.DefaultURL)
	const namespace = "fundflow"
	// The processes share no disk: letters and uploads are in an S3
	// bucket served over HTTP from this test process, each process has
	// its own data directory, and uploads are scanned by a real clamd.
	bucket, blobURL := startS3(t)
	ports := freePorts(t, 4)
	apiAddr, api2Addr := fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[3])
	base, base2 := "http://"+apiAddr, "http://"+api2Addr
	env := []string{
		"TEMPORAL_ADDRESS=" + srv.frontend, "TEMPORAL_NAMESPACE=" + namespace,
		"REDIS_URL=" + redisURL, "FUNDFLOW_REDIS_PREFIX=" + prefix,
		"FUNDFLOW_DATA_DIR=" + filepath.Join(dir, "data"), "LOG_LEVEL=info",
		"FUNDFLOW_BLOB_URL=" + blobURL, "AWS_ACCESS_KEY_ID=fundflow", "AWS_SECRET_ACCESS_KEY=fundflow-secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"FUNDFLOW_CLAMD=" + clamtest.Start(t), "FUNDFLOW_PUBLIC_URL=" + base,
	}
	own := func(name string) []string {
		return append(slices.Clone(env), "FUNDFLOW_DATA_DIR="+filepath.Join(dir, "data-"+name))
	}
	startAPI := func() *proc {
		return start(t, dir, "api", own("api"), bin, "api", "--http", apiAddr)
	}
	startAPI()
	start(t, dir, "api2", own("api2"), bin, "api", "--http", api2Addr)

	// Before setup the api serves, but is not ready, and says why.
	waitReadyz(t, base, "the namespace named missing", func(code int, checks map[string]string) bool {
		return code == 503 && checks["namespace"] == "missing: "+namespace
	})
	// A namespace made by hand, without fundflow's search attributes, is
	// the trap an operator falls into: /readyz names every one missing.
	if _, err := tc.WorkflowService().RegisterNamespace(context.Background(), &workflowservice.RegisterNamespaceRequest{
		Namespace: namespace, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	waitReadyz(t, base, "the search attributes named missing", func(code int, checks map[string]string) bool {
		return code == 503 && checks["namespace"] == "ok" && checks["search_attributes"] == "missing: AppStatus, EntityKind, FundId, OrgCode, StageDueAt"
	})
	began = time.Now()
	for i := range 2 {
		out := mustRun(t, env, bin, "setup")
		if !strings.Contains(out, `namespace "fundflow" is ready`) {
			t.Fatalf("setup run %d: %s", i+1, out)
		}
	}
	tm.add("fundflow setup, twice", time.Since(began))
	d, err := tc.WorkflowService().DescribeNamespace(context.Background(), &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil || d.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() != cluster.AuditRetention {
		t.Fatalf("retention after setup: %v %v", d.GetConfig().GetWorkflowExecutionRetentionTtl(), err)
	}
	waitReadyz(t, base, "the api ready", func(code int, _ map[string]string) bool { return code == 200 })

	workers := make([]*proc, 2)
	workerURL := make([]string, 2)
	startWorker := func(i int) {
		addr := fmt.Sprintf("127.0.0.1:%d", ports[1+i])
		workerURL[i] = "http://" + addr
		name := fmt.Sprintf("worker%d", i+1)
		workers[i] = start(t, dir, name, own(name), bin, "worker", "--http", addr)
	}
	began = time.Now()
	for i := range workers {
		startWorker(i)
	}
	for i := range workers {
		waitReadyz(t, workerURL[i], fmt.Sprintf("worker %d polling", i+1), func(code int, c map[string]string) bool {
			return code == 200 && c["poller"] == "ok"
		})
	}
	tm.add("two workers start to polling (/readyz)", time.Since(began))

	token := func(role, org, name string) string {
		args := []string{"token", "create", "--role", role, "--name", name}
		if org != "" {
			args = append(args, "--org", org)
		}
		return strings.TrimSpace(mustRun(t, env, bin, args...))
	}
	admin := token("admin", "", "Platform admin")
	chair := token("panel_chair", "", "Panel chair")
	pm := token("programme_manager", "", "Programme manager")
	// The fund assigns each application reviewers_per_application (2) of
	// its reviewer pool when it passes eligibility; three leave one spare
	// for a conflict. Reviewers are invited people, each with a token that
	// acts as them.
	reviewers := map[string]string{}
	var pool []string
	for i := range 3 {
		email, name := fmt.Sprintf("reviewer%d@example.nhs.uk", i+1), fmt.Sprintf("Reviewer %d", i+1)
		mustRun(t, env, bin, "user", "invite", "--email", email, "--name", name, "--role", "reviewer", "--reason", "production test")
		tok := strings.TrimSpace(mustRun(t, env, bin, "token", "create", "--role", "reviewer", "--name", name, "--user", email))
		reviewers[directory.UserID(email)] = tok
		pool = append(pool, directory.UserID(email))
	}
	applicants := map[string]string{"QUY": token("applicant", "QUY", "QUY lead"), "7A1": token("applicant", "7A1", "7A1 lead")}

	c := apitest.NewClient(t, base, api.OpenAPIDocument())
	c2 := apitest.NewClient(t, base2, api.OpenAPIDocument())
	key := 0
	post := func(path, tok string, body any, want int) map[string]any {
		t.Helper()
		key++
		var out map[string]any
		if code := c.DoKey("POST", path, tok, fmt.Sprintf("prod-%s-%d", suffix, key), body, &out); code != want {
			t.Fatalf("POST %s: %d, want %d: %v", path, code, want, out)
		}
		return out
	}

	// The first fund: created, then opened; applications are refused until
	// it is open.
	def := fund.SeedDefinition(time.Now())
	post("/v1/funds", admin, def, 201)
	if code := c.DoKey("PUT", "/v1/funds/"+def.ID+"/reviewers", admin, "prod-pool-"+suffix,
		map[string]any{"reviewers": pool, "panel": []string{}, "reason": "the first fund's reviewers"}, nil); code != 200 {
		t.Fatalf("PUT the fund's reviewer pool: %d", code)
	}
	post("/v1/funds/"+def.ID+"/open", admin, nil, 200)

	toPanel := func(org string) string {
		t.Helper()
		id := post("/v1/applications", applicants[org], apitest.Application(def.ID, "Lead "+org, 8_000_000), 201)["id"].(string)
		post("/v1/applications/"+id+"/submit", applicants[org], nil, 200)
		post("/v1/applications/"+id+"/eligibility", firstReviewer(reviewers), map[string]string{"decision": "pass", "reason": "Eligible ICS-level body."}, 200)
		var v struct {
			Reviewers []struct{ ID string } `json:"reviewers"`
		}
		c.Do("GET", "/v1/applications/"+id, chair, nil, &v)
		if len(v.Reviewers) != def.ReviewersPerApplication {
			t.Fatalf("%s has %d reviewers", org, len(v.Reviewers))
		}
		for _, r := range v.Reviewers {
			post("/v1/applications/"+id+"/assessments", reviewers[r.ID], apitest.Assessment(def, 5), 200)
		}
		return id
	}
	accept := map[string]string{"signatory_name": "Dr Rhiannon Price", "signatory_role": "Director of Public Health"}
	complete := func(id, org string) {
		t.Helper()
		for _, m := range def.Milestones {
			base := "/v1/applications/" + id + "/milestones/" + m.ID
			post(base+"/evidence", applicants[org], map[string]any{"summary": "Done: " + m.Title, "links": []string{"https://example.nhs.uk/evidence"},
				"outcomes":  outcome.Sample(def, m.ID, []string{"primary_care_public_health", "nhs_app"}, 900),
				"documents": c.AttachRequired(id, applicants[org], m)}, 200)
			post(base+"/verify", pm, map[string]string{"decision": "verify", "note": "Checked."}, 200)
		}
		var v map[string]any
		c.Do("GET", "/v1/applications/"+id, pm, nil, &v)
		if v["status"] != "completed" {
			t.Fatalf("%s after the last milestone: %v", org, v["status"])
		}
	}
	letters := func(id, org string, kinds ...string) {
		t.Helper()
		eventually(t, org+" letters "+strings.Join(kinds, ", "), func() (bool, string) {
			var ls []letterBody
			c.Do("GET", "/v1/applications/"+id+"/letters", applicants[org], nil, &ls)
			have := map[string]letterBody{}
			for _, l := range ls {
				have[l.Kind] = l
			}
			for _, k := range kinds {
				if _, ok := have[k]; !ok {
					return false, fmt.Sprint(ls)
				}
			}
			// Both api processes serve what the worker wrote.
			for _, l := range ls {
				for _, c := range []*apitest.Client{c, c2} {
					code, h, pdf := c.Raw(l.URL, applicants[org])
					sum := sha256.Sum256(pdf)
					if code != 200 || h.Get("Content-Type") != "application/pdf" || hex.EncodeToString(sum[:]) != l.SHA256 {
						t.Fatalf("letter %s: %d %s, sha256 %x recorded %s", l.Ref, code, h.Get("Content-Type"), sum, l.SHA256)
					}
				}
			}
			return true, ""
		})
	}

	// One application from draft to completion.
	began = time.Now()
	quy := toPanel("QUY")
	if out := post("/v1/applications/"+quy+"/decision", chair, map[string]any{"outcome": "approve", "amount_pence": 8_000_000, "feedback": "Strong."}, 200); out["status"] != "offered" {
		t.Fatalf("QUY decision: %v", out["status"])
	}
	letters(quy, "QUY", "offer")
	post("/v1/applications/"+quy+"/offer/accept", applicants["QUY"], accept, 200)
	complete(quy, "QUY")
	letters(quy, "QUY", "offer", "completion")
	tm.add("lifecycle: draft to completion over HTTP, letters downloaded", time.Since(began))

	// A letter lost from the bucket is reported by letters check and put
	// back, byte for byte, by letters rebuild.
	began = time.Now()
	var ls []letterBody
	c.Do("GET", "/v1/applications/"+quy+"/letters", applicants["QUY"], nil, &ls)
	lost := ls[0]
	if _, err := bucket.DeleteObject("fundflow", "letters/"+lost.SHA256[:2]+"/"+lost.SHA256); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := c2.Raw(lost.URL, applicants["QUY"]); code != http.StatusNotFound {
		t.Fatalf("a lost letter answers %d", code)
	}
	if out, err := run(t, env, bin, "letters", "check"); err == nil || !strings.Contains(out, lost.Ref+": missing") {
		t.Fatalf("letters check after a loss: %v\n%s", err, out)
	}
	if out := mustRun(t, env, bin, "letters", "rebuild"); !strings.Contains(out, lost.Ref+": missing, rebuilt") {
		t.Fatalf("letters rebuild: %s", out)
	}
	mustRun(t, env, bin, "letters", "check")
	letters(quy, "QUY", "offer", "completion")
	tm.add("letters check finds a lost letter, rebuild restores it identically", time.Since(began))

	// Every uploaded file in the bucket is one a record refers to, so a
	// sweep, over S3 and every application's record in Temporal, finds
	// nothing to delete.
	if out := mustRun(t, env, bin, "documents", "sweep", "--min-age", "1h"); !strings.Contains(out, "would delete 0") || strings.Contains(out, " 0 records") {
		t.Fatalf("documents sweep: %s", out)
	}

	// A worker dies with SIGKILL while the panel decides the second one:
	// the decision reserves credit at the fund, by a local activity in the
	// workflow task that either worker may hold.

	a7 := toPanel("7A1")
	type answer struct {
		code int
		took time.Duration
		body string
	}
	decided := make(chan answer, 1)
	go func() {
		began := time.Now()
		code, body := rawPost(base+"/v1/applications/"+a7+"/decision", chair, "prod-decision-"+suffix,
			`{"outcome":"approve","amount_pence":8000000,"feedback":"Strong."}`)
		decided <- answer{code, time.Since(began), body}
	}()
	time.Sleep(30 * time.Millisecond)
	workers[0].kill9()
	got := <-decided
	if got.code != 200 || !strings.Contains(got.body, `"status":"offered"`) {
		t.Fatalf("decision across a killed worker: %d %s", got.code, got.body)
	}
	tm.add("decision with a worker killed (SIGKILL) mid-request", got.took)
	// An offer can be accepted once its letter exists.
	began = time.Now()
	letters(a7, "7A1", "offer")
	tm.add("offer letter ready after the kill", time.Since(began))
	began = time.Now()
	post("/v1/applications/"+a7+"/offer/accept", applicants["7A1"], accept, 200)
	tm.add("offer accepted right after the kill", time.Since(began))
	began = time.Now()
	var v map[string]any
	c.Do("GET", "/v1/applications/"+a7, chair, nil, &v)
	tm.add("read (Query) right after the kill", time.Since(began))
	if v["status"] != "in_deployment" {
		t.Fatalf("7A1 after acceptance: %v", v["status"])
	}

	// Temporal's server restarts once. While it is down the api answers
	// 503 with Retry-After, quickly, not 500.
	srv.proc.stop()
	began = time.Now()
	code, h, body := c.Raw("/v1/funds/"+def.ID, admin)
	took := time.Since(began)
	if code != 503 || h.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"unavailable"`) {
		t.Fatalf("GET a fund with Temporal stopped: %d %q %s", code, h.Get("Retry-After"), body)
	}
	tm.add("GET /v1/funds/{id} with Temporal stopped (503)", took)
	began = time.Now()
	srv.start(t)
	waitReadyz(t, base, "the api ready after Temporal restarted", func(code int, _ map[string]string) bool { return code == 200 })
	waitReadyz(t, workerURL[1], "worker 2 polling after Temporal restarted", func(code int, c map[string]string) bool {
		return code == 200 && c["poller"] == "ok"
	})
	tm.add("Temporal restart to api and worker ready", time.Since(began))
	startWorker(0)

	began = time.Now()
	complete(a7, "7A1")
	letters(a7, "7A1", "offer", "completion")
	tm.add("second award to completion after the kill and restart", time.Since(began))

	// Nothing lost: both awards drawn in full, and the ledger adds up.
	var f fundBody
	c.Do("GET", "/v1/funds/"+def.ID, admin, nil, &f)
	b := f.Budget
	if f.Awards.Count != 2 || b.DrawnPence != 16_000_000 || b.ReservedPence != 0 || b.CommittedPence != 0 ||
		b.AvailablePence+b.ReservedPence+b.CommittedPence+b.DrawnPence != b.TotalPence {
		t.Fatalf("fund at the end: %+v", f)
	}
	var ledger struct {
		Items []struct {
			AmountPence int64  `json:"amount_pence"`
			Kind        string `json:"kind"`
		} `json:"items"`
	}
	c.Do("GET", "/v1/funds/"+def.ID+"/ledger", admin, nil, &ledger)
	t.Logf("ledger: %d entries", len(ledger.Items))

	eventually(t, "reindex --check without drift", func() (bool, string) {
		out, err := run(t, env, bin, "reindex", "--check")
		return err == nil && strings.Contains(out, "no drift: 2 applications checked"), out
	})

	// The worker serves the SDK's poller and activity metrics, and
	// fundflow's own; the api, the SDK client's.
	metrics := get(t, workerURL[1]+"/metrics")
	if f := os.Getenv("PRODTEST_METRICS"); f != "" {
		_ = os.WriteFile(f, []byte(metrics), 0o644)
	}
	for _, m := range []string{"temporal_num_pollers", "temporal_activity_execution_latency_seconds", "temporal_workflow_task_queue_poll_succeed_total",
		"temporal_worker_task_slots_available", "temporal_workflow_task_schedule_to_start_latency_seconds",
		"fundflow_activities_total", "fundflow_ledger_updates_total", "fundflow_letters_rendered_total", "fundflow_notifications_total"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("worker /metrics has no %s", m)
		}
	}
	if m := get(t, base+"/metrics"); !strings.Contains(m, "temporal_request") {
		t.Errorf("api /metrics has no Temporal client metrics")
	}
}

func firstReviewer(rs map[string]string) string {
	for _, tok := range rs {
		return tok
	}
	return ""
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// dialTemporal waits for the frontend to answer.
func dialTemporal(t *testing.T, hostPort string) client.Client {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: "temporal-system",
			Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
		cancel()
		if err == nil {
			t.Cleanup(c.Close)
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("Temporal at %s not healthy within 2 minutes: %v", hostPort, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitReadyz polls a /readyz until ok says it shows what is wanted.
func waitReadyz(t *testing.T, base, what string, ok func(int, map[string]string) bool) {
	t.Helper()
	var last string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			var body struct {
				Checks map[string]string `json:"checks"`
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			_ = json.Unmarshal(b, &body)
			if ok(resp.StatusCode, body.Checks) {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: /readyz still %s", what, last)
}

func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok, state := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s", what, state)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// rawPost is a command sent from another goroutine, where the test may not
// fail; the caller checks what it returns.
func rawPost(url, token, key, body string) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
