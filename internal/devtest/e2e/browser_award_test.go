package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/fund"
)

// TestBrowserAfterTheAward is an award's life after the offer through the
// web front end in a real browser: the ICB's certifier reads and signs the
// grant agreement, the lead asks to move a milestone and £4,000 between
// milestones, the programme manager approves and the variation letter
// downloads, and the lead sends the first quarterly return, which the
// programme manager accepts. Every page is screenshotted and checked with
// axe-core.
func TestBrowserAfterTheAward(t *testing.T) {
	chromium(t)
	e := own(t, stack.Options{})
	e.fund = e.newFund(func(d *fund.Definition) { d.Terms, d.Reporting = fund.SeedTerms(), fund.SeedReporting() })
	id := e.toOffer("jo.hughes@example.nhs.uk")
	app := "/applications/" + id
	b := newBrowser(t, e.stack.API)
	certifier := e.token("certifier_QUY")
	name := e.signature(certifier, "")["signatory_name"].(string)

	b.signIn("certifier", certifier)
	b.open("agreement", app+"/offer")
	b.must("Sign the grant agreement")
	b.must("Prevention Innovation Fund grant agreement")
	b.press("agreement-unsigned", "Sign and accept the offer")
	b.must("There is a problem")
	b.fill("signatory_name", name)
	b.tick("declare", "true")
	b.press("agreement-signed", "Sign and accept the offer")
	b.must("Grant agreement signed and offer accepted")
	b.signOut()

	var v struct {
		Reference  string `json:"reference"`
		Milestones []struct {
			ID            string `json:"id"`
			DrawdownPence int64  `json:"drawdown_pence"`
		} `json:"milestones"`
	}
	e.Do(http.MethodGet, "/v1"+app, e.token("applicant_QUY"), nil, &v)
	pounds := func(milestone string, delta int64) string {
		for _, m := range v.Milestones {
			if m.ID == milestone {
				return strconv.FormatInt((m.DrawdownPence+delta)/100, 10)
			}
		}
		t.Fatalf("no milestone %s", milestone)
		return ""
	}

	b.signIn("lead", e.token("applicant_QUY"))
	b.open("award", app)
	b.must("Grant agreement")
	b.must("Monitoring returns")
	b.follow("change-new", "Request a change")
	b.fill("reason", "The GP IT supplier's upgrade delays the 3-month follow-up, and onboarding needs more of the credit early.")
	b.fill("due-outcomes_3_months", "15")
	b.fill("due-outcomes_3_months-month", "12")
	b.fill("due-outcomes_3_months-year", "2027")
	b.fill("drawdown-first_1000_onboarded", pounds("first_1000_onboarded", 400_000))
	b.fill("drawdown-final_evaluation", pounds("final_evaluation", -400_000))
	b.press("change-requested", "Request change")
	b.must("Change requested: the programme team will decide it")
	b.signOut()

	b.signIn("programme-manager", e.token("programme_manager"))
	b.open("change", app+"/changes/cr1")
	b.must("£20,000.00") // the first 1,000 onboarded, £4,000 more
	b.tick("approve", "true")
	b.fill("note", "Agreed at the monthly review.")
	b.press("change-approved", "Record decision")
	e.awaitLetter(id, e.token("applicant_QUY"), "variation")
	b.open("award-varied", app)
	b.must(v.Reference + "-VAR-1")
	if code, typ := b.fetchStatus("/letters/" + v.Reference + "-VAR-1"); code != 200 || typ != "application/pdf" {
		t.Errorf("variation letter: %d %s", code, typ)
	}
	b.signOut()

	b.signIn("lead-return", e.token("applicant_QUY"))
	b.open("return", app+"/returns/r1")
	b.must("Quarterly return 1")
	b.fill("progress_summary", "Live in two practices; onboarding is ahead of plan.")
	b.fill("spend_to_date_pence", "1,250")
	var ret struct {
		Returns []struct {
			OutcomesRequired []struct{ Measure string } `json:"outcomes_required"`
		} `json:"returns"`
	}
	e.Do(http.MethodGet, "/v1"+app, e.token("applicant_QUY"), nil, &ret)
	for i := range ret.Returns[0].OutcomesRequired {
		b.fill(fmt.Sprintf("outcome_%d_count", i), "300")
	}
	b.press("return-sent", "Send return")
	b.signOut()

	b.signIn("programme-manager-return", e.token("programme_manager"))
	b.open("return-review", app+"/returns/r1")
	b.tick("decision", "verify")
	b.press("return-accepted", "Record review")
	b.open("deployments", "/programme")
	b.must("Quarterly return 2")
}
