//go:build !nodev

package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/apitest"
	"github.com/fundflow/fundflow/internal/auth"
	"github.com/fundflow/fundflow/internal/auth/authtest"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
	"github.com/fundflow/fundflow/internal/readmodel"
	"github.com/fundflow/fundflow/internal/testredis"
	"github.com/fundflow/fundflow/workflows"
)

// lifecycleEnv is `fundflow dev` on the real Redis, under a key prefix of
// its own, so the test can mint tokens the dev file does not hold.
type lifecycleEnv struct {
	*httpClient
	tokens    devTokens
	store     *auth.Store
	readModel *readmodel.Store
	temporal  client.Client
	redis     *redis.Client
	prefix    string
	// dev is the running `fundflow dev`, for commands run beside it.
	dev *devInstance
}

func startLifecycleEnv(t *testing.T, extra ...string) *lifecycleEnv {
	t.Helper()
	rdb, prefix := testredis.New(t)
	dir := t.TempDir()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = testredis.DefaultURL
	}
	d := startDev(t, dir, append([]string{"--ephemeral", "--redis", url, "--redis-prefix", prefix}, extra...)...)
	waitReady(t, d.api)
	return &lifecycleEnv{httpClient: newHTTPClient(t, d.api), tokens: readTokens(t, dir), store: auth.NewStore(rdb, prefix, nil, nil),
		readModel: readmodel.NewStore(rdb, prefix), temporal: dialDev(t, d), redis: rdb, prefix: prefix, dev: d}
}

// quiet waits until nothing is still on its way to the read model: every
// notification of ids delivered or failed, and each projection at its
// workflow's version on two reads a second apart. Letters and notifications
// finish after the last command, and one projected after a flush would
// look like a repair that nobody made.
func (e *lifecycleEnv) quiet(ids []string) {
	e.t.Helper()
	for _, id := range ids {
		e.settled(id)
	}
	caughtUp := func() (bool, string) {
		for _, id := range ids {
			resp, err := e.temporal.QueryWorkflow(context.Background(), workflows.ApplicationWorkflowID(id), "", workflows.QueryApplication, workflows.ViewQuery{})
			var v workflows.ApplicationView
			if err == nil {
				err = resp.Get(&v)
			}
			if err != nil {
				return false, err.Error()
			}
			if _, projected, _, err := e.readModel.View(context.Background(), id); err != nil || projected != v.Version {
				return false, fmt.Sprintf("%s projected at %d of %d (%v)", id, projected, v.Version, err)
			}
		}
		return true, ""
	}
	eventually(e.t, "read model caught up", func() (bool, string) {
		if ok, state := caughtUp(); !ok {
			return false, state
		}
		time.Sleep(time.Second)
		return caughtUp()
	})
}

func (e *lifecycleEnv) token(name string) string {
	e.t.Helper()
	tok := e.tokens[name].Token
	if tok == "" {
		e.t.Fatalf("no dev token %s", name)
	}
	return tok
}

// reviewerToken maps the principal id the workflows name reviewers by back
// to a dev token.
func (e *lifecycleEnv) reviewerToken(id string) string {
	for _, name := range []string{"reviewer1", "reviewer2", "reviewer3"} {
		if e.tokens[name].UserID == id {
			return e.token(name)
		}
	}
	e.t.Fatalf("reviewer %s is not a dev reviewer", id)
	return ""
}

// reviewerLabel is how the dev identity provider lists the dev reviewer
// with that id.
func (e *lifecycleEnv) reviewerLabel(id string) string {
	for i, name := range []string{"reviewer1", "reviewer2", "reviewer3"} {
		if e.tokens[name].UserID == id {
			return fmt.Sprintf("Reviewer %d", i+1)
		}
	}
	e.t.Fatalf("reviewer %s is not a dev reviewer", id)
	return ""
}

// post sends a command with an Idempotency-Key and expects status.
func (e *lifecycleEnv) post(path, token string, body any, want int) map[string]any {
	e.t.Helper()
	var out map[string]any
	if code := e.doKey(http.MethodPost, path, token, fmt.Sprintf("k-%d", time.Now().UnixNano()), body, &out); code != want {
		e.t.Fatalf("POST %s: %d, want %d: %v", path, code, want, out)
	}
	return out
}

// assessment scores every criterion of def alike.
func assessment(def fund.Definition, score int) map[string]any { return apitest.Assessment(def, score) }

