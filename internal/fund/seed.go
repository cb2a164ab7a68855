package fund

import (
	"time"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/form"
)

// SeedID is the fund dev mode seeds.
const SeedID = "prevention-innovation-2025"

// SeedDefinition is Holly Health's Prevention Innovation Fund, the first fund
// the engine must run: £320,000 of service credit, up to £80,000 each for up
// to four ICSs or their Scottish and Welsh equivalents, deployed through
// primary care and public health services or to the public through the NHS
// App.
//
// The window is derived from now rather than fixed. Dev mode seeds the fund
// "already open", and a literal 2025 window would have closed long before the
// day someone runs it, leaving nothing to apply to. Opening a month before
// today makes the fund look established (and any submission dated today is
// inside the window); closing six months after today at 17:00 London time
// leaves room to walk an application through every stage by hand, and
// delivery may run for two years after the close.
func SeedDefinition(now time.Time) Definition {
	y, m, d := now.In(calendar.London).Date()
	opens := time.Date(y, m-1, d, 9, 0, 0, 0, calendar.London)
	closes := time.Date(y, m+6, d, 17, 0, 0, 0, calendar.London)

	scale := Scale{Min: 1, Max: 5, Labels: []string{"Poor", "Partial", "Satisfactory", "Good", "Strong"}}
	iso := MustParseDuration
	return Definition{
		ID:              SeedID,
		Name:            "Prevention Innovation Fund",
		ReferencePrefix: "PIF",
		Sponsor:         "Holly Health",
		Description: "Service credit towards deploying Holly Health's psychology-based digital health coaching " +
			"service to increase self-management support across a region. Open to integrated care systems in " +
			"England and their equivalents in Scotland and Wales, to move large-scale prevention initiatives " +
			"forward in support of the three shifts: treatment to prevention, hospital to community, and " +
			"analogue to digital.",
		TotalPence:       32_000_000,
		MaxAwardPence:    8_000_000,
		MaxAwards:        4,
		EligibleOrgTypes: []OrgType{OrgTypeICB, OrgTypeScottishHealthBoard, OrgTypeWelshLocalHealthBoard},
		EligibleNations:  []Nation{NationEngland, NationScotland, NationWales},
		OpensAt:          opens.UTC(),
		ClosesAt:         closes.UTC(),
		DeploymentRoutes: []Route{
			{ID: "primary_care_public_health", Title: "Through primary care and public health services"},
			{ID: "nhs_app", Title: "To the public through the NHS App, via the Patients Know Best personal health record integration"},
		},
		Criteria: []Criterion{
			{ID: "need_and_reach", Title: "Need and population reach", Weight: 20, Scale: scale,
				Guidance: "The burden of long-term conditions, mental health and lifestyle risk in the population, " +
					"who will be offered the service, and how many people it will reach in 12 months."},
			{ID: "delivery_and_integration", Title: "Delivery and integration plan", Weight: 25, Scale: scale,
				Guidance: "A credible plan for each chosen route: referral pathways through primary care and public " +
					"health services, or launch through the NHS App via the Patients Know Best integration; named " +
					"leads, timeline and risks."},
			{ID: "evaluation_and_outcomes", Title: "Evaluation and outcome measures", Weight: 20, Scale: scale,
				Guidance: "How exercise, mental wellbeing, weight, blood pressure and GP appointment use will be " +
					"measured before and after, with baselines and data sources."},
			{ID: "three_shifts", Title: "Alignment with the three shifts", Weight: 15, Scale: scale,
				Guidance: "How the deployment moves care from treatment to prevention, hospital to community, " +
					"and analogue to digital."},
			{ID: "ig_readiness", Title: "Information-governance readiness", Weight: 20, Scale: scale,
				Guidance: "Status of the data protection impact assessment (DPIA) and the digital technology " +
					"assessment criteria (DTAC) review, and who will sign them off."},
		},
		ReviewersPerApplication: 2,
		// 3.00 is "Satisfactory" on average across the weighted criteria.
		PassMark: 300,
		SLAs: SLAs{
			Eligibility:   iso("P5D"),
			Assessment:    iso("P15D"),
			Panel:         iso("P10D"),
			QueryResponse: iso("P10D"),
		},
		ReminderBefore:        iso("P2D"),
		OfferAcceptanceWindow: iso("P14D"),
		Milestones: []Milestone{
			{ID: "ig_approvals", Title: "Information-governance approvals (DPIA, DTAC)", DueAfter: iso("P6W"),
				DrawdownShareBP: 1000, EvidenceRequired: []string{"Signed-off DPIA", "Completed DTAC assessment"},
				DocumentsRequired: []document.Requirement{{Kind: "dpia", Label: "DPIA signed off"}, {Kind: "dtac", Label: "DTAC assessment"}}},
			{ID: "go_live", Title: "Go-live on each chosen deployment route", DueAfter: iso("P90D"),
				DrawdownShareBP: 3000, EvidenceRequired: []string{"Go-live date for each route", "First referrals or NHS App sign-ups"},
				DocumentsRequired: []document.Requirement{{Kind: "go_live_report", Label: "Go-live report"}}},
			{ID: "first_1000_onboarded", Title: "First 1,000 people onboarded", DueAfter: iso("P150D"),
				DrawdownShareBP: 2000, EvidenceRequired: []string{"Onboarding count by route and cohort"}},
			{ID: "outcomes_3_months", Title: "3-month outcomes report", DueAfter: iso("P180D"),
				DrawdownShareBP: 2000, EvidenceRequired: []string{"Exercise, mental wellbeing, weight and blood pressure changes", "GP appointment use"},
				DocumentsRequired: []document.Requirement{{Kind: "outcomes_report", Label: "3-month outcomes report"}}},
			{ID: "final_evaluation", Title: "Final evaluation", DueAfter: iso("P365D"),
				DrawdownShareBP: 2000, EvidenceRequired: []string{"Evaluation report against the baseline", "Plans for sustaining the service"},
				DocumentsRequired: []document.Requirement{{Kind: "evaluation_report", Label: "Final evaluation report"}}},
		},
		Measures: seedMeasures(),
		Variations: Variations{ChairForIncrease: true, ChairAbovePercent: 20, PromoteOnDecrease: true,
			DecideWithin: iso("P10D")},
		DeliveryEndsAt: closes.AddDate(2, 0, 0).UTC(),
	}
}

