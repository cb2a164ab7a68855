package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/devtest/pdftest"
)

// TestOffersMilestonesAndLetters runs the seeded fund's allocation over
// HTTP on a real server: six eligible applicants approved in rank order get
// four offers and two waitlist places; a declined offer passes to the best
// waitlisted application, which accepts; one award is verified milestone by
// milestone to completion; every letter can be fetched and verified.
func TestOffersMilestonesAndLetters(t *testing.T) {
	e := shared(t)
	def := e.fund

	type org struct{ code, token string }
	var orgs []org
	for _, code := range []string{"QUY", "7A1", "SG9", "QOP", "QYG", "QHL", "QE1", "QWE", "QMJ", "QKK", "7A2", "SA9"} {
		if tok, ok := e.tokens["applicant_"+code]; ok && len(orgs) < 6 {
			orgs = append(orgs, org{code, tok.Token})
		}
	}
	if len(orgs) < 6 {
		t.Fatalf("only %d candidate organisations have dev tokens", len(orgs))
	}
	// Rank order: the first four score 5, then 4 and 3, all above the
	// pass mark, so the waitlist is ordered too.
	rankScore := []int{5, 5, 5, 5, 4, 3}
	ids := make([]string, len(orgs))
	refs := make([]string, len(orgs))
	scores := e.assessment
	for i, o := range orgs {
		var created map[string]any
		if code := e.DoKey("POST", "/v1/applications", o.token, "create-"+o.code, e.application("Lead "+o.code, 8_000_000), &created); code != 201 {
			t.Fatalf("%s create: %d %v", o.code, code, created)
		}
		ids[i] = created["id"].(string)
		// Numbered in the order they were made, under the fund's prefix;
		// the reference names the application wherever its id does.
		refs[i], _ = created["reference"].(string)
		if want := fmt.Sprintf("%s-%04d", def.ReferencePrefix, i+1); refs[i] != want {
			t.Fatalf("%s reference %q, want %s", o.code, refs[i], want)
		}
		e.post("/v1/applications/"+refs[i]+"/submit", o.token, nil, 200)
		e.post("/v1/applications/"+ids[i]+"/eligibility", e.token("reviewer1"), map[string]string{"decision": "pass", "reason": "Eligible."}, 200)
		var v map[string]any
		e.Do("GET", "/v1/applications/"+ids[i], e.token("panel_chair"), nil, &v)
		for _, r := range v["reviewers"].([]any) {
			e.post("/v1/applications/"+ids[i]+"/assessments", e.reviewerToken(r.(map[string]any)["id"].(string)), scores(rankScore[i]), 200)
		}
	}
	for i := range orgs {
		want := "offered"
		if i >= 4 {
			want = "waitlisted"
		}
		out := e.post("/v1/applications/"+ids[i]+"/decision", e.token("panel_chair"),
			map[string]any{"outcome": "approve", "amount_pence": 8_000_000, "conditions": []string{"DPIA signed off before go-live"}}, 200)
		if out["status"] != want {
			t.Fatalf("%s approved into %v, want %s: %v", orgs[i].code, out["status"], want, out["reason"])
		}
	}
	var f fundBody
	e.Do("GET", "/v1/funds/"+e.fund.ID, e.token("admin"), nil, &f)
	if f.Awards.Count != 4 || f.Budget.ReservedPence != 32_000_000 || f.Budget.AvailablePence != 0 {
		t.Fatalf("fund after four offers: %+v", f)
	}

	letterList := func(i int, token string) []letterBody {
		var ls []letterBody
		if code := e.Do("GET", "/v1/applications/"+ids[i]+"/letters", token, nil, &ls); code != 200 {
			t.Fatalf("letters of %s: %d", orgs[i].code, code)
		}
		return ls
	}
	waitLetter := func(i int, kind string) letterBody {
		var found letterBody
		eventually(t, orgs[i].code+" "+kind+" letter", func() (bool, string) {
			ls := letterList(i, orgs[i].token)
			for _, l := range ls {
				if l.Kind == kind {
					found = l
					return true, ""
				}
			}
			return false, fmt.Sprint(ls)
		})
		return found
	}
	offer := waitLetter(0, "offer")
	waitLetter(4, "waitlist")
	waitLetter(5, "waitlist")

	t.Run("letters are downloadable and verifiable", func(t *testing.T) {
		code, h, pdf := e.Raw(offer.URL, orgs[0].token)
		if code != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(pdf), "%PDF") {
			t.Fatalf("download: %d %s", code, h.Get("Content-Type"))
		}
		if offer.Ref != refs[0]+"-OFR-1" {
			t.Errorf("offer letter %s, want %s-OFR-1", offer.Ref, refs[0])
		}
		if txt := pdftest.Words(t, pdf); !strings.Contains(txt, "Application "+refs[0]) || strings.Contains(txt, "app_") {
			t.Errorf("the letter must name the application by its reference, never its id:\n%s", txt)
		}
		sum := sha256.Sum256(pdf)
		if hex.EncodeToString(sum[:]) != offer.SHA256 {
			t.Fatalf("downloaded letter hashes to %x, recorded %s", sum, offer.SHA256)
		}
		if code, _, _ := e.Raw(offer.URL, orgs[1].token); code != 404 {
			t.Fatalf("another organisation's applicant fetched the letter: %d", code)
		}
		if code, _, _ := e.Raw(offer.URL, e.token("programme_manager")); code != 200 {
			t.Fatalf("staff download: %d", code)
		}
		var check map[string]any
		if code := e.Do("GET", "/v1/letters/"+offer.Ref+"/verify?sha256="+offer.SHA256, "", nil, &check); code != 200 || check["valid"] != true || check["kind"] != "offer" {
			t.Fatalf("verify genuine: %d %v", code, check)
		}
		wrong := strings.Repeat("0", 64)
		check = nil
		if code := e.Do("GET", "/v1/letters/"+offer.Ref+"/verify?sha256="+wrong, "", nil, &check); code != 200 || check["valid"] != false || check["kind"] != nil {
			t.Fatalf("verify forged: %d %v", code, check)
		}
		check = nil
		if code := e.Do("GET", "/v1/letters/FF-nobody-OFR-1/verify?sha256="+wrong, "", nil, &check); code != 200 || check["valid"] != false {
			t.Fatalf("verify unknown: %d %v", code, check)
		}
	})

	// The fourth offer is declined: its credit goes to the best waitlisted
	// application, which accepts.
	e.post("/v1/applications/"+ids[3]+"/offer/decline", orgs[3].token, map[string]string{"reason": "Our board chose to wait a year."}, 200)
	eventually(t, "the best waitlisted application offered", func() (bool, string) {
		var v map[string]any
		e.Do("GET", "/v1/applications/"+ids[4], orgs[4].token, nil, &v)
		return v["status"] == "offered", fmt.Sprint(v["status"])
	})
	waitLetter(4, "offer")
	var sixth map[string]any
	e.Do("GET", "/v1/applications/"+ids[5], orgs[5].token, nil, &sixth)
	if sixth["status"] != "waitlisted" {
		t.Fatalf("the lower-ranked application moved: %v", sixth["status"])
	}
	accept := map[string]string{"signatory_name": "Dr Rhiannon Price", "signatory_role": "Director of Public Health"}
	if out := e.post("/v1/applications/"+ids[4]+"/offer/accept", orgs[4].token, accept, 200); out["status"] != "in_deployment" {
		t.Fatalf("promoted acceptance: %v", out["status"])
	}

	// The first award runs to completion.
	if out := e.post("/v1/applications/"+ids[0]+"/offer/accept", orgs[0].token, accept, 200); out["status"] != "in_deployment" {
		t.Fatalf("acceptance: %v", out["status"])
	}
	var ms []map[string]any
	e.Do("GET", "/v1/applications/"+ids[0]+"/milestones", orgs[0].token, nil, &ms)
	if len(ms) != len(def.Milestones) {
		t.Fatalf("%d milestones", len(ms))
	}
	var scheduled float64
	for _, m := range ms {
		scheduled += m["drawdown_pence"].(float64)
	}
	if scheduled != 8_000_000 {
		t.Fatalf("drawdowns add up to %v", scheduled)
	}
	var p problemBody
	if code := e.DoKey("POST", "/v1/applications/"+ids[0]+"/milestones/"+def.Milestones[0].ID+"/verify", orgs[0].token, "", map[string]string{"decision": "verify"}, &p); code != 403 {
		t.Fatalf("an applicant verified: %d", code)
	}
	for _, m := range def.Milestones {
		base := "/v1/applications/" + ids[0] + "/milestones/" + m.ID
		e.post(base+"/evidence", orgs[0].token, map[string]any{"summary": "Done: " + m.Title, "metrics": map[string]int{"people_onboarded": 1200},
			"outcomes": e.outcomes(m.ID, 1200), "links": []string{"https://example.nhs.uk/evidence"},
			"documents": e.AttachRequired(ids[0], orgs[0].token, m)}, 200)
		e.post(base+"/verify", e.token("programme_manager"), map[string]string{"decision": "verify", "note": "Checked."}, 200)
	}
	var done map[string]any
	e.Do("GET", "/v1/applications/"+ids[0], e.token("programme_manager"), nil, &done)
	if done["status"] != "completed" || done["drawn_pence"].(float64) != 8_000_000 {
		t.Fatalf("after the last verification: %v drawn %v", done["status"], done["drawn_pence"])
	}
	// Outcomes: the award reported every measure on both routes; the last
	// verified report (the final evaluation, 1,200 people a route) is the
	// one that counts. By hand: 2,400 onboarded, 1,440 active (60%),
	// £80,000 drawn, so 3,333.33 → 3,333 pence a person onboarded and
	// 5,555.56 → 5,556 a person active; WEMWBS from 36.4 to 42.0 over
	// 2,400 and 1,680 people, a change of 5.6.
	outcomesPath := "/v1/funds/" + e.fund.ID + "/outcomes"
	var oc struct {
		Suppression string `json:"suppression"`
		Awards      int    `json:"awards"`
		Fund        struct {
			Onboarded string `json:"people_onboarded"`
			Active    string `json:"people_active"`
			CostOn    string `json:"cost_per_person_onboarded_pence"`
			CostAct   string `json:"cost_per_person_active_pence"`
			Measures  []map[string]any
		} `json:"fund"`
	}
	eventually(t, "the completed award in the outcomes", func() (bool, string) {
		e.Do("GET", outcomesPath, e.token("programme_manager"), nil, &oc)
		// The roll-up reads the awards' projections, which follow the
		// last verification within moments.
		return oc.Awards >= 1 && oc.Fund.CostAct == "5556", fmt.Sprint(oc)
	})
	if oc.Fund.Onboarded != "2400" || oc.Fund.Active != "1440" || oc.Fund.CostOn != "3333" || oc.Fund.CostAct != "5556" || oc.Suppression == "" {
		t.Errorf("outcomes roll-up %+v", oc.Fund)
	}
	for _, m := range oc.Fund.Measures {
		if m["measure"] == "wemwbs" && (m["baseline_mean"] != "36.4" || m["follow_up_mean"] != "42.0" || m["change"] != "5.6" || m["follow_up_n"] != "1680") {
			t.Errorf("WEMWBS %v", m)
		}
	}
	if code, _, csvBody := e.Raw(outcomesPath+".csv", e.token("panel_chair")); code != 200 ||
		!strings.Contains(string(csvBody), "fund,"+e.fund.ID+","+e.fund.Name+",") ||
		!strings.Contains(string(csvBody), ",wemwbs,points,mean,higher,,2400,36.4,1680,42.0,5.6,") ||
		!strings.HasPrefix(string(csvBody), "# Small-number suppression") {
		t.Errorf("outcomes CSV %d:\n%s", code, csvBody)
	}
	// The evaluation report quotes the same figures.
	if code, hdr, pdf := e.Raw(outcomesPath+".pdf", e.token("programme_manager")); code != 200 || hdr.Get("Content-Type") != "application/pdf" {
		t.Errorf("outcomes PDF %d %s", code, hdr.Get("Content-Type"))
	} else if txt := pdftest.Words(t, pdf); !strings.Contains(txt, "People onboarded 2400") || !strings.Contains(txt, "£33.33") ||
		!strings.Contains(txt, "£55.56") || !strings.Contains(txt, "36.4 → 42.0 (+5.6)") || !strings.Contains(txt, "shown as <8") {
		t.Errorf("outcomes PDF text:\n%s", txt)
	}
	if code, _, _ := e.Raw(outcomesPath, orgs[0].token); code != 403 {
		t.Errorf("an applicant read the fund's outcomes: %d", code)
	}
	completion := waitLetter(0, "completion")
	var check map[string]any
	if e.Do("GET", "/v1/letters/"+completion.Ref+"/verify?sha256="+completion.SHA256, "", nil, &check); check["valid"] != true {
		t.Fatalf("completion letter does not verify: %v", check)
	}

	e.Do("GET", "/v1/funds/"+e.fund.ID, e.token("admin"), nil, &f)
	b := f.Budget
	if b.DrawnPence != 8_000_000 || b.CommittedPence != 8_000_000 || b.ReservedPence != 16_000_000 ||
		b.AvailablePence+b.ReservedPence+b.CommittedPence+b.DrawnPence != b.TotalPence || f.Awards.Count != 4 {
		t.Fatalf("fund after completion: %+v", f)
	}

	t.Run("programme deployments", func(t *testing.T) {
		type row struct {
			ApplicationID string  `json:"application_id"`
			Status        string  `json:"status"`
			AwardedPence  int64   `json:"awarded_pence"`
			DrawnPence    int64   `json:"drawn_pence"`
			RAG           string  `json:"rag"`
			OverdueCount  int     `json:"overdue_count"`
			NextMilestone *string `json:"-"`
		}
		var rows []row
		eventually(t, "two deployments listed", func() (bool, string) {
			var l struct {
				Items []row `json:"items"`
			}
			e.Do("GET", "/v1/programme/deployments?fund_id="+e.fund.ID, e.token("programme_manager"), nil, &l)
			rows = l.Items
			return len(rows) == 2 && (rows[0].Status == "completed" || rows[1].Status == "completed"), fmt.Sprint(rows)
		})
		for _, r := range rows {
			switch r.ApplicationID {
			case ids[0]:
				if r.Status != "completed" || r.AwardedPence != 8_000_000 || r.DrawnPence != 8_000_000 || r.RAG != "green" {
					t.Errorf("completed award row: %+v", r)
				}
			case ids[4]:
				if r.Status != "in_deployment" || r.AwardedPence != 8_000_000 || r.DrawnPence != 0 || r.RAG != "green" || r.OverdueCount != 0 {
					t.Errorf("new award row: %+v", r)
				}
			default:
				t.Errorf("unexpected row %+v", r)
			}
		}
		code, h, csv := e.Raw("/v1/programme/deployments.csv?fund_id="+e.fund.ID, e.token("admin"))
		lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || len(lines) != 3 ||
			!strings.HasPrefix(lines[0], "application_id,") || !strings.Contains(string(csv), ids[0]+","+e.fund.ID) {
			t.Fatalf("csv: %d %s\n%s", code, h.Get("Content-Type"), csv)
		}
		if code, _, _ := e.Raw("/v1/programme/deployments", orgs[0].token); code != 403 {
			t.Fatalf("an applicant read the programme dashboard: %d", code)
		}
	})
}
