package letters

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

var (
	sampleIssued   = time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)
	sampleAcceptBy = time.Date(2026, 12, 8, 23, 59, 0, 0, time.UTC)
)

// sample returns a realistic snapshot of the given kind for the seeded
// Prevention Innovation Fund, addressed to an ICB lead with a Welsh name,
// drawn as a new letter would be.
func sample(kind Kind) Snapshot {
	codes := map[Kind]string{
		KindOffer: "OFR", KindRejection: "REJ", KindIneligible: "INE",
		KindWaitlist: "WTL", KindCompletion: "CMP", KindAgreement: "AGR", KindVariation: "VAR",
	}
	s := Snapshot{
		Kind:          kind,
		Ref:           "PIF-2025-000123-" + codes[kind] + "-1",
		Revision:      1,
		IssuedAt:      sampleIssued,
		Fund:          Fund{ID: "prevention-innovation-2025", Name: "Prevention Innovation Fund 2025", Sponsor: "Holly Health"},
		ApplicationID: "app_01JD8Z6M4Q2W",
		Addressee: Addressee{
			Name:    "Dr Siân Llŷr",
			Role:    "Director of Population Health",
			OrgName: "NHS Cheshire and Merseyside Integrated Care Board",
			OrgCode: "QYG",
		},
		AmountPence: 8_000_000,
		Signatory:   Signatory{Name: "Gwenllïan Ó Dónaill", Role: "Fund Programme Director"},
		VerifyURL:   "http://localhost:8080/v1/letters/{ref}/verify",
		Renderer:    RendererLatest,
	}
	switch kind {
	case KindOffer:
		accept := sampleAcceptBy
		s.AcceptBy = &accept
		s.Conditions = []string{
			"Complete a Data Protection Impact Assessment (DPIA) and a DTAC review – signed off by your Caldicott Guardian – before any patient is onboarded.",
			"Offer the service through at least one of the fund’s deployment routes: primary care and public health services, or the NHS App.",
			"Report the agreed outcome measures (exercise, mental wellbeing, weight, blood pressure and GP appointments) at three months and at the final evaluation.",
			"Name a senior responsible officer who will attend quarterly reviews with the programme team.",
			"Acknowledge the “Prevention Innovation Fund 2025” in any publication about the deployment.",
		}
		s.Milestones = sampleMilestones(sampleAcceptBy)
	case KindCompletion:
		s.Milestones = sampleMilestones(sampleAcceptBy.AddDate(-1, -6, 0))
		s.Feedback = "Cheshire and Merseyside onboarded 1,412 people in the first six months, well ahead of plan.\n\nThe evaluation report will be shared with the other funded systems."
	case KindRejection:
		s.AmountPence = 7_550_000
		s.Scores = []Score{
			{Criterion: "Population need and reach", Score: 3.5, Max: 5, Weight: 25},
			{Criterion: "Delivery plan and integration (primary care or NHS App)", Score: 2.5, Max: 5, Weight: 25},
			{Criterion: "Evaluation and outcome measures", Score: 2, Max: 5, Weight: 20},
			{Criterion: "Alignment with the three shifts", Score: 3, Max: 5, Weight: 15},
			{Criterion: "Information-governance readiness (DPIA and DTAC)", Score: 2, Max: 5, Weight: 15},
		}
		s.WeightedScore = 2.65
		s.PassMark = 3
		s.Feedback = "The panel valued the clear account of local need and the link to the hypertension programme.\nIt was less convinced by the delivery plan: the integration with GP systems had no named owner and no timetable, and the DTAC submission had not started.\n\nA stronger application would set out how outcomes will be measured at three and twelve months."
	case KindIneligible:
		s.Addressee = Addressee{Name: "Ciarán Ó Dónaill", Role: "Head of Digital Transformation", OrgName: "Belfast Health and Social Care Trust", OrgCode: "RQ6"}
		s.AmountPence = 9_000_000
		s.FailedRules = []FailedRule{
			{Rule: "Eligible nation", Reason: "Health and social care trusts in Northern Ireland are not eligible for this fund."},
			{Rule: "Amount within the maximum award", Reason: "The request of £90,000.00 is more than the maximum award of £80,000.00."},
		}
	case KindWaitlist:
		s.AmountPence = 6_500_000
		s.WeightedScore = 3.4
	case KindAgreement:
		s.Milestones = sampleMilestones(sampleAcceptBy)
		s.Partners = []Partner{
			{Name: "Betsi Cadwaladr University Health Board", Kind: "NHS body", Role: "Delivery partner for the Welsh border practices", SharePence: 1_200_000, MatchPence: 250_000},
		}
		s.Agreement = &Agreement{
			Terms:       sampleTerms,
			Sections:    sampleSections(),
			Declaration: "I confirm that I am authorised to sign this agreement for NHS Cheshire and Merseyside Integrated Care Board, that I have read the terms above, and that the organisation accepts them and the conditions of the offer.",
			SignedName:  "Rhodri ap Gwilym",
			Capacity:    "Chief Finance Officer",
			SignedAt:    time.Date(2026, 12, 1, 14, 5, 0, 0, time.UTC),
			OfferRef:    "PIF-2025-000123-OFR-1",
		}
	case KindVariation:
		s.AmountPence = 8_600_000
		s.Milestones = sampleMilestones(sampleAcceptBy)
		s.Milestones[2].DueAt = s.Milestones[2].DueAt.AddDate(0, 2, 0)
		s.Milestones[4].DrawdownPence = 2_200_000
		s.Variation = &Variation{
			ID:     "CR-0042",
			Reason: "Recruitment through the NHS App started later than planned because the integration release moved to March.\n\nThe board has also asked us to extend the service to two further primary care networks, which needs a larger final evaluation.",
			Changes: []Change{
				{What: "Due date of “First 1,000 people onboarded”", Before: "9 June 2027", After: "9 August 2027"},
				{What: "Drawdown at the final evaluation", Before: "£16,000.00", After: "£22,000.00"},
				{What: "Award", Before: "£80,000.00", After: "£86,000.00"},
			},
			AmountBeforePence: 8_000_000,
			Decisions: []VariationSigner{
				{Name: "Gwenllïan Ó Dónaill", Role: "Fund Programme Director", At: time.Date(2026, 11, 20, 16, 45, 0, 0, time.UTC)},
				{Name: "Eluned Môn-Pritchard", Role: "Finance approver", At: time.Date(2026, 11, 23, 9, 10, 0, 0, time.UTC)},
			},
			RequestedAt: time.Date(2026, 11, 2, 11, 0, 0, 0, time.UTC),
		}
	}
	return s
}