// SeedTerms are the fund's grant agreement, version 1, which dev's seeded
// fund is offered on; SeedDefinition leaves them out, as SeedReporting, so
// the many tests built on it keep a fund that asks neither. The award is
// service credit rather than cash, so the terms say what the credit buys
// and when it is drawn, not how a payment is spent.
func SeedTerms() *Terms {
	return &Terms{Version: 1, Title: "Prevention Innovation Fund grant agreement", Sections: []TermsSection{
		{Heading: "Purpose of the grant", Text: "The grant is service credit from Holly Health towards deploying its " +
			"psychology-based digital health coaching service to increase self-management support across your " +
			"region, as set out in your application and the offer letter.\n\n" +
			"It is awarded to move prevention forward in support of the three shifts: treatment to prevention, " +
			"hospital to community, and analogue to digital."},
		{Heading: "Use of funds", Text: "The credit may be used only for the service, on the deployment routes named " +
			"in the offer, for the population your application describes. It has no cash value, cannot be " +
			"transferred to another organisation and cannot be used for any other product or service.\n\n" +
			"Credit not drawn when delivery ends returns to the fund."},
		{Heading: "Payment and drawdown", Text: "Credit is drawn down milestone by milestone, in the shares the offer " +
			"sets out, once the programme manager has verified the evidence each milestone asks for.\n\n" +
			"While a monitoring return is overdue or awaiting acceptance, no further credit is drawn down."},
		{Heading: "Monitoring and reporting", Text: "You will send a quarterly return on progress, risks and " +
			"the people the service has reached, and a final return eight weeks after your last milestone falls " +
			"due. Outcome figures are aggregate counts and means only; never send data about an identifiable " +
			"person.\n\n" +
			"You will tell the programme manager promptly of anything that puts delivery at risk."},
		{Heading: "Changes to the project", Text: "You must ask, through the fund's change request, before changing " +
			"the milestones, their dates, the deployment routes or the amount of the award. The programme " +
			"manager decides every change; an increase, or a change moving or reducing more than a fifth of the " +
			"award, also needs the panel chair's approval.\n\n" +
			"No milestone may fall due after the fund's delivery period ends."},
		{Heading: "Partners and subcontracting", Text: "You remain responsible for delivery by any partner or " +
			"subcontractor, and will make sure each one meets these terms where they apply to its part of the work."},
		{Heading: "Records, audit and publicity", Text: "You will keep records of the deployment and of the evidence " +
			"and returns you send for six years after delivery ends, and make them available to the fund's " +
			"auditors on request.\n\n" +
			"You will acknowledge the Prevention Innovation Fund in any publicity about the deployment, and agree " +
			"to the fund publishing your organisation's name, the amount awarded and a summary of its outcomes."},
		{Heading: "Data protection", Text: "You and Holly Health will each meet your obligations under UK data " +
			"protection law. The deployment must not start on any route until its data protection impact " +
			"assessment has been signed off and the service's DTAC assessment completed."},
		{Heading: "Termination and clawback", Text: "The fund may end the award, and release credit not yet drawn, " +
			"if you do not meet these terms, if a milestone is missed and not rearranged, or if the service " +
			"stops being offered to the population.\n\n" +
			"Credit drawn against evidence that proves false must be repaid in full."},
	}, Declaration: "I confirm that I am authorised to sign this agreement for the organisation named in the offer, " +
		"and that the organisation accepts these terms and the conditions of the offer."}
}