// waitFor polls what the read model shows, which follows the workflows by
// a moment.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// sampleOutcomes are valid outcome figures for milestone of an application
// made by fullApplication, which deploys on both routes.
func sampleOutcomes(milestone string, size int64) []fund.Figure {
	return outcome.Sample(fund.SeedDefinition(time.Now()), milestone, []string{"primary_care_public_health", "nhs_app"}, size)
}

// fullApplication is a complete draft for the seeded fund.
func fullApplication(lead string, requested int64) map[string]any {
	return apitest.Application(fund.SeedID, lead, requested)
}

// TestSixApplicationsThroughThePanel walks six organisations' applications
// through every stage on a real Temporal server, over the HTTP API.
func TestSixApplicationsThroughThePanel(t *testing.T) {
	e := startLifecycleEnv(t)
	def := fund.SeedDefinition(time.Now())

	// QHG was abolished in April 2026, so dev mode issues it no token;
	// mint one as an admin could have before the merger.
	qhg, _ := authtest.Token(t, e.store, fundflow.RoleApplicant, "QHG", "BLMK lead")
	orgs := []struct {
		code, token, lead string
		requested         int64
		eligible          bool
	}{
		{"QUY", e.token("applicant_QUY"), "Ó Dónaill", 8_000_000, true},
		{"7A1", e.token("applicant_7A1"), "Llŷr Siân Evans", 8_000_000, true},
		{"SG9", e.token("applicant_SG9"), "Morag MacLeod", 7_500_000, true},
		{"QOP", e.token("applicant_QOP"), "Amir Khan", 6_000_000, true},
		{"QHG", qhg, "Sam Patel", 8_000_000, false},
		{"NI-BELFAST", e.token("applicant_NI-BELFAST"), "Ciara Byrne", 5_000_000, false},
	}
	ids := map[string]string{}

	for _, o := range orgs {
		body := fullApplication(o.lead, o.requested)
		delete(body, "need")
		var created map[string]any
		if code := e.doKey("POST", "/v1/applications", o.token, "create-"+o.code, body, &created); code != 201 || created["status"] != "draft" {
			t.Fatalf("%s create: %d %v", o.code, code, created)
		}
		id := created["id"].(string)
		ids[o.code] = id
		// Submitting an incomplete draft lists what is missing.
		var p problemBody
		if code := e.doKey("POST", "/v1/applications/"+id+"/submit", o.token, "", nil, &p); code != 422 || len(p.Errors) == 0 || p.Errors[0].Field != "need" {
			t.Fatalf("%s incomplete submit: %d %+v", o.code, code, p)
		}
		if code := e.doKey("PATCH", "/v1/applications/"+id, o.token, "", map[string]any{"need": fullApplication("", 0)["need"]}, nil); code != 200 {
			t.Fatalf("%s patch: %d", o.code, code)
		}
		first := e.post("/v1/applications/"+id+"/submit", o.token, nil, 200)
		if first["status"] != "eligibility" {
			t.Fatalf("%s submitted into %v", o.code, first["status"])
		}
	}

	t.Run("a draft refused at creation leaves nothing behind", func(t *testing.T) {
		var p problemBody
		bad := map[string]any{"fund_id": fund.SeedID, "requested_pence": 9_000_000}
		if code := e.doKey("POST", "/v1/applications", e.token("applicant_7A1"), "", bad, &p); code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "requested_pence" {
			t.Fatalf("over the max award: %d %+v", code, p)
		}
		// The applicant list checked below holds 7A1's one real application.
	})
	t.Run("an applicant cannot see or change another organisation's application", func(t *testing.T) {
		var p problemBody
		if code := e.do("GET", "/v1/applications/"+ids["QUY"], e.token("applicant_7A1"), nil, &p); code != 404 {
			t.Fatalf("read: %d", code)
		}
		if code := e.doKey("POST", "/v1/applications/"+ids["QUY"]+"/withdraw", e.token("applicant_7A1"), "", map[string]string{"reason": "x"}, &p); code != 404 {
			t.Fatalf("withdraw: %d", code)
		}
	})
	t.Run("submitting twice with one key answers once", func(t *testing.T) {
		var a, b map[string]any
		c1 := e.doKey("POST", "/v1/applications/"+ids["QUY"]+"/submit", e.token("applicant_QUY"), "submit-twice", nil, &a)
		c2 := e.doKey("POST", "/v1/applications/"+ids["QUY"]+"/submit", e.token("applicant_QUY"), "submit-twice", nil, &b)
		if c1 != c2 || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("replay differs: %d %v / %d %v", c1, a, c2, b)
		}
	})
	t.Run("a reviewer cannot decide for the panel", func(t *testing.T) {
		var p problemBody
		if code := e.doKey("POST", "/v1/applications/"+ids["QUY"]+"/decision", e.token("reviewer1"), "", map[string]any{"outcome": "reject", "feedback": "no"}, &p); code != 403 {
			t.Fatalf("reviewer decided: %d", code)
		}
	})

	// Eligibility: the automatic checks fail the abolished ICB and the
	// Northern Ireland trust, with reasons; a reviewer confirms.
	for _, o := range orgs {
		var v map[string]any
		e.do("GET", "/v1/applications/"+ids[o.code], e.token("reviewer1"), nil, &v)
		elig := v["eligibility"].(map[string]any)
		if got := elig["automatic"] == "fail"; got == o.eligible {
			t.Fatalf("%s automatic eligibility %v: %v", o.code, elig["automatic"], elig["checks"])
		}
		if !o.eligible {
			reasons := fmt.Sprint(elig["checks"])
			want := map[string]string{"QHG": "S1Y5D", "NI-BELFAST": "Northern Ireland"}[o.code]
			if !strings.Contains(reasons, want) {
				t.Fatalf("%s ineligible without naming %q: %s", o.code, want, reasons)
			}
			out := e.post("/v1/applications/"+ids[o.code]+"/eligibility", e.token("reviewer1"), map[string]string{"decision": "fail", "reason": "Confirmed: not eligible for this fund."}, 200)
			if out["status"] != "ineligible" {
				t.Fatalf("%s: %v", o.code, out["status"])
			}
			continue
		}
		out := e.post("/v1/applications/"+ids[o.code]+"/eligibility", e.token("reviewer1"), map[string]string{"decision": "pass", "reason": "Eligible ICS-level body."}, 200)
		if out["status"] != "assessment" {
			t.Fatalf("%s after eligibility: %v", o.code, out)
		}
	}

	scores := func(score int) map[string]any { return assessment(def, score) }
	for i, o := range orgs[:4] {
		var v map[string]any
		e.do("GET", "/v1/applications/"+ids[o.code], e.token("panel_chair"), nil, &v)
		assigned := v["reviewers"].([]any)
		if len(assigned) != 2 {
			t.Fatalf("%s has %d reviewers", o.code, len(assigned))
		}
		assignedIDs := map[string]bool{}
		for _, r := range assigned {
			assignedIDs[r.(map[string]any)["id"].(string)] = true
		}
		if o.code == "SG9" {
			// One assigned reviewer declares a conflict: they are replaced
			// and may no longer score it.
			var conflicted string
			for id := range assignedIDs {
				conflicted = id
				break
			}
			e.post("/v1/applications/"+ids[o.code]+"/conflicts", e.reviewerToken(conflicted), map[string]any{"has_conflict": true, "note": "Former employer."}, 200)
			var p problemBody
			if code := e.doKey("POST", "/v1/applications/"+ids[o.code]+"/assessments", e.reviewerToken(conflicted), "", scores(3), &p); code != 403 {
				t.Fatalf("conflicted reviewer scored: %d %+v", code, p)
			}
			e.do("GET", "/v1/applications/"+ids[o.code], e.token("panel_chair"), nil, &v)
			assignedIDs = map[string]bool{}
			for _, r := range v["reviewers"].([]any) {
				assignedIDs[r.(map[string]any)["id"].(string)] = true
			}
			if len(assignedIDs) != 2 || assignedIDs[conflicted] {
				t.Fatalf("conflicted reviewer not replaced: %v", v["reviewers"])
			}
		}
		for _, name := range []string{"reviewer1", "reviewer2", "reviewer3"} {
			if !assignedIDs[e.tokens[name].UserID] {
				var p problemBody
				if code := e.doKey("POST", "/v1/applications/"+ids[o.code]+"/assessments", e.token(name), "", scores(3), &p); code != 403 {
					t.Fatalf("unassigned %s scored %s: %d", name, o.code, code)
				}
			}
		}
		for id := range assignedIDs {
			e.post("/v1/applications/"+ids[o.code]+"/assessments", e.reviewerToken(id), scores(5-i), 200)
		}
		e.do("GET", "/v1/applications/"+ids[o.code], e.token("panel_chair"), nil, &v)
		if v["status"] != "panel" || v["weighted_score"] == nil {
			t.Fatalf("%s after assessment: %v %v", o.code, v["status"], v["weighted_score"])
		}
	}

	// The panel sees them ranked by weighted score, best first.
	waitFor(t, "the panel ranking", func() bool {
		var l struct {
			Items []map[string]any `json:"items"`
		}
		e.do("GET", "/v1/funds/"+fund.SeedID+"/panel", e.token("panel_chair"), nil, &l)
		if len(l.Items) != 4 {
			return false
		}
		for i := 1; i < len(l.Items); i++ {
			if l.Items[i-1]["weighted_score"].(float64) < l.Items[i]["weighted_score"].(float64) {
				t.Fatalf("panel not ranked: %v", l.Items)
			}
		}
		return l.Items[0]["id"] == ids["QUY"]
	})
	var counted struct {
		Applications map[string]int `json:"applications"`
	}
	e.do("GET", "/v1/funds/"+fund.SeedID, e.token("admin"), nil, &counted)
	if counted.Applications["panel"] != 4 || counted.Applications["ineligible"] != 2 {
		t.Fatalf("fund counters: %v", counted.Applications)
	}

	// The panel approves three and rejects one.
	for _, d := range []struct {
		code, outcome string
		amount        int64
		want          string
	}{
		{"QUY", "approve", 8_000_000, "offered"},
		{"7A1", "approve", 8_000_000, "offered"},
		{"SG9", "approve", 7_000_000, "offered"},
		{"QOP", "reject", 0, "rejected"},
	} {
		body := map[string]any{"outcome": d.outcome, "feedback": "The panel's view is recorded in the letter."}
		if d.amount > 0 {
			body["amount_pence"] = d.amount
		}
		out := e.post("/v1/applications/"+ids[d.code]+"/decision", e.token("panel_chair"), body, 200)
		if out["status"] != d.want {
			t.Fatalf("%s decided %v, want %s", d.code, out, d.want)
		}
	}
	var f fundBody
	e.do("GET", "/v1/funds/"+fund.SeedID, e.token("admin"), nil, &f)
	if f.Budget.ReservedPence != 23_000_000 || f.Awards.Count != 3 || f.Budget.AvailablePence != 9_000_000 {
		t.Fatalf("fund after the panel: %+v", f)
	}

	// Lists come from the read model, which the workflows keep current.
	waitFor(t, "three offers listed", func() bool {
		var l struct {
			Items []map[string]any `json:"items"`
		}
		e.do("GET", "/v1/applications?fund_id="+fund.SeedID+"&status=offered", e.token("programme_manager"), nil, &l)
		return len(l.Items) == 3
	})
	var own struct {
		Items []map[string]any `json:"items"`
	}
	e.do("GET", "/v1/applications", e.token("applicant_7A1"), nil, &own)
	if len(own.Items) != 1 || own.Items[0]["org_code"] != "7A1" {
		t.Fatalf("applicant list: %v", own.Items)
	}

	var mine map[string]any
	e.do("GET", "/v1/applications/"+ids["QOP"], e.token("applicant_QOP"), nil, &mine)
	if mine["status_label"] == "rejected" || mine["panel"] != nil || strings.Contains(fmt.Sprint(mine), "panel secretary") {
		t.Fatalf("applicant view leaks internal material: %v", mine)
	}
	var timeline struct {
		Items []map[string]any `json:"items"`
	}
	e.do("GET", "/v1/applications/"+ids["QUY"]+"/timeline", e.token("applicant_QUY"), nil, &timeline)
	if len(timeline.Items) < 6 {
		t.Fatalf("timeline has %d entries", len(timeline.Items))
	}
	for _, it := range timeline.Items {
		if it["actor"] == "" || it["role"] == "" || it["action"] == "" {
			t.Fatalf("unattributed timeline entry %v", it)
		}
	}

	t.Run("reindex repairs a lost read model", func(t *testing.T) {
		ctx := context.Background()
		e.quiet(slices.Collect(maps.Values(ids)))
		if err := e.readModel.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := reindex(ctx, e.temporal, e.readModel, true)
		if err != nil || len(r.drift) != len(ids) {
			t.Fatalf("check after losing Redis: %v %v", r, err)
		}
		if r, err = reindex(ctx, e.temporal, e.readModel, false); err != nil || r.applications != len(ids) {
			t.Fatalf("rebuild: %v %v", r, err)
		}
		if r, err = reindex(ctx, e.temporal, e.readModel, true); err != nil || len(r.drift) != 0 {
			t.Fatalf("drift after rebuild: %v %v", r, err)
		}
		for code, id := range ids {
			var v, row map[string]any
			e.do("GET", "/v1/applications/"+id, e.token("admin"), nil, &v)
			var l struct {
				Items []map[string]any `json:"items"`
			}
			e.do("GET", "/v1/applications?org_code="+code, e.token("admin"), nil, &l)
			if len(l.Items) != 1 {
				t.Fatalf("%s listed %d times after rebuild", code, len(l.Items))
			}
			row = l.Items[0]
			if row["status"] != v["status"] || row["version"] != v["version"] {
				t.Fatalf("%s: list says %v/%v, Temporal %v/%v", code, row["status"], row["version"], v["status"], v["version"])
			}
		}
	})
}

