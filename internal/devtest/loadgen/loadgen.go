// Package loadgen is `fundflow bench`: a sustained-load benchmark against a running
// `fundflow dev` on this machine: requests arrive at a fixed rate whatever
// the server does (open loop), and each one's latency is counted from when
// it was due, not from when it was sent, so a server that stalls is charged
// for the queue it builds (no coordinated omission). The mix is what a fund
// in use sees: staff listing and opening applications, applicants saving
// drafts and creating and submitting them, reviewers screening, and SSE
// clients held open throughout. It is bounded by Config.Duration and
// Config.MaxRequests, and refuses any URL off this machine.
//
// Only `fundflow bench` and tests import it; the production build (tag
// nodev) never does.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	mrand "math/rand/v2"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/cluster"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/internal/fund"
)

// Config is one run: its flags in `fundflow bench`.
type Config struct {
	URL         string
	FundID      string
	Rate        float64
	Duration    time.Duration
	MaxRequests int
	SSE         int
	Pool        int
	MaxInFlight int
}

// WaitReady polls /readyz until it answers 200, for up to wait.
func WaitReady(ctx context.Context, base string, wait time.Duration) error {
	if _, err := LoopbackOnly(base); err != nil {
		return err
	}
	for end := time.Now().Add(wait); ; {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(end) {
			if err == nil {
				err = fmt.Errorf("/readyz answered %d", resp.StatusCode)
			}
			return fmt.Errorf("%s is not ready: %w", base, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// LoopbackOnly refuses a URL whose host is not this machine: the benchmark
// is for a developer's own fundflow dev, never a shared service.
func LoopbackOnly(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("--url %q is not an http URL", raw)
	}
	if cluster.Loopback(u.Hostname()) {
		return u, nil
	}
	return nil, fmt.Errorf("--url %q is not on this machine; the benchmark only loads a loopback address", raw)
}

// Report is what a run measured.
type Report struct {
	Rate        float64       `json:"rate"`
	Duration    time.Duration `json:"duration_ns"`
	Requests    int           `json:"requests"`
	Completed   int           `json:"completed"`
	Errors      int           `json:"errors"`
	Throughput  float64       `json:"throughput"`
	Classes     []ClassReport `json:"classes"`
	ErrorCounts []ErrorCount  `json:"error_counts"`
	SSEClients  int           `json:"sse_clients"`
	SSEEvents   int64         `json:"sse_events"`
	// ServerCPU is the CPU time the server process spent over the run,
	// from its /metrics (zero when it has none): unlike latency it barely
	// depends on what else the machine runs, so CPUPerRequest says what
	// rate the server could hold on cores of its own.
	ServerCPU     float64 `json:"server_cpu_seconds"`
	CPUPerRequest float64 `json:"server_cpu_ms_per_request"`
}

type ClassReport struct {
	Class  string  `json:"class"`
	Count  int     `json:"count"`
	P50ms  float64 `json:"p50_ms"`
	P95ms  float64 `json:"p95_ms"`
	P99ms  float64 `json:"p99_ms"`
	MaxMs  float64 `json:"max_ms"`
	Errors int     `json:"errors"`
}

type ErrorCount struct {
	Class  string `json:"class"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Count  int    `json:"count"`
}

// Write prints the report as a table.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "%d requests due at %.0f/s over %s: %d completed, %d errors, %.1f completed/s; %d SSE clients got %d events\n",
		r.Requests, r.Rate, r.Duration, r.Completed, r.Errors, r.Throughput, r.SSEClients, r.SSEEvents)
	if r.ServerCPU > 0 {
		fmt.Fprintf(w, "server CPU %.1f s, %.2f ms per request: %.0f requests/s would fill one core\n",
			r.ServerCPU, r.CPUPerRequest, 1000/r.CPUPerRequest)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tcount\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\t")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t\n", c.Class, c.Count, c.P50ms, c.P95ms, c.P99ms, c.MaxMs, c.Errors)
	}
	_ = tw.Flush()
	for _, e := range r.ErrorCounts {
		fmt.Fprintf(w, "error: %s %d %s ×%d\n", e.Class, e.Status, e.Code, e.Count)
	}
}

// benchApp is an application the benchmark made, with the newest version
// it was answered. Draft saves may overlap, as two tabs' would; a status
// change (submit, screening) waits for them and takes the application to
// itself, so the mix never races itself into a refusal a real user would
// not cause. An application whose command timed out is left to reads:
// whether the command happened is unknown until the client retries, which
// this benchmark does not.
type benchApp struct {
	id      string
	org     string
	token   string
	status  string
	version int64
	saving  int
	locked  bool
	lost    bool
}

type benchState struct {
	mu   sync.Mutex
	apps []*benchApp
	rnd  *mrand.Rand
}

// take picks a random application in status for a command, nil when there
// is none it may have: any unlocked one for a save, one nobody else is
// working on for a change of status.
func (s *benchState) take(status string, exclusive bool) *benchApp {
	s.mu.Lock()
	defer s.mu.Unlock()
	var idle []*benchApp
	for _, a := range s.apps {
		if a.status == status && !a.locked && !a.lost && (!exclusive || a.saving == 0) {
			idle = append(idle, a)
		}
	}
	if len(idle) == 0 {
		return nil
	}
	a := idle[s.rnd.IntN(len(idle))]
	if exclusive {
		a.locked = true
	} else {
		a.saving++
	}
	return a
}

// any picks a random application and the version last seen of it.
func (s *benchState) any() (benchApp, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.apps) == 0 {
		return benchApp{}, false
	}
	return *s.apps[s.rnd.IntN(len(s.apps))], true
}

// done records a command's answer; err means it may or may not have
// happened.
func (s *benchState) done(a *benchApp, exclusive bool, out benchOutcome, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exclusive {
		a.locked = false
	} else {
		a.saving--
	}
	if err != nil {
		a.lost = a.lost || exclusive
		return
	}
	a.status = out.Application.Status
	a.version = max(a.version, out.Application.Version)
}

func (s *benchState) add(a *benchApp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps = append(s.apps, a)
}

func (s *benchState) intn(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rnd.IntN(n)
}

type benchResult struct {
	class   string
	latency time.Duration
	status  int
	code    string
	failed  bool
}

type benchClient struct {
	base   string
	http   *http.Client
	fundID string
}

// call sends one request and decodes a JSON answer into out. A status
// outside 2xx/304 is a failure, named by its problem code.
func (c *benchClient) call(ctx context.Context, method, path, token string, body, out any, header ...string) (int, string, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		req.Header.Set("Idempotency-Key", benchKey())
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "transport", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "body", err
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(b, &p)
		return resp.StatusCode, p.Code, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, p.Code)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, "json", err
		}
	}
	return resp.StatusCode, "", nil
}

func benchKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "bench-" + hex.EncodeToString(b[:])
}

type benchOutcome struct {
	Status      string `json:"status"`
	Version     int64  `json:"version"`
	Application struct {
		Status  string `json:"status"`
		Version int64  `json:"version"`
	} `json:"application"`
}

// Run runs the benchmark with toks, a dev-tokens.json, and reports it.
func Run(ctx context.Context, c Config, toks map[string]devseed.Token) (Report, error) {
	u, err := LoopbackOnly(c.URL)
	if err != nil {
		return Report{}, err
	}
	if c.Rate <= 0 || c.Duration <= 0 {
		return Report{}, errors.New("--rate and --duration must be positive")
	}
	total := int(math.Ceil(c.Rate * c.Duration.Seconds()))
	if c.MaxRequests > 0 {
		total = min(total, c.MaxRequests)
	}
	staff := map[fundflow.Role][]string{}
	var applicants []devseed.Token
	for _, t := range toks {
		if t.Role == fundflow.RoleApplicant {
			applicants = append(applicants, t)
		} else {
			staff[t.Role] = append(staff[t.Role], t.Token)
		}
	}
	sort.Slice(applicants, func(i, j int) bool { return applicants[i].OrgCode < applicants[j].OrgCode })
	if len(applicants) == 0 || len(staff[fundflow.RoleReviewer]) == 0 || len(staff[fundflow.RoleAdmin]) == 0 {
		return Report{}, errors.New("the tokens file needs applicant, reviewer and admin tokens")
	}
	for _, ts := range staff {
		slices.Sort(ts)
	}
	cl := &benchClient{base: strings.TrimRight(u.String(), "/"), fundID: c.FundID, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute},
	}}
	if c.FundID == "" {
		var reviewers []string
		for _, t := range toks {
			if t.Role == fundflow.RoleReviewer && t.UserID != "" {
				reviewers = append(reviewers, t.UserID)
			}
		}
		slices.Sort(reviewers)
		if c.FundID, err = cl.benchFund(ctx, staff[fundflow.RoleAdmin][0], reviewers); err != nil {
			return Report{}, err
		}
		cl.fundID = c.FundID
	}
	st := &benchState{rnd: mrand.New(mrand.NewPCG(1, 2))}

	// Before the clock: a pool of drafts across organisations.
	for i := range c.Pool {
		a := applicants[i%len(applicants)]
		var out struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Version int64  `json:"version"`
		}
		if _, _, err := cl.call(ctx, http.MethodPost, "/v1/applications", a.Token, application.Sample(c.FundID, "Bench Lead", int64(5_000_000+i)), &out); err != nil {
			return Report{}, fmt.Errorf("creating the pool: %w", err)
		}
		st.add(&benchApp{id: out.ID, org: a.OrgCode, token: a.Token, status: out.Status, version: out.Version})
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var events atomic.Int64
	var sseErrs sync.Map
	var sseWG sync.WaitGroup
	for i := range c.SSE {
		sseWG.Add(1)
		token := staff[fundflow.RoleReviewer][i%len(staff[fundflow.RoleReviewer])]
		if i%2 == 1 {
			token = applicants[i%len(applicants)].Token
		}
		go func() {
			defer sseWG.Done()
			if err := benchSSE(runCtx, cl, token, &events); err != nil && runCtx.Err() == nil {
				sseErrs.Store(i, err)
			}
		}()
	}

	results := make(chan benchResult, 4096)
	var collected []benchResult
	collectDone := make(chan struct{})
	go func() {
		for r := range results {
			collected = append(collected, r)
		}
		close(collectDone)
	}()
	cpuBefore := serverCPU(ctx, cl)
	var inFlight atomic.Int64
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / c.Rate)
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return Report{}, ctx.Err()
			}
		}
		if inFlight.Load() >= int64(c.MaxInFlight) {
			results <- benchResult{class: "overload", failed: true, code: "max_in_flight"}
			continue
		}
		inFlight.Add(1)
		wg.Add(1)
		pick := st.intn(100)
		go func() {
			defer wg.Done()
			defer inFlight.Add(-1)
			class, status, code, err := benchStep(runCtx, cl, st, staff, applicants, pick)
			results <- benchResult{class: class, latency: time.Since(due), status: status, code: code, failed: err != nil}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpuAfter := serverCPU(ctx, cl)
	stop()
	sseWG.Wait()
	close(results)
	<-collectDone

	rep := Report{Rate: c.Rate, Duration: elapsed.Round(time.Millisecond), Requests: total, SSEClients: c.SSE, SSEEvents: events.Load()}
	byClass := map[string][]benchResult{}
	errs := map[ErrorCount]int{}
	for _, r := range collected {
		byClass[r.class] = append(byClass[r.class], r)
		if r.failed {
			rep.Errors++
			errs[ErrorCount{Class: r.class, Status: r.status, Code: r.code}]++
		} else {
			rep.Completed++
		}
	}
	sseErrs.Range(func(_, v any) bool {
		rep.Errors++
		errs[ErrorCount{Class: "sse", Code: v.(error).Error()}]++
		return true
	})
	rep.Throughput = float64(rep.Completed) / elapsed.Seconds()
	if cpuBefore > 0 && cpuAfter > cpuBefore {
		rep.ServerCPU = cpuAfter - cpuBefore
		rep.CPUPerRequest = 1000 * rep.ServerCPU / float64(total)
	}
	for class, rs := range byClass {
		lat := make([]time.Duration, 0, len(rs))
		cr := ClassReport{Class: class, Count: len(rs)}
		for _, r := range rs {
			if r.failed {
				cr.Errors++
			}
			lat = append(lat, r.latency)
		}
		slices.Sort(lat)
		q := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
		}
		cr.P50ms, cr.P95ms, cr.P99ms, cr.MaxMs = q(0.50), q(0.95), q(0.99), float64(lat[len(lat)-1].Microseconds())/1000
		rep.Classes = append(rep.Classes, cr)
	}
	all := make([]time.Duration, 0, len(collected))
	for _, r := range collected {
		all = append(all, r.latency)
	}
	if len(all) > 0 {
		slices.Sort(all)
		q := func(p float64) float64 {
			return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
		}
		rep.Classes = append(rep.Classes, ClassReport{Class: "all", Count: len(all), P50ms: q(0.5), P95ms: q(0.95), P99ms: q(0.99),
			MaxMs: float64(all[len(all)-1].Microseconds()) / 1000, Errors: rep.Errors})
	}
	slices.SortFunc(rep.Classes, func(a, b ClassReport) int { return strings.Compare(a.Class, b.Class) })
	for e, n := range errs {
		e.Count = n
		rep.ErrorCounts = append(rep.ErrorCounts, e)
	}
	slices.SortFunc(rep.ErrorCounts, func(a, b ErrorCount) int { return b.Count - a.Count })
	return rep, nil
}

// The mix, in percent of arrivals: what staff and applicants do most is
// read; commands are a fifth. A lifecycle step with nothing in the right
// status saves a draft instead.
const (
	mixList          = 30 // staff list pages
	mixReadStaff     = 30 // staff opening one application
	mixReadApplicant = 20 // applicants opening their own
	mixSave          = 12 // applicants saving a draft
	mixCreate        = 4  // applicants starting an application
	mixLifecycle     = 4  // submitting a draft, or a reviewer screening one
)

// benchStep is one request of the mix, chosen by pick in [0, 100).
func benchStep(ctx context.Context, cl *benchClient, st *benchState, staff map[fundflow.Role][]string, applicants []devseed.Token, pick int) (string, int, string, error) {
	staffToken := func() string {
		roles := []fundflow.Role{fundflow.RoleReviewer, fundflow.RoleAdmin, fundflow.RolePanelChair, fundflow.RoleProgrammeManager}
		r := roles[st.intn(len(roles))]
		if len(staff[r]) == 0 {
			r = fundflow.RoleAdmin
		}
		return staff[r][st.intn(len(staff[r]))]
	}
	switch {
	case pick < mixList:
		statuses := []string{"", "draft", "eligibility"}
		q := "/v1/applications?limit=50&fund_id=" + url.QueryEscape(cl.fundID)
		if s := statuses[st.intn(len(statuses))]; s != "" {
			q += "&status=" + s
		}
		status, code, err := cl.call(ctx, http.MethodGet, q, staffToken(), nil, nil)
		return "list", status, code, err
	case pick < mixList+mixReadStaff+mixReadApplicant:
		a, ok := st.any()
		if !ok {
			return "read", 0, "no_application", errors.New("no application")
		}
		class, token := "read_staff", staffToken()
		if pick >= mixList+mixReadStaff {
			class, token = "read_applicant", a.token
		}
		var out struct {
			Version int64 `json:"version"`
		}
		status, code, err := cl.call(ctx, http.MethodGet, "/v1/applications/"+a.id+"?min_version="+strconv.FormatInt(a.version, 10), token, nil, &out)
		if err == nil && out.Version < a.version {
			return class, status, "stale_read", fmt.Errorf("read version %d after %d was answered", out.Version, a.version)
		}
		return class, status, code, err
	case pick < mixList+mixReadStaff+mixReadApplicant+mixSave:
		return benchSave(ctx, cl, st)
	case pick < mixList+mixReadStaff+mixReadApplicant+mixSave+mixCreate:
		a := applicants[st.intn(len(applicants))]
		var out struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Version int64  `json:"version"`
		}
		status, code, err := cl.call(ctx, http.MethodPost, "/v1/applications", a.Token, application.Sample(cl.fundID, "Bench Lead", int64(5_000_000+st.intn(1_000_000))), &out)
		if err == nil {
			st.add(&benchApp{id: out.ID, org: a.OrgCode, token: a.Token, status: out.Status, version: out.Version})
		}
		return "create", status, code, err
	}
	if pick%2 == 0 {
		if a := st.take("eligibility", true); a != nil {
			var out benchOutcome
			status, code, err := cl.call(ctx, http.MethodPost, "/v1/applications/"+a.id+"/eligibility", staff[fundflow.RoleReviewer][0],
				map[string]any{"decision": "fail", "reason": "Screened out by the load benchmark."}, &out)
			st.done(a, true, out, err)
			return "eligibility", status, code, err
		}
	}
	if a := st.take("draft", true); a != nil {
		var out benchOutcome
		status, code, err := cl.call(ctx, http.MethodPost, "/v1/applications/"+a.id+"/submit", a.token, nil, &out)
		st.done(a, true, out, err)
		return "submit", status, code, err
	}
	return benchSave(ctx, cl, st)
}

func benchSave(ctx context.Context, cl *benchClient, st *benchState) (string, int, string, error) {
	a := st.take("draft", false)
	if a == nil {
		return "draft_save", 0, "no_draft", errors.New("no draft to save")
	}
	var out benchOutcome
	status, code, err := cl.call(ctx, http.MethodPatch, "/v1/applications/"+a.id, a.token,
		map[string]any{"planned_reach": 10000 + st.intn(5000)}, &out)
	st.done(a, false, out, err)
	return "draft_save", status, code, err
}

// serverCPU is the server's process_cpu_seconds_total, 0 when /metrics
// does not say.
func serverCPU(ctx context.Context, cl *benchClient) float64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cl.base+"/metrics", nil)
	if err != nil {
		return 0
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "process_cpu_seconds_total "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// benchSSE holds an event stream open until ctx ends, counting events.
func benchSSE(ctx context.Context, cl *benchClient, token string, events *atomic.Int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cl.base+"/v1/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{Transport: cl.http.Transport}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /v1/events: %d", resp.StatusCode)
	}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		switch lines.Text() {
		case "event: status":
			events.Add(1)
		case "event: error":
			return errors.New("the event stream reported an error")
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("event stream ended: %v", lines.Err())
}

// benchFundID is the fund the benchmark applies to unless told otherwise:
// the seeded fund's terms without its sign-off, since dev names
// certifiers only for its four leads and the mix submits for every
// organisation. It is made on first use and kept, so runs compare.
const benchFundID = "bench"

func (c *benchClient) benchFund(ctx context.Context, admin string, reviewers []string) (string, error) {
	if status, _, err := c.call(ctx, http.MethodGet, "/v1/funds/"+benchFundID, admin, nil, nil); err == nil && status == http.StatusOK {
		return benchFundID, nil
	}
	def := fund.SeedDefinition(time.Now())
	def.ID, def.Name, def.ReferencePrefix = benchFundID, "Benchmark fund", "BENCH"
	def.SignOff = fund.SignOff{}
	steps := []struct {
		method, path string
		body         any
		want         int
	}{
		{http.MethodPost, "/v1/funds", def, http.StatusCreated},
		{http.MethodPost, "/v1/funds/" + benchFundID + "/open", map[string]string{"reason": "fundflow bench"}, http.StatusOK},
		{http.MethodPut, "/v1/funds/" + benchFundID + "/reviewers", map[string]any{"reviewers": reviewers, "reason": "fundflow bench"}, http.StatusOK},
	}
	for _, s := range steps {
		status, code, err := c.call(ctx, s.method, s.path, admin, s.body, nil)
		if err == nil && status != s.want {
			err = fmt.Errorf("%d %s", status, code)
		}
		if err != nil {
			return "", fmt.Errorf("make the bench's fund: %s %s: %w", s.method, s.path, err)
		}
	}
	return benchFundID, nil
}