// SeedReporting asks a return each quarter for the first year, then a final
// one eight weeks after the last milestone, and holds drawdown while one is
// outstanding: payment by results.
func SeedReporting() *Reporting {
	iso := MustParseDuration
	return &Reporting{
		Every: iso("P13W"),
		Count: 4,
		Periodic: ReturnTemplate{Title: "Quarterly return", Form: form.Form{Version: 1, Sections: []form.Section{
			{ID: "progress", Title: "Progress this quarter", Questions: []form.Question{
				{ID: "progress_summary", Type: form.LongText, Required: true, MaxWords: 500,
					Label: "Summarise progress since your last return", Hint: "In no more than 500 words."},
				{ID: "risks_and_issues", Type: form.LongText, MaxWords: 300,
					Label: "Risks and issues", Hint: "Anything that puts delivery at risk, and what you are doing about it."},
				{ID: "spend_to_date_pence", Type: form.Money, Min: ptr(0),
					Label: "Spend on the deployment to date", Hint: "Your own spend on delivering it, such as staff time."},
			}},
		}}, Measures: []string{"people_onboarded", "people_active_12_weeks"}},
		Final: &ReturnTemplate{Title: "Final return", Form: form.Form{Version: 1, Sections: []form.Section{
			{ID: "summary", Title: "The deployment overall", Questions: []form.Question{
				{ID: "outcomes_summary", Type: form.LongText, Required: true, MaxWords: 800,
					Label: "What did the deployment achieve?", Hint: "Against the plan in your application, in no more than 800 words."},
				{ID: "lessons_learned", Type: form.LongText, Required: true, MaxWords: 500, Label: "What have you learned?"},
				{ID: "sustainability", Type: form.LongText, Required: true, MaxWords: 300,
					Label: "How will the service continue after the grant?"},
			}},
		}}, Measures: []string{"people_onboarded", "people_active_12_weeks", "wemwbs"}},
		FinalAfter:    iso("P56D"),
		RemindBefore:  []int{10, 3},
		EscalateAfter: 5,
		HoldDrawdown:  true,
	}
}

// seedMeasures follow the article the fund comes from: reach and engagement,
// then exercise, mental wellbeing, weight, blood pressure and GP use, each
// reported per deployment route as a before-and-after mean.
func seedMeasures() []Measure {
	reach := []string{"first_1000_onboarded", "outcomes_3_months", "final_evaluation"}
	followUp := []string{"outcomes_3_months", "final_evaluation"}
	mean := func(id, title, unit string, dir Direction, lo, hi int64, places int) Measure {
		return Measure{ID: id, Title: title, Unit: unit, Direction: dir, Kind: KindMean,
			Min: decimal.FromInt(lo), Max: decimal.FromInt(hi), DecimalPlaces: places, ReportAt: followUp}
	}
	return []Measure{
		{ID: "people_onboarded", Title: "People onboarded", Unit: "people", Direction: Higher, Kind: KindCount, ReportAt: reach, Reach: ReachOnboarded},
		{ID: "people_active_12_weeks", Title: "People active at 12 weeks", Unit: "people", Direction: Higher, Kind: KindCount, ReportAt: followUp, Reach: ReachActive},
		mean("activity_minutes", "Moderate activity", "minutes a week", Higher, 0, 10_080, 0),
		mean("wemwbs", "Mental wellbeing (WEMWBS)", "points", Higher, 14, 70, 1),
		mean("weight", "Weight", "kg", Lower, 30, 300, 1),
		mean("systolic_bp", "Systolic blood pressure", "mmHg", Lower, 70, 250, 0),
		mean("diastolic_bp", "Diastolic blood pressure", "mmHg", Lower, 40, 150, 0),
		mean("gp_appointments", "GP appointments", "per person a year", Lower, 0, 100, 1),
	}
}
