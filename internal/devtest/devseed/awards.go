package devseed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
)

// Dev mode seeds two awards that have reported outcomes, so the programme
// dashboard's outcomes section and the evaluation report show something
// real on a first run. They go through the real workflows over the HTTP
// API, as people would (apply, pass eligibility, be assessed, be approved,
// accept, report, be verified), in the background so start-up stays fast.
// They take two of the fund's four award slots and £80,000 of its
// £320,000, leaving room to try the whole journey by hand.

// devAward is one seeded award: the milestones it has reported up to and
// how many people it had onboarded at each reporting milestone.
type devAward struct {
	org string
	// partnership makes the award a partnership bid: two partners and a
	// co-applicant who wrote its delivery plan.
	partnership bool
	routes      []string
	planned     int64
	upTo        string
	people      map[string]int64
}

var devAwards = []devAward{
	{org: "QUY", partnership: true, routes: []string{"primary_care_public_health", "nhs_app"}, planned: 3000, upTo: "final_evaluation",
		people: map[string]int64{"first_1000_onboarded": 1100, "outcomes_3_months": 1850, "final_evaluation": 2700}},
	{org: "7A1", routes: []string{"primary_care_public_health"}, planned: 1500, upTo: "outcomes_3_months",
		people: map[string]int64{"first_1000_onboarded": 1040, "outcomes_3_months": 1300}},
}

// devMeans are plausible baseline, 3-month and final means for the seeded
// fund's measures, in the fund's units.
var devMeans = map[string][3]string{
	"activity_minutes": {"96", "128", "142"},
	"wemwbs":           {"41.2", "44.1", "45.6"},
	"weight":           {"92.4", "91.1", "89.9"},
	"systolic_bp":      {"142", "138", "136"},
	"diastolic_bp":     {"88", "86", "84"},
	"gp_appointments":  {"6.1", "5.7", "5.2"},
}

