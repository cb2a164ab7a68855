package fund

import (
	"time"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/form"
)

// SocialPrescribingID is the second fund dev mode seeds.
const SocialPrescribingID = "social-prescribing-2026"

// SocialPrescribingDefinition is a fund unlike the seeded one, so that
// anyone running dev can see the engine is not hard-wired to it: a
// charitable trust's grants for health boards in Wales and Scotland to
// fund social-prescribing link workers with voluntary-sector partners. Its
// form asks its own questions (partners, a start date, a word-limited
// approach) besides the well-known ones every form has, and its returns
// are half-yearly and signed off by the certifier. The window is derived
// from now as SeedDefinition's is.
func SocialPrescribingDefinition(now time.Time) Definition {
	y, m, d := now.In(calendar.London).Date()
	closes := time.Date(y, m+4, d, 12, 0, 0, 0, calendar.London)
	scale := Scale{Min: 0, Max: 4}
	iso := MustParseDuration
	f := SocialPrescribingForm()
	return Definition{
		ID:              SocialPrescribingID,
		Name:            "Community Social Prescribing Fund",
		ReferencePrefix: "CSP",
		Sponsor:         "Cwm Taf Community Health Trust",
		Description: "Grants for health boards in Wales and Scotland to employ social-prescribing link workers " +
			"with voluntary and community sector partners, connecting people to community support for " +
			"loneliness, low mood and long-term conditions.",
		TotalPence:       15_000_000,
		MaxAwardPence:    5_000_000,
		MaxAwards:        3,
		EligibleOrgTypes: []OrgType{OrgTypeWelshLocalHealthBoard, OrgTypeScottishHealthBoard},
		EligibleNations:  []Nation{NationWales, NationScotland},
		OpensAt:          time.Date(y, m, d-7, 9, 0, 0, 0, calendar.London).UTC(),
		ClosesAt:         closes.UTC(),
		DeploymentRoutes: []Route{
			{ID: "gp_practices", Title: "Link workers based in GP practices"},
			{ID: "community_hubs", Title: "Link workers based in community hubs and libraries"},
		},
		Criteria: []Criterion{
			{ID: "partnership", Title: "Strength of the voluntary-sector partnership", Weight: 40, Scale: scale},
			{ID: "approach", Title: "Quality of the social-prescribing approach", Weight: 40, Scale: scale},
			{ID: "value", Title: "Value for money", Weight: 20, Scale: scale},
		},
		ReviewersPerApplication: 1,
		PassMark:                200,
		Milestones: []Milestone{
			{ID: "link_workers_in_post", Title: "Link workers in post", DueAfter: iso("P12W"), DrawdownShareBP: 4000,
				EvidenceRequired: []string{"Names and start dates of link workers"}},
			{ID: "first_referrals", Title: "First 200 referrals", DueAfter: iso("P26W"), DrawdownShareBP: 3000,
				EvidenceRequired: []string{"Referral count by source"}},
			{ID: "year_one_report", Title: "Year-one report", DueAfter: iso("P52W"), DrawdownShareBP: 3000,
				EvidenceRequired: []string{"Wellbeing before and after", "Partners' account of the year"}},
		},
		Measures: []Measure{
			{ID: "people_referred", Title: "People referred", Unit: "people", Direction: Higher, Kind: KindCount,
				ReportAt: []string{"first_referrals", "year_one_report"}, Reach: ReachOnboarded},
			{ID: "wemwbs", Title: "Mental wellbeing (WEMWBS)", Unit: "points", Direction: Higher, Kind: KindMean,
				Min: decimal.FromInt(14), Max: decimal.FromInt(70), DecimalPlaces: 1, ReportAt: []string{"year_one_report"}},
		},
		Form: &f,
		// Increases come out of a small pot, so the chair sees them all.
		Variations:     Variations{ChairForIncrease: true, DecideWithin: iso("P10D")},
		DeliveryEndsAt: time.Date(y, m+4+24, d, 17, 0, 0, 0, calendar.London).UTC(),
	}
}

// SocialPrescribingTerms are the trust's grant conditions, version 1: a
// cash grant, unlike the seeded fund's service credit.
func SocialPrescribingTerms() *Terms {
	return &Terms{Version: 1, Title: "Community Social Prescribing Fund grant conditions", Sections: []TermsSection{
		{Heading: "Purpose of the grant", Text: "The grant funds social-prescribing link workers, employed by you or " +
			"commissioned from voluntary and community sector partners, as described in your application."},
		{Heading: "Use of funds", Text: "Spend the grant only on the link workers' salaries and on-costs, their " +
			"training and supervision, and the partners' costs of taking referrals. It may not pay for buildings, " +
			"equipment over £5,000 or any activity the NHS already funds."},
		{Heading: "Payment", Text: "The trust pays the grant in instalments as each milestone is verified. Money " +
			"unspent when the grant ends must be returned to the trust."},
		{Heading: "Monitoring and reporting", Text: "You will send a return every six months and a final return " +
			"eight weeks after the year-one report falls due, each signed off by your certifier."},
		{Heading: "Partners", Text: "You will agree in writing with each partner what it will do and how it will be " +
			"paid, and pay it within 30 days of its invoice. You remain responsible for the partners' part of the work."},
		{Heading: "Safeguarding", Text: "You and every partner will keep a safeguarding policy in force throughout the " +
			"grant, and tell the trust within two working days of any serious safeguarding incident."},
		{Heading: "Ending the grant", Text: "The trust may end the grant, and ask for unspent money back, if these " +
			"conditions are not met or the service stops."},
	}, Declaration: "I confirm that I am authorised to sign for the organisation named in the offer, " +
		"and that the organisation accepts these conditions and the conditions of the offer."}
}