// TestReviewsFollowAssignments checks GET /v1/reviews against the
// assignments each application shows, on a real Temporal server: the
// fund's visibility query and its reviewer_assignments Query together.
func TestReviewsFollowAssignments(t *testing.T) {
	e := startLifecycleEnv(t)
	def := fund.SeedDefinition(time.Now())
	reviewers := []string{"reviewer1", "reviewer2", "reviewer3"}

	var me map[string]string
	if code := e.do("GET", "/v1/me", e.token("reviewer1"), nil, &me); code != 200 || me["id"] != e.tokens["reviewer1"].UserID || me["role"] != "reviewer" {
		t.Fatalf("me: %d %v", code, me)
	}

	ids := map[string]string{}
	for _, org := range []string{"QUY", "7A1"} {
		tok := e.token("applicant_" + org)
		created := e.post("/v1/applications", tok, fullApplication("Lead "+org, 5_000_000), 201)
		ids[org] = created["id"].(string)
		e.post("/v1/applications/"+ids[org]+"/submit", tok, nil, 200)
		if out := e.post("/v1/applications/"+ids[org]+"/eligibility", e.token("reviewer1"), map[string]string{"decision": "pass", "reason": "Eligible ICS-level body."}, 200); out["status"] != "assessment" {
			t.Fatalf("%s after eligibility: %v", org, out["status"])
		}
	}

	// want is, by reviewer token name, the applications that name them
	// among their reviewers. Sets print in key order, so fmt.Sprint
	// compares them.
	want := map[string]map[string]bool{}
	for _, name := range reviewers {
		want[name] = map[string]bool{}
	}
	assigned := 0
	for _, id := range ids {
		var v map[string]any
		e.do("GET", "/v1/applications/"+id, e.token("panel_chair"), nil, &v)
		for _, r := range v["reviewers"].([]any) {
			for _, name := range reviewers {
				if e.tokens[name].UserID == r.(map[string]any)["id"] {
					want[name][id] = true
					assigned++
				}
			}
		}
	}
	if assigned != 4 {
		t.Fatalf("two applications with two reviewers each: %v", want)
	}
	reviews := func(name string) map[string]bool {
		var l struct {
			Items []struct {
				ID         string     `json:"id"`
				StageDueAt *time.Time `json:"stage_due_at"`
			} `json:"items"`
		}
		if code := e.do("GET", "/v1/reviews", e.token(name), nil, &l); code != 200 {
			t.Fatalf("%s reviews: %d", name, code)
		}
		got := map[string]bool{}
		for i, it := range l.Items {
			if i > 0 && it.StageDueAt != nil && l.Items[i-1].StageDueAt != nil && it.StageDueAt.Before(*l.Items[i-1].StageDueAt) {
				t.Fatalf("%s reviews not due soonest first: %+v", name, l.Items)
			}
			got[it.ID] = true
		}
		return got
	}
	matches := func() bool {
		for _, name := range reviewers {
			if fmt.Sprint(reviews(name)) != fmt.Sprint(want[name]) {
				return false
			}
		}
		return true
	}
	// The rows come from the read model, which follows the workflows by a
	// moment.
	waitFor(t, "each reviewer's reviews", matches)

	// Once QUY's assessment is over its reviewers no longer have it.
	var v map[string]any
	e.do("GET", "/v1/applications/"+ids["QUY"], e.token("panel_chair"), nil, &v)
	for _, r := range v["reviewers"].([]any) {
		e.post("/v1/applications/"+ids["QUY"]+"/assessments", e.reviewerToken(r.(map[string]any)["id"].(string)), assessment(def, 4), 200)
	}
	for _, apps := range want {
		delete(apps, ids["QUY"])
	}
	waitFor(t, "QUY off its reviewers' lists", matches)

	var p problemBody
	if code := e.do("GET", "/v1/reviews", e.token("panel_chair"), nil, &p); code != 403 {
		t.Fatalf("panel chair reviews: %d", code)
	}
}