var sampleTerms = TermsRef{
	Title:   "Prevention Innovation Fund 2025 grant terms",
	Version: 3,
	SHA256:  "5f1c9b3e0a7d42c8e6b1f09a3d7c5e2b8a4f6d1c0e9b7a3f5d2c8e1b4a6f9d03",
}

// sampleSections is a fresh copy each time, so a test can spoil one.
func sampleSections() []TermsSection {
	return []TermsSection{
		{Heading: "1. The award", Text: "The grantor awards the grant to the grantee for the deployment described in the application, and for no other purpose.\n\nThe grant is the amount in the offer letter. It will not be increased except by a variation agreed in writing through fundflow."},
		{Heading: "2. Payment", Text: "The grant is paid in stages, each once the programme team has verified the evidence for its milestone.\n\nThe grantor may withhold a payment while evidence is outstanding, and will say why in writing."},
		{Heading: "3. Information governance", Text: "The grantee must complete a Data Protection Impact Assessment and a DTAC review before any patient is onboarded, and keep both current for the life of the award."},
		{Heading: "4. Reporting and audit", Text: "The grantee will report the agreed outcome measures at three months and at the final evaluation, and keep records of spending against the grant for six years after the final payment."},
		{Heading: "5. Ending the agreement", Text: "Either party may end this agreement on three months' notice in writing. If it ends early, the grantee will repay any part of the grant not spent on the deployment."},
	}
}

func sampleMilestones(from time.Time) []Milestone {
	return []Milestone{
		{Title: "Information-governance approvals: DPIA and DTAC signed off", DueAt: from.AddDate(0, 2, 0), DrawdownPence: 800_000},
		{Title: "Go-live on the first deployment route", DueAt: from.AddDate(0, 3, 0), DrawdownPence: 2_400_000},
		{Title: "First 1,000 people onboarded", DueAt: from.AddDate(0, 6, 0), DrawdownPence: 1_600_000},
		{Title: "Three-month outcomes report", DueAt: from.AddDate(0, 9, 0), DrawdownPence: 1_600_000},
		{Title: "Final evaluation", DueAt: from.AddDate(1, 3, 0), DrawdownPence: 1_600_000},
	}
}

var allKinds = []Kind{KindOffer, KindRejection, KindIneligible, KindWaitlist, KindCompletion, KindAgreement, KindVariation}

// TestSampleLetters leaves one PDF per kind for a person to open:
//
//	LETTERS_OUT=out go test ./internal/letters -run TestSampleLetters
func TestSampleLetters(t *testing.T) {
	dir := os.Getenv("LETTERS_OUT")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, kind := range allKinds {
		pdf, err := Render(sample(kind))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		path := filepath.Join(dir, string(kind)+".pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", path, len(pdf))
	}
}
