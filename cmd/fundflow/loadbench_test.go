//go:build !nodev

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadBenchShort runs `fundflow bench` briefly at a low rate against a
// fundflow dev: every request of the mix succeeds, reads never go back
// behind a version already answered, and the report is whole. It asserts
// nothing about timing; `make loadtest` is the measurement.
func TestLoadBenchShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts fundflow dev")
	}
	dir := t.TempDir()
	d := startDev(t, dir, "--ephemeral", "--rate-limit", "0")
	waitReady(t, d.api)
	var stdout, stderr bytes.Buffer
	jsonOut := filepath.Join(t.TempDir(), "report.json")
	err := run(t.Context(), []string{"fundflow", "bench", "--url", d.api, "--tokens", filepath.Join(dir, "dev-tokens.json"),
		"--rate", "20", "--duration", "5s", "--sse", "4", "--pool", "12", "--json", jsonOut}, func(string) string { return "" }, &stdout, &stderr)
	t.Log(stdout.String())
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	var rep benchReport
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
	if !strings.Contains(stdout.String(), "p99 ms") {
		t.Errorf("no table in\n%s", stdout.String())
	}
}

func TestLoadBenchOnlyLoadsThisMachine(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8080/"} {
		if _, err := loopbackOnly(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8080", "https://fundflow.example.org", "ftp://127.0.0.1", "http://127.0.0.1.example.org"} {
		if _, err := loopbackOnly(u); err == nil {
			t.Errorf("%s was accepted", u)
		}
	}
}
