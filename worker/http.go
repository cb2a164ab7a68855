package worker

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/cluster"
)

// pollerFresh is how recently the task queue must have seen this worker
// poll. A poll is a long poll of about a minute, and Temporal records the
// time each one starts.
const pollerFresh = 2 * time.Minute

// Probe is the worker's HTTP surface for its platform: /healthz (the
// process is alive), /readyz (Temporal answers, the namespace is set up and
// the task queue sees this worker polling) and /metrics.
type Probe struct {
	Client   client.Client
	Cluster  cluster.Spec
	Identity string
	Metrics  *prometheus.Registry
	started  atomic.Bool
	fatal    atomic.Pointer[string]
}

// Started marks the worker as polling; until then /readyz says "starting".
func (p *Probe) Started() { p.started.Store(true) }

// Fatal records why the worker stopped for good; /readyz reports it.
func (p *Probe) Fatal(err error) {
	msg := err.Error()
	p.fatal.Store(&msg)
}

// Handler serves the three routes.
func (p *Probe) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		checks := p.Check(r.Context())
		status := http.StatusOK
		for _, v := range checks {
			if v != "ok" {
				status = http.StatusServiceUnavailable
			}
		}
		writeJSON(w, status, map[string]any{"status": http.StatusText(status), "checks": checks})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.Metrics, promhttp.HandlerOpts{}))
	return mux
}

// Check is the readiness of the namespace and of this worker's pollers.
func (p *Probe) Check(ctx context.Context) map[string]string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	checks := cluster.Check(ctx, p.Client, p.Cluster)
	checks["poller"] = p.poller(ctx, checks["temporal"] == "ok")
	return checks
}

func (p *Probe) poller(ctx context.Context, reachable bool) string {
	switch {
	case p.fatal.Load() != nil:
		return "stopped: " + *p.fatal.Load()
	case !p.started.Load():
		return "starting"
	case !reachable:
		return "unknown"
	}
	// This worker's identity among the workflow task queue's pollers
	// proves it is connected and polling, not merely started.
	resp, err := p.Client.DescribeTaskQueue(ctx, fundflow.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return "unknown"
	}
	for _, poller := range resp.GetPollers() {
		if poller.GetIdentity() == p.Identity && time.Since(poller.GetLastAccessTime().AsTime()) < pollerFresh {
			return "ok"
		}
	}
	return "not polling"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
