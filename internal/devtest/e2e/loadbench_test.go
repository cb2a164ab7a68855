package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/devtest/loadgen"
	"github.com/fundflow/fundflow/internal/devtest/stack"
)

// TestLoadBenchShort runs `fundflow bench` briefly at a low rate against a
// fundflow dev: every request of the mix succeeds, reads never go back
// behind a version already answered, and the report is whole. It asserts
// nothing about timing; `make loadtest` is the measurement.
func TestLoadBenchShort(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts fundflow dev")
	}
	s := stack.Start(t, stack.Options{Args: []string{"--rate-limit", "0"}})
	jsonOut := filepath.Join(t.TempDir(), "report.json")
	stdout, stderr, err := s.Run(t, "bench", "--url", s.API, "--tokens", filepath.Join(s.DataDir, "dev-tokens.json"),
		"--rate", "20", "--duration", "5s", "--sse", "4", "--pool", "12", "--json", jsonOut)
	t.Log(stdout)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr)
	}
	var rep loadgen.Report
	b, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 100 || rep.Completed != 100 || rep.Errors != 0 || len(rep.ErrorCounts) != 0 {
		t.Errorf("report: %d due, %d completed, %d errors %v; want all 100 done", rep.Requests, rep.Completed, rep.Errors, rep.ErrorCounts)
	}
	if rep.ServerCPU <= 0 || rep.CPUPerRequest <= 0 {
		t.Errorf("no server CPU in the report: %+v", rep)
	}
	if rep.Duration < 4*time.Second || rep.SSEClients != 4 {
		t.Errorf("ran %s with %d SSE clients; want about 5s with 4", rep.Duration, rep.SSEClients)
	}
	seen := map[string]int{}
	for _, c := range rep.Classes {
		seen[c.Class] = c.Count
		if c.Count > 0 && (c.P50ms <= 0 || c.P50ms > c.P95ms || c.P95ms > c.P99ms || c.P99ms > c.MaxMs) {
			t.Errorf("%s: quantiles out of order: %+v", c.Class, c)
		}
	}
	for _, class := range []string{"all", "list", "read_staff", "read_applicant", "draft_save", "create"} {
		if seen[class] == 0 {
			t.Errorf("no %s requests in %v", class, seen)
		}
	}
	if seen["all"] != 100 {
		t.Errorf("all: %d, want 100", seen["all"])
	}
	if !strings.Contains(stdout, "p99 ms") {
		t.Errorf("no table in\n%s", stdout)
	}
}