// ReportingAwards runs once per data directory: not when the fund has
// made any award already.
func ReportingAwards(ctx context.Context, apiURL, tokensFile string, log *slog.Logger) {
	tokens, err := ReadTokens(tokensFile)
	if err != nil {
		log.Warn("dev outcomes: no tokens", "error", err)
		return
	}
	s := &devSeeder{ctx: ctx, base: apiURL + "/v1", tokens: tokens, def: Funds(time.Now())[0]}
	var f struct {
		Awards struct {
			Count int `json:"count"`
		} `json:"awards"`
	}
	if err := s.do("GET", "/funds/"+fund.SeedID, s.tok("admin"), "", nil, &f, 200); err != nil {
		log.Warn("dev outcomes: read the fund", "error", err)
		return
	}
	if f.Awards.Count > 0 {
		return
	}
	// The awards go through at once: most of each one's time is spent
	// waiting on its own letters, scans and projections, not on the other.
	start := time.Now()
	var g errgroup.Group
	for _, a := range devAwards {
		g.Go(func() error {
			if err := s.award(a); err != nil {
				return fmt.Errorf("%s: %w", a.org, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		log.Warn("dev outcomes: seeding stopped", "error", err)
		return
	}
	log.Info("dev outcomes: seeded awards that have reported", "awards", len(devAwards), "took", time.Since(start).Round(time.Millisecond))
}

type devSeeder struct {
	ctx    context.Context
	base   string
	tokens map[string]Token
	def    fund.Definition
}

func (s *devSeeder) tok(name string) string { return s.tokens[name].Token }

// do sends one request, asking again through 503s and, for want 200, 409s
// (an offer whose letter is still being written cannot be accepted yet),
// for up to two minutes: a loaded machine writes letters slowly.
func (s *devSeeder) do(method, path, token, key string, body, out any, want int) error {
	if body == nil {
		return s.send(method, path, token, key, "", nil, out, want)
	}
	payload, _ := json.Marshal(body)
	return s.send(method, path, token, key, "application/json", payload, out, want)
}

func (s *devSeeder) send(method, path, token, key, contentType string, payload []byte, out any, want int) error {
	for try := 0; ; try++ {
		req, err := http.NewRequestWithContext(s.ctx, method, s.base+path, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		var raw bytes.Buffer
		_, _ = raw.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == want {
			if out != nil {
				return json.Unmarshal(raw.Bytes(), out)
			}
			return nil
		}
		if (resp.StatusCode == 503 || resp.StatusCode == 409) && try < 240 {
			select {
			case <-s.ctx.Done():
				return s.ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw.String())
	}
}

func (s *devSeeder) award(a devAward) error {
	applicant := s.tok(ApplicantToken(a.org))
	key := func(step string) string { return "dev-outcomes:" + a.org + ":" + step }
	draft := devDraft(a)
	var targets []fund.Target
	for _, r := range a.routes {
		targets = append(targets,
			fund.Target{Measure: "people_onboarded", Route: r, Baseline: 0, Target: decimal.FromInt(a.planned / int64(len(a.routes)))},
			fund.Target{Measure: "wemwbs", Route: r, Baseline: mustDecimal("41.0"), Target: mustDecimal("45.0")},
			fund.Target{Measure: "systolic_bp", Route: r, Baseline: mustDecimal("142"), Target: mustDecimal("135")})
	}
	draft["targets"] = targets
	var created struct {
		ID string `json:"id"`
	}
	if err := s.do("POST", "/applications", applicant, key("create"), draft, &created, 201); err != nil {
		return err
	}
	app := "/applications/" + created.ID
	if a.partnership {
		if err := s.partnership(app, applicant, key); err != nil {
			return err
		}
	}
	if err := s.submit(app, applicant, a.org, key); err != nil {
		return err
	}
	if err := s.do("POST", app+"/eligibility", s.tok("reviewer1"), key("eligibility"), map[string]string{"decision": "pass", "reason": "Eligible."}, nil, 200); err != nil {
		return err
	}
	var v struct {
		Reviewers []struct {
			ID string `json:"id"`
		} `json:"reviewers"`
	}
	if err := s.do("GET", app, s.tok("panel_chair"), "", nil, &v, 200); err != nil {
		return err
	}
	for i, r := range v.Reviewers {
		for _, t := range s.tokens {
			if t.UserID == r.ID {
				if err := s.do("POST", app+"/assessments", t.Token, key(fmt.Sprint("assess-", i)), s.assessment(), nil, 200); err != nil {
					return err
				}
			}
		}
	}
	if err := s.do("POST", app+"/decision", s.tok("panel_chair"), key("decision"),
		map[string]any{"outcome": "approve", "amount_pence": 4_000_000, "feedback": "A strong, well-evidenced plan."}, nil, 200); err != nil {
		return err
	}
	if err := s.sign(app, a.org, key); err != nil {
		return err
	}
	if a.partnership {
		if err := s.afterAward(app, applicant, a, key); err != nil {
			return err
		}
	}
	for _, m := range s.def.Milestones {
		docs, err := s.attachRequired(app, applicant, key, m)
		if err != nil {
			return err
		}
		ev := map[string]any{"summary": "Delivered as planned: " + m.Title + ".", "links": []string{"https://example.nhs.uk/evidence"},
			"outcomes": s.figures(m.ID, a), "documents": docs}
		if err := s.do("POST", app+"/milestones/"+m.ID+"/evidence", applicant, key("evidence-"+m.ID), ev, nil, 200); err != nil {
			return err
		}
		if err := s.do("POST", app+"/milestones/"+m.ID+"/verify", s.tok("programme_manager"), key("verify-"+m.ID),
			map[string]string{"decision": "verify", "note": "Checked against the evidence."}, nil, 200); err != nil {
			return err
		}
		if m.ID == a.upTo {
			break
		}
	}
	return nil
}

// sign accepts the offer as the organisation's certifier signs the grant
// agreement: the terms read from the service, their hash sent back, the
// certifier's name typed as their account has it.
func (s *devSeeder) sign(app, org string, key func(string) string) error {
	certifier := s.tok(CertifierToken(org))
	var agreement struct {
		Terms struct {
			SHA256 string `json:"sha256"`
		} `json:"terms"`
	}
	if err := s.do("GET", app+"/agreement", certifier, "", nil, &agreement, 200); err != nil {
		return err
	}
	var me struct {
		Name string `json:"name"`
	}
	if err := s.do("GET", "/me", certifier, "", nil, &me, 200); err != nil {
		return err
	}
	return s.do("POST", app+"/offer/accept", certifier, key("accept"),
		map[string]any{"signatory_name": me.Name, "terms_sha256": agreement.Terms.SHA256, "declare": true}, nil, 200)
}

// afterAward gives QUY's award its life after the offer: a variation that
// moves the 3-month report a month later and £4,000 from the final
// evaluation to the first 1,000 onboarded, approved by the programme
// manager, and its first quarterly return, sent and accepted.
func (s *devSeeder) afterAward(app, applicant string, a devAward, key func(string) string) error {
	var v struct {
		Milestones []struct {
			ID            string    `json:"id"`
			DueAt         time.Time `json:"due_at"`
			DrawdownPence int64     `json:"drawdown_pence"`
		} `json:"milestones"`
	}
	if err := s.do("GET", app, applicant, "", nil, &v, 200); err != nil {
		return err
	}
	var changes []map[string]any
	for _, m := range v.Milestones {
		switch m.ID {
		case "first_1000_onboarded":
			changes = append(changes, map[string]any{"id": m.ID, "drawdown_pence": m.DrawdownPence + 400_000})
		case "outcomes_3_months":
			changes = append(changes, map[string]any{"id": m.ID, "due_at": m.DueAt.AddDate(0, 1, 0)})
		case "final_evaluation":
			changes = append(changes, map[string]any{"id": m.ID, "drawdown_pence": m.DrawdownPence - 400_000})
		}
	}
	change := map[string]any{"reason": "The GP IT supplier's upgrade delays the 3-month follow-up by a month, and onboarding needs more of the credit early.",
		"milestones": changes}
	if err := s.do("POST", app+"/change-requests", applicant, key("change"), change, nil, 200); err != nil {
		return err
	}
	if err := s.do("POST", app+"/change-requests/cr1/decision", s.tok("programme_manager"), key("change-decision"),
		map[string]any{"approve": true, "note": "Agreed at the monthly review."}, nil, 200); err != nil {
		return err
	}
	var outcomes []fund.Figure
	for _, f := range s.figures("first_1000_onboarded", a) {
		if f.Measure == "people_onboarded" || f.Measure == "people_active_12_weeks" {
			outcomes = append(outcomes, f)
		}
	}
	for _, r := range a.routes {
		outcomes = append(outcomes, fund.Figure{Measure: "people_active_12_weeks", Route: r, Count: a.people["first_1000_onboarded"] / int64(len(a.routes)) * 62 / 100})
	}
	ret := map[string]any{"answers": map[string]any{
		"progress_summary":    "Live in 14 practices and on the NHS App; onboarding is ahead of plan.",
		"risks_and_issues":    "The GP IT supplier's upgrade, covered by the approved variation.",
		"spend_to_date_pence": 1_250_000,
	}, "outcomes": outcomes}
	if err := s.do("POST", app+"/returns/r1", applicant, key("return-r1"), ret, nil, 200); err != nil {
		return err
	}
	return s.do("POST", app+"/returns/r1/review", s.tok("programme_manager"), key("return-r1-review"),
		map[string]any{"decision": "verify", "note": "Thank you: clear and on time."}, nil, 200)
}

// partnership makes QUY's bid a partnership: the city's acute trust and
// its council as partners, and the council's public health lead invited to
// write the delivery plan, which they accept.
func (s *devSeeder) partnership(app, lead string, key func(string) string) error {
	partners := map[string]any{"partners": []map[string]any{
		{"kind": "nhs_body", "ods_code": "RA7", "role": "Clinical delivery and referrals", "share_pence": 1_500_000},
		{"kind": "local_authority", "name": "Bristol City Council", "identifier": "E06000023", "role": "Public health outreach",
			"share_pence": 1_000_000, "match_pence": 500_000},
	}}
	if err := s.do("PUT", app+"/partners", lead, key("partners"), partners, nil, 200); err != nil {
		return err
	}
	invite := map[string]any{"email": devCoApplicant, "name": "Amira Hassan", "right": "edit", "sections": []string{"delivery"}}
	if err := s.do("POST", app+"/co-applicants", lead, key("invite"), invite, nil, 200); err != nil {
		return err
	}
	co := s.tok("co_applicant")
	if err := s.do("POST", app+"/invitation/accept", co, key("accept-invitation"), nil, nil, 200); err != nil {
		return err
	}
	plan := map[string]any{"delivery_plan": "Referral from practices and Bristol City Council's public health outreach team, and sign-up through the NHS App, with coaching over twelve weeks."}
	return s.do("PATCH", app, co, key("co-applicant-plan"), plan, nil, 200)
}

// devCoApplicant is the council officer dev invites onto QUY's bid.
const devCoApplicant = "amira.hassan@bristol.gov.uk"

// submit submits the bid and signs it off as its organisation's dev
// certifier, as dev's funds ask.
func (s *devSeeder) submit(app, lead, org string, key func(string) string) error {
	var out struct {
		Status string `json:"status"`
	}
	if err := s.do("POST", app+"/submit", lead, key("submit"), nil, &out, 200); err != nil || out.Status != "awaiting_sign_off" {
		return err
	}
	certifier := s.tok(CertifierToken(org))
	var v struct {
		SignOff struct {
			AnswersSHA256 string `json:"answers_sha256"`
		} `json:"sign_off"`
	}
	if err := s.do("GET", app, certifier, "", nil, &v, 200); err != nil {
		return err
	}
	return s.do("POST", app+"/sign-off", certifier, key("sign-off"), map[string]any{"answers_sha256": v.SignOff.AnswersSHA256, "declare": true}, nil, 200)
}

// devDraft is a complete application for a.
func devDraft(a devAward) map[string]any {
	return map[string]any{
		"fund_id":            fund.SeedID,
		"lead_contact":       map[string]any{"name": "Sam Okafor", "email": "prevention.lead@nhs.net", "role": "Head of Prevention"},
		"sro":                map[string]any{"name": "Dr Rhiannon Price", "role": "Director of Public Health"},
		"sro_declaration":    true,
		"population_covered": 650000,
		"deployment_routes":  a.routes,
		"target_cohorts":     []string{"hypertension", "mental_wellbeing"},
		"planned_reach":      a.planned,
		"requested_pence":    4_000_000,
		"need":               "High rates of hypertension and low mental wellbeing in our most deprived neighbourhoods, with long waits for talking therapies.",
		"delivery_plan":      "Referral from practices and the public health team, and sign-up through the NHS App, with coaching over twelve weeks.",
		"integration_plan":   "Referrals and outcomes flow through the practices' systems; the coaching service reports aggregate figures each quarter.",
		"evaluation":         "Baseline and follow-up measures at 3 months and 12 months, reported as aggregates by route, against the targets below.",
		"three_shifts":       "Prevention before treatment, support in the community rather than hospital, and digital-first access.",
		"ig_readiness":       "DPIA signed off; data sharing agreement in place; DTAC assessment under way.",
		"dpia_status":        "complete",
		"dtac_status":        "in_progress",
	}
}

func (s *devSeeder) assessment() map[string]any {
	var scores []map[string]any
	for _, c := range s.def.Criteria {
		scores = append(scores, map[string]any{"criterion_id": c.ID, "score": 4, "justification": "The application gives clear evidence for this."})
	}
	return map[string]any{"scores": scores, "feedback": "A credible plan with measurable outcomes.", "internal_comment": "Seeded by fundflow dev."}
}

// figures are what milestone requires of a, with plausible values: the
// people onboarded split across routes, 62% of them active, means from
// devMeans over the people followed up.
func (s *devSeeder) figures(milestone string, a devAward) []fund.Figure {
	out := []fund.Figure{}
	stage := 1
	if milestone == "final_evaluation" {
		stage = 2
	}
	for _, f := range outcome.Sample(s.def, milestone, a.routes, a.people[milestone]/int64(len(a.routes))) {
		size := a.people[milestone] / int64(len(a.routes))
		switch f.Measure {
		case "people_onboarded":
			f.Count = size
		case "people_active_12_weeks":
			f.Count = size * 62 / 100
		default:
			if m, ok := devMeans[f.Measure]; ok {
				f.BaselineN, f.FollowUpN = size*9/10, size*55/100
				f.BaselineMean, f.FollowUpMean = mustDecimal(m[0]), mustDecimal(m[stage])
			}
		}
		out = append(out, f)
	}
	return out
}

func mustDecimal(s string) decimal.Decimal {
	d, err := decimal.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// attachRequired uploads a PDF of each kind milestone m requires, as the
// lead would, and waits for them to be scanned (or marked not scanned),
// returning their ids for the evidence.
func (s *devSeeder) attachRequired(app, token string, key func(string) string, m fund.Milestone) ([]string, error) {
	ids := []string{}
	for _, req := range m.DocumentsRequired {
		body, ct := document.Form(req.Label+".pdf", req.Kind, devPDF(req.Label, m.Title))
		var d struct {
			ID string `json:"id"`
		}
		if err := s.send("POST", app+"/documents", token, key("document-"+m.ID+"-"+req.Kind), ct, body, &d, 201); err != nil {
			return nil, err
		}
		ids = append(ids, d.ID)
	}
	for try := 0; len(ids) > 0; try++ {
		var docs []struct {
			ScanStatus document.ScanStatus `json:"scan_status"`
		}
		if err := s.do("GET", app+"/documents", token, "", nil, &docs, 200); err != nil {
			return nil, err
		}
		pending := 0
		for _, d := range docs {
			if d.ScanStatus == document.ScanPending {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if try == 240 {
			return nil, fmt.Errorf("%s: documents still being scanned after two minutes", app)
		}
		select {
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return ids, nil
}

// devPDF is a one-page PDF a developer can open, titled as the document
// it stands in for.
func devPDF(title, milestone string) []byte {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(time.Unix(0, 0).UTC()) // the same bytes for the same title
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 18)
	pdf.Cell(0, 12, title)
	pdf.Ln(14)
	pdf.SetFont("Helvetica", "", 12)
	pdf.MultiCell(0, 6, "A sample document seeded by fundflow dev as evidence for the milestone \""+milestone+"\".", "", "", false)
	var b bytes.Buffer
	_ = pdf.Output(&b) // writes to a bytes.Buffer cannot fail
	return b.Bytes()
}
