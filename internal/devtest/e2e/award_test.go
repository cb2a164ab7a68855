package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/devtest/pdftest"
	"github.com/fundflow/fundflow/internal/fund"
)

// TestAfterTheAward is an award's life after the offer through the API on
// a real server: the ICB's certifier reads and signs the grant agreement,
// the lead asks to move a milestone and £4,000 between milestones, the
// programme manager approves and the variation letter can be downloaded
// and checked, an increase is reserved in the fund and refused by the
// chair, and the first quarterly return is sent and accepted. Every bad
// request on the way is a 4xx naming its field, and changes nothing.
func TestAfterTheAward(t *testing.T) {
	e := shared(t, func(d *fund.Definition) {
		d.Terms, d.Reporting = fund.SeedTerms(), fund.SeedReporting()
		d.MaxAwardPence = 9_000_000
	})
	lead, certifier, pm, chair := e.token("applicant_QUY"), e.token("certifier_QUY"), e.token("programme_manager"), e.token("panel_chair")
	id := e.toOffer("jo.hughes@example.nhs.uk")
	app := "/v1/applications/" + id

	var agreement struct {
		Terms struct {
			Version int    `json:"version"`
			SHA256  string `json:"sha256"`
		} `json:"terms"`
		Sections    []map[string]string `json:"sections"`
		Signatories []string            `json:"signatories"`
	}
	if code := e.Do(http.MethodGet, app+"/agreement", certifier, nil, &agreement); code != 200 || agreement.Terms.Version != 1 || len(agreement.Sections) < 7 || len(agreement.Signatories) != 1 {
		t.Fatalf("agreement: %d %+v", code, agreement)
	}
	sign := e.signature(certifier, agreement.Terms.SHA256)
	me := struct{ Name string }{sign["signatory_name"].(string)}
	t.Run("signing", func(t *testing.T) {
		for name, c := range map[string]struct {
			token string
			body  map[string]any
			code  int
			field string
		}{
			"the lead, not a certifier": {lead, sign, 403, ""},
			"no declaration":            {certifier, with(sign, "declare", false), 422, "declare"},
			"another name":              {certifier, with(sign, "signatory_name", "Someone Else"), 422, "signatory_name"},
			"other terms":               {certifier, with(sign, "terms_sha256", strings.Repeat("a", 64)), 409, "terms_sha256"},
		} {
			var out problemBody
			if code := e.DoKey(http.MethodPost, app+"/offer/accept", c.token, "sign-"+keyOf(name), c.body, &out); code != c.code || c.field != "" && !slices.Contains(errorFields(out), c.field) {
				t.Errorf("%s: %d %+v, want %d on %q", name, code, out, c.code, c.field)
			}
		}
		if s := e.status(id); s != "offered" {
			t.Fatalf("a refused signature changed the offer: %s", s)
		}
		e.post(app+"/offer/accept", certifier, sign, 200)
	})

	var v struct {
		Agreement struct {
			Signed struct {
				SignedName string `json:"signed_name"`
				Letter     string `json:"letter"`
			} `json:"signed"`
		} `json:"agreement"`
		Milestones []struct {
			ID            string    `json:"id"`
			DueAt         time.Time `json:"due_at"`
			DrawdownPence int64     `json:"drawdown_pence"`
		} `json:"milestones"`
		Returns []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"returns"`
	}
	e.Do(http.MethodGet, app, lead, nil, &v)
	if v.Agreement.Signed.SignedName != me.Name || len(v.Returns) != 5 || v.Returns[0].Status != "open" {
		t.Fatalf("after signing: %+v", v)
	}
	e.awaitLetter(id, lead, "agreement")

	ms := map[string]int{}
	for i, m := range v.Milestones {
		ms[m.ID] = i
	}
	onboarded, threeMonths, final := v.Milestones[ms["first_1000_onboarded"]], v.Milestones[ms["outcomes_3_months"]], v.Milestones[ms["final_evaluation"]]
	moved := map[string]any{"reason": "The GP IT upgrade delays the follow-up by a month.", "milestones": []map[string]any{
		{"id": onboarded.ID, "drawdown_pence": onboarded.DrawdownPence + 400_000},
		{"id": final.ID, "drawdown_pence": final.DrawdownPence - 400_000},
		{"id": threeMonths.ID, "due_at": threeMonths.DueAt.AddDate(0, 1, 0)},
	}}
	t.Run("variation", func(t *testing.T) {
		for name, c := range map[string]struct {
			body  map[string]any
			field string
		}{
			"outside the delivery window": {map[string]any{"reason": "Late.", "milestones": []map[string]any{{"id": final.ID, "due_at": time.Now().AddDate(5, 0, 0)}}}, "milestones[0].due_at"},
			"shares not adding up":        {map[string]any{"reason": "More early.", "milestones": []map[string]any{{"id": onboarded.ID, "drawdown_pence": onboarded.DrawdownPence + 1}}}, "milestones"},
			"no reason":                   {with(moved, "reason", ""), "reason"},
			"changing nothing":            {map[string]any{"reason": "Nothing."}, "milestones"},
		} {
			var out problemBody
			if code := e.DoKey(http.MethodPost, app+"/change-requests", lead, "change-"+keyOf(name), c.body, &out); code != 422 || !slices.Contains(errorFields(out), c.field) {
				t.Errorf("%s: %d %+v, want 422 on %s", name, code, out, c.field)
			}
		}
		e.post(app+"/change-requests", lead, moved, 200)
		var out problemBody
		if code := e.DoKey(http.MethodPost, app+"/change-requests", lead, "change-second", moved, &out); code != 409 {
			t.Errorf("a second open request: %d %+v, want 409", code, out)
		}
		if code := e.DoKey(http.MethodPost, app+"/change-requests/cr1/decision", lead, "decide-lead", map[string]any{"approve": true}, &out); code != 403 {
			t.Errorf("the lead deciding: %d, want 403", code)
		}
		e.post(app+"/change-requests/cr1/decision", pm, map[string]any{"approve": true, "note": "Agreed."}, 200)

		var after struct {
			ChangeRequests []struct {
				Status string `json:"status"`
				Letter string `json:"letter"`
			} `json:"change_requests"`
			Milestones []struct {
				ID            string    `json:"id"`
				DueAt         time.Time `json:"due_at"`
				DrawdownPence int64     `json:"drawdown_pence"`
			} `json:"milestones"`
		}
		e.Do(http.MethodGet, app, lead, nil, &after)
		if len(after.ChangeRequests) != 1 || after.ChangeRequests[0].Status != "approved" ||
			after.Milestones[ms["first_1000_onboarded"]].DrawdownPence != onboarded.DrawdownPence+400_000 ||
			!after.Milestones[ms["outcomes_3_months"]].DueAt.Equal(threeMonths.DueAt.AddDate(0, 1, 0)) {
			t.Fatalf("after approval: %+v", after)
		}
		e.awaitLetter(id, lead, "variation")
		ref := after.ChangeRequests[0].Letter
		code, _, pdf := e.Raw("/v1/letters/"+ref, lead)
		if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("variation letter %s: %d", ref, code)
		}
		if txt := pdftest.Words(t, pdf); !strings.Contains(txt, "cr1") || !strings.Contains(txt, "3-month outcomes report") {
			t.Errorf("the variation letter should name its change request and the milestone moved:\n%s", txt)
		}
		sum := sha256.Sum256(pdf)
		var check map[string]any
		if code := e.Do(http.MethodGet, "/v1/letters/"+ref+"/verify?sha256="+hex.EncodeToString(sum[:]), "", nil, &check); code != 200 || check["valid"] != true || check["kind"] != "variation" {
			t.Errorf("verify %s: %d %v", ref, code, check)
		}
	})

	t.Run("increase", func(t *testing.T) {
		var before struct {
			Budget struct {
				Available int64 `json:"available_pence"`
			} `json:"budget"`
		}
		e.Do(http.MethodGet, "/v1/funds/"+e.fund.ID, e.token("admin"), nil, &before)
		up := map[string]any{"reason": "A third practice joins.", "award_pence": 8_500_000, "milestones": []map[string]any{{"id": final.ID, "drawdown_pence": final.DrawdownPence - 400_000 + 500_000}}}
		e.post(app+"/change-requests", lead, up, 200)
		var reserved struct {
			Budget struct {
				Available int64 `json:"available_pence"`
			} `json:"budget"`
		}
		e.Do(http.MethodGet, "/v1/funds/"+e.fund.ID, e.token("admin"), nil, &reserved)
		if before.Budget.Available-reserved.Budget.Available != 500_000 {
			t.Errorf("the increase was not reserved: available %d then %d", before.Budget.Available, reserved.Budget.Available)
		}
		e.post(app+"/change-requests/cr2/decision", pm, map[string]any{"approve": true}, 200)
		e.post(app+"/change-requests/cr2/decision", chair, map[string]any{"approve": false, "note": "Not this round."}, 200)
		var released struct {
			Budget struct {
				Available int64 `json:"available_pence"`
			} `json:"budget"`
		}
		e.Do(http.MethodGet, "/v1/funds/"+e.fund.ID, e.token("admin"), nil, &released)
		if released.Budget.Available != before.Budget.Available {
			t.Errorf("a refused increase kept its reservation: available %d, was %d", released.Budget.Available, before.Budget.Available)
		}
	})

	t.Run("return", func(t *testing.T) {
		answers := map[string]any{"progress_summary": "Live in two practices.", "spend_to_date_pence": 120_000}
		var out problemBody
		if code := e.DoKey(http.MethodPost, app+"/returns/r1", lead, "return-bad", map[string]any{"answers": answers,
			"outcomes": []map[string]any{{"measure": "people_onboarded", "route": "nhs_app", "count": -4}}}, &out); code != 422 {
			t.Errorf("figures out of range: %d %+v", code, out)
		}
		if code := e.DoKey(http.MethodPost, app+"/returns/r2", lead, "return-early", map[string]any{"answers": answers}, &out); code != 409 {
			t.Errorf("a return not yet open: %d %+v", code, out)
		}
		var outcomes []map[string]any
		for _, r := range []string{"primary_care_public_health", "nhs_app"} {
			outcomes = append(outcomes, map[string]any{"measure": "people_onboarded", "route": r, "count": 600},
				map[string]any{"measure": "people_active_12_weeks", "route": r, "count": 350})
		}
		e.post(app+"/returns/r1", lead, map[string]any{"answers": answers, "outcomes": outcomes}, 200)
		e.post(app+"/returns/r1/review", pm, map[string]any{"decision": "verify"}, 200)
		var rows struct {
			Items []struct {
				ApplicationID string `json:"application_id"`
				NextReturn    *struct {
					ID string `json:"id"`
				} `json:"next_return"`
				OverdueReturns int `json:"overdue_returns"`
			} `json:"items"`
		}
		eventually(t, "the dashboard's next return", func() (bool, string) {
			e.Do(http.MethodGet, "/v1/programme/deployments?fund_id="+e.fund.ID, pm, nil, &rows)
			for _, r := range rows.Items {
				if r.ApplicationID == id && r.NextReturn != nil && r.NextReturn.ID == "r2" {
					return true, ""
				}
			}
			return false, fmt.Sprint(rows.Items)
		})
	})
}

// keyOf makes a case's name an Idempotency-Key.
func keyOf(name string) string { return notSlug.ReplaceAllString(strings.ToLower(name), "-") }

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	out[k] = v
	return out
}
