package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
)

// TestSixApplicationsThroughThePanel walks six organisations' applications
// through every stage on a real Temporal server, over the HTTP API.
func TestSixApplicationsThroughThePanel(t *testing.T) {
	e := shared(t)

	// QHG was abolished in April 2026, so dev mode issues it no token;
	// mint one as an admin could have before the merger.
	qhg, _ := authtest.Token(t, e.stack.Auth, fundflow.RoleApplicant, "QHG", "BLMK lead")
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
		body := e.application(o.lead, o.requested)
		delete(body, "need")
		var created map[string]any
		if code := e.DoKey("POST", "/v1/applications", o.token, "create-"+o.code, body, &created); code != 201 || created["status"] != "draft" {
			t.Fatalf("%s create: %d %v", o.code, code, created)
		}
		id := created["id"].(string)
		ids[o.code] = id
		// Submitting an incomplete draft lists what is missing.
		var p problemBody
		if code := e.DoKey("POST", "/v1/applications/"+id+"/submit", o.token, "", nil, &p); code != 422 || len(p.Errors) == 0 || p.Errors[0].Field != "need" {
			t.Fatalf("%s incomplete submit: %d %+v", o.code, code, p)
		}
		if code := e.DoKey("PATCH", "/v1/applications/"+id, o.token, "", map[string]any{"need": e.application("", 0)["need"]}, nil); code != 200 {
			t.Fatalf("%s patch: %d", o.code, code)
		}
		first := e.post("/v1/applications/"+id+"/submit", o.token, nil, 200)
		if first["status"] != "eligibility" {
			t.Fatalf("%s submitted into %v", o.code, first["status"])
		}
	}

	t.Run("a draft refused at creation leaves nothing behind", func(t *testing.T) {
		var p problemBody
		bad := map[string]any{"fund_id": e.fund.ID, "requested_pence": 9_000_000}
		if code := e.DoKey("POST", "/v1/applications", e.token("applicant_7A1"), "", bad, &p); code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "requested_pence" {
			t.Fatalf("over the max award: %d %+v", code, p)
		}
		// The applicant list checked below holds 7A1's one real application.
	})
	t.Run("an applicant cannot see or change another organisation's application", func(t *testing.T) {
		var p problemBody
		if code := e.Do("GET", "/v1/applications/"+ids["QUY"], e.token("applicant_7A1"), nil, &p); code != 404 {
			t.Fatalf("read: %d", code)
		}
		if code := e.DoKey("POST", "/v1/applications/"+ids["QUY"]+"/withdraw", e.token("applicant_7A1"), "", map[string]string{"reason": "x"}, &p); code != 404 {
			t.Fatalf("withdraw: %d", code)
		}
	})
	t.Run("submitting twice with one key answers once", func(t *testing.T) {
		var a, b map[string]any
		c1 := e.DoKey("POST", "/v1/applications/"+ids["QUY"]+"/submit", e.token("applicant_QUY"), "submit-twice", nil, &a)
		c2 := e.DoKey("POST", "/v1/applications/"+ids["QUY"]+"/submit", e.token("applicant_QUY"), "submit-twice", nil, &b)
		if c1 != c2 || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("replay differs: %d %v / %d %v", c1, a, c2, b)
		}
	})
	t.Run("a reviewer cannot decide for the panel", func(t *testing.T) {
		var p problemBody
		if code := e.DoKey("POST", "/v1/applications/"+ids["QUY"]+"/decision", e.token("reviewer1"), "", map[string]any{"outcome": "reject", "feedback": "no"}, &p); code != 403 {
			t.Fatalf("reviewer decided: %d", code)
		}
	})

	// Eligibility: the automatic checks fail the abolished ICB and the
	// Northern Ireland trust, with reasons; a reviewer confirms.
	for _, o := range orgs {
		var v map[string]any
		e.Do("GET", "/v1/applications/"+ids[o.code], e.token("reviewer1"), nil, &v)
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

	scores := e.assessment
	for i, o := range orgs[:4] {
		var v map[string]any
		e.Do("GET", "/v1/applications/"+ids[o.code], e.token("panel_chair"), nil, &v)
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
			if code := e.DoKey("POST", "/v1/applications/"+ids[o.code]+"/assessments", e.reviewerToken(conflicted), "", scores(3), &p); code != 403 {
				t.Fatalf("conflicted reviewer scored: %d %+v", code, p)
			}
			e.Do("GET", "/v1/applications/"+ids[o.code], e.token("panel_chair"), nil, &v)
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
				if code := e.DoKey("POST", "/v1/applications/"+ids[o.code]+"/assessments", e.token(name), "", scores(3), &p); code != 403 {
					t.Fatalf("unassigned %s scored %s: %d", name, o.code, code)
				}
			}
		}
		for id := range assignedIDs {
			e.post("/v1/applications/"+ids[o.code]+"/assessments", e.reviewerToken(id), scores(5-i), 200)
		}
		e.Do("GET", "/v1/applications/"+ids[o.code], e.token("panel_chair"), nil, &v)
		if v["status"] != "panel" || v["weighted_score"] == nil {
			t.Fatalf("%s after assessment: %v %v", o.code, v["status"], v["weighted_score"])
		}
	}

	// The panel sees them ranked by weighted score, best first.
	waitFor(t, "the panel ranking", func() bool {
		var l struct {
			Items []map[string]any `json:"items"`
		}
		e.Do("GET", "/v1/funds/"+e.fund.ID+"/panel", e.token("panel_chair"), nil, &l)
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
	e.Do("GET", "/v1/funds/"+e.fund.ID, e.token("admin"), nil, &counted)
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
	e.Do("GET", "/v1/funds/"+e.fund.ID, e.token("admin"), nil, &f)
	if f.Budget.ReservedPence != 23_000_000 || f.Awards.Count != 3 || f.Budget.AvailablePence != 9_000_000 {
		t.Fatalf("fund after the panel: %+v", f)
	}

	// Lists come from the read model, which the workflows keep current.
	waitFor(t, "three offers listed", func() bool {
		var l struct {
			Items []map[string]any `json:"items"`
		}
		e.Do("GET", "/v1/applications?fund_id="+e.fund.ID+"&status=offered", e.token("programme_manager"), nil, &l)
		return len(l.Items) == 3
	})
	var own struct {
		Items []map[string]any `json:"items"`
	}
	e.Do("GET", "/v1/applications?fund_id="+e.fund.ID, e.token("applicant_7A1"), nil, &own)
	if len(own.Items) != 1 || own.Items[0]["org_code"] != "7A1" {
		t.Fatalf("applicant list: %v", own.Items)
	}

	var mine map[string]any
	e.Do("GET", "/v1/applications/"+ids["QOP"], e.token("applicant_QOP"), nil, &mine)
	if mine["status_label"] == "rejected" || mine["panel"] != nil || strings.Contains(fmt.Sprint(mine), "panel secretary") {
		t.Fatalf("applicant view leaks internal material: %v", mine)
	}
	var timeline struct {
		Items []map[string]any `json:"items"`
	}
	e.Do("GET", "/v1/applications/"+ids["QUY"]+"/timeline", e.token("applicant_QUY"), nil, &timeline)
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
		if err := e.stack.ReadModel.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		// Other tests' applications share the stack and may still be
		// settling, so only this test's are judged.
		drift, _, err := e.stack.Run(t, "reindex", "--check")
		if err == nil {
			t.Fatalf("no drift reported after losing Redis:\n%s", drift)
		}
		for _, id := range ids {
			if !strings.Contains(drift, id) {
				t.Fatalf("the check after losing Redis does not name %s:\n%s", id, drift)
			}
		}
		if out, errs, err := e.stack.Run(t, "reindex"); err != nil || !strings.Contains(out, "rebuilt") {
			t.Fatalf("rebuild: %v\n%s%s", err, out, errs)
		}
		drift, _, _ = e.stack.Run(t, "reindex", "--check")
		for _, id := range ids {
			if strings.Contains(drift, id) {
				t.Fatalf("%s drifted after the rebuild:\n%s", id, drift)
			}
		}
		for code, id := range ids {
			var v, row map[string]any
			e.Do("GET", "/v1/applications/"+id, e.token("admin"), nil, &v)
			var l struct {
				Items []map[string]any `json:"items"`
			}
			e.Do("GET", "/v1/applications?fund_id="+e.fund.ID+"&org_code="+code, e.token("admin"), nil, &l)
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
	e := shared(t)
	reviewers := []string{"reviewer1", "reviewer2", "reviewer3"}

	var me map[string]string
	if code := e.Do("GET", "/v1/me", e.token("reviewer1"), nil, &me); code != 200 || me["id"] != e.tokens["reviewer1"].UserID || me["role"] != "reviewer" {
		t.Fatalf("me: %d %v", code, me)
	}

	ids := map[string]string{}
	for _, org := range []string{"QUY", "7A1"} {
		tok := e.token("applicant_" + org)
		created := e.post("/v1/applications", tok, e.application("Lead "+org, 5_000_000), 201)
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
		e.Do("GET", "/v1/applications/"+id, e.token("panel_chair"), nil, &v)
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
		if code := e.Do("GET", "/v1/reviews", e.token(name), nil, &l); code != 200 {
			t.Fatalf("%s reviews: %d", name, code)
		}
		got := map[string]bool{}
		for i, it := range l.Items {
			if i > 0 && it.StageDueAt != nil && l.Items[i-1].StageDueAt != nil && it.StageDueAt.Before(*l.Items[i-1].StageDueAt) {
				t.Fatalf("%s reviews not due soonest first: %+v", name, l.Items)
			}
			// Other tests on the shared stack assign this reviewer too.
			if slices.Contains(slices.Collect(maps.Values(ids)), it.ID) {
				got[it.ID] = true
			}
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
	e.Do("GET", "/v1/applications/"+ids["QUY"], e.token("panel_chair"), nil, &v)
	for _, r := range v["reviewers"].([]any) {
		e.post("/v1/applications/"+ids["QUY"]+"/assessments", e.reviewerToken(r.(map[string]any)["id"].(string)), e.assessment(4), 200)
	}
	for _, apps := range want {
		delete(apps, ids["QUY"])
	}
	waitFor(t, "QUY off its reviewers' lists", matches)

	var p problemBody
	if code := e.Do("GET", "/v1/reviews", e.token("panel_chair"), nil, &p); code != 403 {
		t.Fatalf("panel chair reviews: %d", code)
	}
}