// SocialPrescribingReporting asks a return each half-year for the first
// year, then a final one.
func SocialPrescribingReporting() *Reporting {
	iso := MustParseDuration
	progress := func(id, title string) form.Form {
		return form.Form{Version: 1, Sections: []form.Section{{ID: id, Title: title, Questions: []form.Question{
			{ID: "progress_summary", Type: form.LongText, Required: true, MaxWords: 500, Label: "Summarise progress",
				Hint: "Link workers in post, referrals and what people were connected to."},
			{ID: "partners_account", Type: form.LongText, MaxWords: 300, Label: "What do your partners say?"},
			{ID: "spend_to_date_pence", Type: form.Money, Required: true, Min: ptr(0), Label: "Grant spent to date"},
		}}}}
	}
	return &Reporting{
		Every:         iso("P26W"),
		Count:         2,
		Periodic:      ReturnTemplate{Title: "Half-year return", Form: progress("progress", "Progress"), Measures: []string{"people_referred"}},
		Final:         &ReturnTemplate{Title: "Final return", Form: progress("the_grant", "The grant overall"), Measures: []string{"people_referred", "wemwbs"}},
		FinalAfter:    iso("P8W"),
		RemindBefore:  []int{10, 3},
		EscalateAfter: 5,
		SignOff:       true,
	}
}

// SocialPrescribingForm is the social-prescribing fund's form, version 1.
func SocialPrescribingForm() form.Form {
	zero := int64(0)
	people := int64(MaxPeople)
	return form.Form{Version: 1, Sections: []form.Section{
		{ID: "contacts", Title: "Contacts", Questions: []form.Question{
			form.LeadContactQuestion(), form.SROQuestion(), form.SRODeclarationQuestion(),
		}},
		{ID: "service", Title: "Your social-prescribing service", Questions: []form.Question{
			{ID: "host_organisation", Type: form.Organisation, Label: "Which NHS organisation will employ the link workers?",
				Hint: "Its ODS code, such as 7A1. Leave blank if it is your own organisation."},
			{ID: "delivery_model", Type: form.SingleChoice, Required: true, Label: "How will the service be delivered?",
				Options: []form.Option{
					{Value: "in_house", Label: "By link workers we employ"},
					{Value: "commissioned", Label: "Commissioned from a voluntary-sector organisation"},
					{Value: "hybrid", Label: "A mix of both"},
				}},
			form.DeploymentRoutesQuestion(),
			{ID: "start_date", Type: form.Date, Required: true, Label: "When will the first link worker start?",
				Hint: "For example, 1 9 2026."},
			{ID: "link_workers", Type: form.Integer, Required: true, Label: "How many link workers will the grant fund?",
				Hint: "Whole-time equivalent, rounded up.", Min: ptr(1), Max: ptr(50)},
			{ID: form.QPopulationCovered, Type: form.Integer, Required: true, Label: "Population the service covers",
				Min: &zero, Max: &people},
			{ID: form.QPlannedReach, Type: form.Integer, Required: true, Label: "People you expect to refer in the first year",
				Min: &zero, Max: &people},
		}},
		{ID: "partners", Title: "Voluntary-sector partners", Questions: []form.Question{
			{ID: "has_partners", Type: form.YesNo, Required: true, Label: "Will you work with named voluntary or community sector partners?"},
			{ID: "partners", Type: form.RepeatingGroup, Required: true, Label: "Partners", MinItems: 1, MaxItems: 6,
				Hint:   "Add each organisation that will take referrals.",
				ShowIf: &form.Condition{Question: "has_partners", Equals: []string{"yes"}},
				Questions: []form.Question{
					{ID: "name", Type: form.Text, Required: true, MaxChars: 200, Label: "Organisation name"},
					{ID: "charity_number", Type: form.Text, MaxChars: 20, Label: "Registered charity number", Hint: "If it has one."},
					{ID: "contact_email", Type: form.Email, Required: true, Label: "Contact email address"},
					{ID: "contact_phone", Type: form.Phone, Label: "Contact telephone number"},
				}},
			{ID: "no_partners_reason", Type: form.LongText, Required: true, MaxWords: 150, Label: "Why will you work without partners?",
				ShowIf: &form.Condition{Question: "has_partners", Equals: []string{"no"}}},
		}},
		{ID: "approach", Title: "Approach", Questions: []form.Question{
			{ID: "approach", Type: form.LongText, Required: true, MaxWords: 500, MaxChars: 4000,
				Label: "Describe how people will be referred, supported and followed up",
				Hint:  "In no more than 500 words."},
			{ID: "referral_sources", Type: form.MultipleChoice, Required: true, Label: "Where will referrals come from?",
				Hint: "Select all that apply.", Options: []form.Option{
					{Value: "gp", Label: "GP practices"},
					{Value: "pharmacy", Label: "Community pharmacies"},
					{Value: "hospital_discharge", Label: "Hospital discharge teams"},
					{Value: "self_referral", Label: "Self-referral"},
				}},
			{ID: "safeguarding_policy", Type: form.YesNo, Required: true, Label: "Do all partners have a safeguarding policy?"},
		}},
		{ID: "funding", Title: "Funding requested", Questions: []form.Question{
			form.RequestedPenceQuestion(), form.TargetsQuestion(),
		}},
	}}
}

func ptr(n int64) *int64 { return &n }
