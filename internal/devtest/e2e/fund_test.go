package e2e

import (
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/fund"
)

func TestFundsOverHTTP(t *testing.T) {
	e := shared(t)
	toks := e.tokens
	admin := toks["admin"].Token

	var opened0 fundBody
	if code := e.Do("GET", "/v1/funds/"+e.fund.ID, toks["applicant_QUY"].Token, nil, &opened0); code != 200 {
		t.Fatalf("the test's fund: %d", code)
	}
	if opened0.Status != "open" || opened0.Budget.AvailablePence != 32_000_000 || opened0.Budget.TotalPence != 32_000_000 ||
		opened0.Awards.Count != 0 || opened0.Awards.Max != 4 {
		t.Fatalf("a new fund = %+v, want open with £320,000 available and 0 of 4 awards", opened0)
	}
	trust := e.fund.ID + "-trust"

	def := fund.SeedDefinition(time.Now())
	def.ID = trust
	def.TotalPence, def.MaxAwardPence = 5_000_000, 6_000_000
	def.ClosesAt = def.OpensAt.Add(-time.Hour)
	def.Milestones[0].DrawdownShareBP++
	var p problemBody
	if code := e.Do("POST", "/v1/funds", admin, def, &p); code != 422 || p.Code != "validation_failed" {
		t.Fatalf("invalid fund: %d %+v", code, p)
	}
	fields := map[string]bool{}
	for _, fe := range p.Errors {
		fields[fe.Field] = true
	}
	for _, f := range []string{"max_award_pence", "closes_at", "milestones"} {
		found := false
		for k := range fields {
			found = found || k == f || len(k) > len(f) && k[:len(f)] == f
		}
		if !found {
			t.Errorf("no error for %s in %+v", f, p.Errors)
		}
	}

	if code := e.Do("POST", "/v1/funds", toks["reviewer1"].Token, fund.SeedDefinition(time.Now()), &p); code != 403 {
		t.Fatalf("reviewer created a fund: %d", code)
	}

	def = fund.SeedDefinition(time.Now())
	def.ID = trust
	def.Name = "Social Prescribing Fund"
	// The seeded fund's prefix is dev's Prevention Innovation Fund's.
	if code := e.Do("POST", "/v1/funds", admin, def, &p); code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "reference_prefix" {
		t.Fatalf("a second fund with prefix PIF: %d %+v", code, p)
	}
	def.ReferencePrefix = "" // so it is the name's initials, SPF
	var created fundBody
	if code := e.Do("POST", "/v1/funds", admin, def, &created); code != 201 || created.Status != "draft" {
		t.Fatalf("create: %d %+v", code, created)
	}
	if created.Definition.ReferencePrefix != "SPF" {
		t.Errorf("prefix %q, want the initials SPF", created.Definition.ReferencePrefix)
	}
	if code := e.Do("POST", "/v1/funds", admin, def, &p); code != 409 {
		t.Fatalf("duplicate fund id: %d", code)
	}
	if code := e.Do("POST", "/v1/funds/"+trust+"/close", admin, nil, &p); code != 409 || p.Code != "invalid_state" {
		t.Fatalf("close a draft: %d %+v", code, p)
	}
	var opened fundBody
	if code := e.Do("POST", "/v1/funds/"+trust+"/open", admin, map[string]string{"reason": "launch"}, &opened); code != 200 || opened.Status != "open" {
		t.Fatalf("open: %d %+v", code, opened)
	}
	// The list holds dev's two funds and each of this test's once.
	var listed struct {
		Items []fundBody `json:"items"`
	}
	if code := e.Do("GET", "/v1/funds", toks["reviewer2"].Token, nil, &listed); code != 200 {
		t.Fatalf("list: %d %+v", code, listed)
	}
	seen := map[string]int{}
	for _, f := range listed.Items {
		seen[f.ID]++
	}
	for _, id := range []string{fund.SeedID, fund.SocialPrescribingID, e.fund.ID, trust} {
		if seen[id] != 1 {
			t.Errorf("fund %s listed %d times", id, seen[id])
		}
	}
	var ledger struct {
		Items []fund.Entry `json:"items"`
	}
	if code := e.Do("GET", "/v1/funds/"+e.fund.ID+"/ledger", toks["panel_chair"].Token, nil, &ledger); code != 200 {
		t.Fatalf("ledger: %d", code)
	}
	if code := e.Do("GET", "/v1/funds/"+e.fund.ID+"/ledger", toks["applicant_QUY"].Token, nil, nil); code != 403 {
		t.Fatalf("applicant read the ledger: %d", code)
	}
	if code := e.Do("GET", "/v1/funds/no-such-fund", admin, nil, &p); code != 404 {
		t.Fatalf("missing fund: %d", code)
	}
}
