package workflows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/outcome"
)

var progMgr = fundflow.Actor{ID: "pm-1", Name: "Priya Manager", Role: fundflow.RoleProgrammeManager}

// shortFund times the offer and the milestones in hours, so the timers
// fire within a test's simulated day.
func shortFund() fund.Definition {
	d := quickFund()
	d.OfferAcceptanceWindow = fund.MustParseDuration("PT1H")
	d.ReminderBefore = fund.MustParseDuration("PT30M")
	for i := range d.Milestones {
		d.Milestones[i].DueAfter = fund.MustParseDuration("PT" + string(rune('2'+i)) + "H")
	}
	return d
}

func accept(key string) AcceptOfferRequest {
	return AcceptOfferRequest{Command: cmd(key, appLead), SignatoryName: "Dr Tom Reid", SignatoryRole: "Chief Medical Officer"}
}

// evidence carries every outcome figure the milestone requires of the test
// application, which deploys through the NHS App, and cites the files of
// the kinds it requires as attachRequired attached them.
func evidence(key, milestone string) SubmitEvidenceRequest {
	return SubmitEvidenceRequest{Command: cmd(key, appLead), MilestoneID: milestone, Summary: "Done, as the report shows.",
		Metrics:   map[string]int64{"people_onboarded": 1200},
		Outcomes:  outcome.Sample(appFund(), milestone, []string{"nhs_app"}, 1200),
		Links:     []string{"https://example.nhs.uk/report"},
		Documents: requiredDocuments(appFund(), milestone)}
}

// attachRequired attaches one clean file of each kind the fund's
// milestones require, d1 onwards in the order of DocumentKinds, to an
// award with no files yet.
func (r *appRun) attachRequired(def fund.Definition) {
	r.scanner()
	for i, k := range def.DocumentKinds() {
		r.send(UpdateAttachDocument, upload("up-"+k.Kind, fmt.Sprintf("%064x", i+1), k.Kind))
	}
}

// requiredDocuments are the ids attachRequired gave the kinds milestone
// requires.
func requiredDocuments(def fund.Definition, milestone string) []string {
	kinds := def.DocumentKinds()
	m, _ := def.Milestone(milestone)
	var out []string
	for _, req := range m.DocumentsRequired {
		out = append(out, fmt.Sprintf("d%d", 1+slices.IndexFunc(kinds, func(k document.Requirement) bool { return k.Kind == req.Kind })))
	}
	return out
}

func verify(key, milestone string) VerifyMilestoneRequest {
	return VerifyMilestoneRequest{Command: cmd(key, progMgr), MilestoneID: milestone, Decision: MilestoneVerify, Note: "Evidence checked."}
}

func (r *appRun) letterKinds() []letters.Kind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []letters.Kind
	for _, s := range r.letters {
		out = append(out, s.Kind)
	}
	return out
}

func (r *appRun) drawdowns() (sum int64, n int) {
	r.fund.mu.Lock()
	defer r.fund.mu.Unlock()
	for _, c := range r.fund.calls {
		if c.name == UpdateDrawdown {
			sum += int64(c.req["amount_pence"].(float64))
			n++
		}
	}
	return sum, n
}

// letterTime is long enough for the offer letter, rendered for real, to be
// written before the offer is accepted. While an activity runs the test
// environment moves its clock only as fast as the wall clock, so this waits
// for a slow render (under -race on a busy machine) and costs nothing
// otherwise.
const letterTime = 10 * time.Second

func TestOfferAcceptedThroughToCompletion(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 7_999_999,
		Conditions: []string{"DPIA signed off before go-live"}})
	r.wait(letterTime)
	offered := r.look()
	badSig := r.send(UpdateAcceptOffer, AcceptOfferRequest{Command: cmd("accept-0", appLead)})
	byRival := r.send(UpdateAcceptOffer, AcceptOfferRequest{Command: cmd("accept-r", rivalApp), SignatoryName: "x", SignatoryRole: "y"})
	accepted := r.send(UpdateAcceptOffer, accept("accept"))
	again := r.send(UpdateAcceptOffer, accept("accept"))
	deploying := r.look()
	r.attachRequired(def)
	early := r.send(UpdateVerifyMilestone, verify("v-early", "ig_approvals"))
	r.send(UpdateSubmitEvidence, evidence("e-1", "ig_approvals"))
	notPM := r.send(UpdateVerifyMilestone, VerifyMilestoneRequest{Command: cmd("v-x", appLead), MilestoneID: "ig_approvals", Decision: MilestoneVerify})
	returned := r.send(UpdateVerifyMilestone, VerifyMilestoneRequest{Command: cmd("v-ret", progMgr), MilestoneID: "ig_approvals", Decision: MilestoneReturn, Note: "Attach the signed DPIA."})
	afterReturn := r.look()
	r.send(UpdateSubmitEvidence, evidence("e-1b", "ig_approvals"))
	var noOutcomes, rivalReport, outOfRange *fundOutcome
	for i, m := range def.Milestones {
		if m.ID == "outcomes_3_months" {
			bare := evidence("e-bare", m.ID)
			bare.Outcomes = bare.Outcomes[:1]
			noOutcomes = r.send(UpdateSubmitEvidence, bare)
			rival := evidence("e-rival", m.ID)
			rival.Actor = rivalApp
			rivalReport = r.send(UpdateSubmitEvidence, rival)
			wild := evidence("e-wild", m.ID)
			wild.Outcomes[3].FollowUpMean = 99_000 // WEMWBS runs 14–70
			outOfRange = r.send(UpdateSubmitEvidence, wild)
		}
		if i > 0 {
			r.send(UpdateSubmitEvidence, evidence("e-"+m.ID, m.ID))
		}
		r.send(UpdateVerifyMilestone, verify("v-"+m.ID, m.ID))
	}
	require.NoError(t, r.run(newApp(def)), "a completed award ends its workflow")
	final := r.appView()
	var tl TimelinePage
	q, err := r.env.QueryWorkflow(QueryTimeline, TimelineQuery{})
	require.NoError(t, err)
	require.NoError(t, q.Get(&tl))

	// The offer: a deadline, a letter whose schedule runs from it.
	require.Equal(t, application.StatusOffered, offered.Status)
	acceptBy := offered.Offer.ReservedAt.In(calendar.London).AddDate(0, 0, 14).UTC()
	require.Equal(t, acceptBy, offered.Offer.AcceptBy)
	require.Equal(t, acceptBy, offered.Deadlines.OfferAcceptBy)
	require.Len(t, offered.Letters, 1)
	offerLetter := offered.Letters[0]
	require.Equal(t, LetterRef("PIF-0001", appID, letters.KindOffer, 1), offerLetter.Ref)
	require.Len(t, offerLetter.SHA256, 64)
	snap := r.letters[0]
	require.Equal(t, letters.KindOffer, snap.Kind)
	require.Equal(t, letters.RendererLatest, snap.Renderer, "new letters are drawn by the latest renderer")
	require.Equal(t, int64(7_999_999), snap.AmountPence)
	require.Equal(t, acceptBy, *snap.AcceptBy)
	require.Equal(t, "QHL", snap.Addressee.OrgCode)
	require.Equal(t, "Asha Patel", snap.Addressee.Name)
	require.NotEqual(t, "QHL", snap.Addressee.OrgName, "the registry name, not the code")
	require.Len(t, snap.Milestones, len(def.Milestones))
	require.Equal(t, acceptBy.In(calendar.London).AddDate(0, 0, 42).UTC(), snap.Milestones[0].DueAt, "P6W from the acceptance deadline, on the London clock")
	var scheduled int64
	for _, m := range snap.Milestones {
		scheduled += m.DrawdownPence
	}
	require.Equal(t, int64(7_999_999), scheduled, "the last milestone absorbs the rounding")
	require.Equal(t, int64(799_999), snap.Milestones[0].DrawdownPence)

	badSig.refused(t, fundflow.EVALIDATION)
	// Outcome figures: every required measure, from the award's own
	// organisation, inside the measure's range; the record keeps them.
	missing := noOutcomes.refused(t, fundflow.EVALIDATION)
	require.Len(t, missing.Fields, len(def.Measures)-1, "one error per missing measure: %v", missing.Fields)
	require.Equal(t, "outcomes.people_active_12_weeks.nhs_app", missing.Fields[0].Field)
	rivalReport.refused(t, fundflow.EFORBIDDEN)
	wild := outOfRange.refused(t, fundflow.EVALIDATION)
	require.Equal(t, "outcomes[3].follow_up_mean", wild.Fields[0].Field)
	require.Equal(t, outcome.Sample(def, "final_evaluation", []string{"nhs_app"}, 1200), final.Milestones[4].Evidence.Outcomes)
	byRival.refused(t, fundflow.EFORBIDDEN)
	var o, o2 Outcome
	accepted.ok(t, &o)
	again.ok(t, &o2)
	require.Equal(t, application.StatusInDeployment, o.Status)
	require.Equal(t, o, o2, "a retried acceptance answers the same")

	require.Equal(t, application.StatusInDeployment, deploying.Status)
	require.Equal(t, "Dr Tom Reid", deploying.Acceptance.SignatoryName)
	require.Len(t, deploying.Milestones, 5)
	require.Equal(t, deploying.Acceptance.At.In(calendar.London).AddDate(0, 0, 42).UTC(), deploying.Milestones[0].DueAt, "due dates run from the acceptance itself")
	require.Equal(t, RAGGreen, deploying.RAG)
	require.Equal(t, "ig_approvals", deploying.NextMilestone.ID)
	require.Zero(t, deploying.Deadlines.OfferAcceptBy, "an accepted offer no longer lapses")

	early.refused(t, fundflow.EINVALIDSTATE)
	notPM.refused(t, fundflow.EFORBIDDEN)
	returned.ok(t, nil)
	require.Equal(t, MilestoneReturned, afterReturn.Milestones[0].Status)
	require.Equal(t, RAGAmber, afterReturn.RAG, "returned evidence puts the award at risk")

	require.Equal(t, application.StatusCompleted, final.Status)
	require.True(t, final.Final)
	require.Equal(t, int64(7_999_999), final.DrawnPence)
	require.Equal(t, int64(7_999_999), final.AwardedPence)
	require.Equal(t, RAGGreen, final.RAG)
	require.Nil(t, final.NextMilestone)
	sum, n := r.drawdowns()
	require.Equal(t, int64(7_999_999), sum, "drawn = awarded")
	require.Equal(t, 5, n, "one drawdown per milestone, the return drew nothing")
	names := r.fund.names()
	require.Equal(t, UpdateCommit, names[4])
	require.Equal(t, UpdateRetireSubmission, names[len(names)-1])
	require.Equal(t, []letters.Kind{letters.KindOffer, letters.KindCompletion}, r.letterKinds())
	require.Len(t, final.Letters, 2)
	require.Equal(t, LetterRef("PIF-0001", appID, letters.KindCompletion, 1), final.Letters[1].Ref)
	require.Equal(t, int64(7_999_999), r.letters[1].AmountPence)

	require.Subset(t, actions(tl.Entries), []string{"offer_accepted", "deployment_started", "evidence_submitted", "milestone_returned", "milestone_verified", "completed", "letter_issued"})
	row := r.rows[len(r.rows)-1]
	require.Equal(t, final.Version, row.Version)
	require.Equal(t, "completed", row.Status)
	require.Equal(t, int64(7_999_999), row.DrawnPence)
	require.Equal(t, "green", row.RAG)
}

func TestOfferDeclinedReleasesTheCredit(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 8_000_000})
	noReason := r.send(UpdateDeclineOffer, DeclineOfferRequest{Command: cmd("d-0", appLead)})
	declined := r.send(UpdateDeclineOffer, DeclineOfferRequest{Command: cmd("d-1", appLead), Reason: "Our board chose another provider."})
	require.NoError(t, r.run(newApp(def)))
	final := r.appView()

	noReason.refused(t, fundflow.EVALIDATION)
	declined.ok(t, nil)
	require.Equal(t, application.StatusDeclined, final.Status)
	require.Zero(t, final.AwardedPence)
	require.Equal(t, "Our board chose another provider.", final.Ending.Reason)
	names := r.fund.names()
	require.Equal(t, []string{UpdateRelease, UpdateRetireSubmission}, names[len(names)-2:])
	require.Equal(t, "the offer was declined", r.fund.call(UpdateRelease).req["reason"])
	require.Contains(t, r.kinds(), "offer_ended→programme_manager")
}

// TestWaitlistPromotionThenExpiry follows credit down the waitlist: the
// waitlisted application gets its letter, is promoted (a new offer with
// its own letter and deadline), lets the offer lapse, and the credit goes
// back to the fund for the next in line.
func TestWaitlistPromotionThenExpiry(t *testing.T) {
	def := shortFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeWaitlist, AmountPence: 6_000_000, Feedback: "Strong; waiting for credit."})
	waiting := r.look()
	r.sendAs(UpdateCreditReserved, "credit_reserved:"+def.ID+":7", CreditReservedRequest{FundID: def.ID, ApplicationID: appID, AmountPence: 6_000_000})
	offered := r.look()
	r.wait(2 * time.Hour)
	require.NoError(t, r.run(newApp(def)), "the lapsed offer ends the workflow")
	expired := r.appView()

	require.Equal(t, application.StatusWaitlisted, waiting.Status)
	require.Equal(t, application.StatusOffered, offered.Status)
	require.Equal(t, offered.Offer.ReservedAt.Add(time.Hour), offered.Offer.AcceptBy)
	require.Equal(t, application.StatusOfferExpired, expired.Status)
	require.Equal(t, fundflow.System, expired.Ending.By)
	require.Equal(t, []letters.Kind{letters.KindWaitlist, letters.KindOffer}, r.letterKinds())
	require.Equal(t, 3.5, r.letters[0].WeightedScore)
	require.Equal(t, def.Sponsor, r.letters[1].Signatory.Name, "nobody decided a promotion, so it is signed for the fund")
	require.Equal(t, offered.Offer.AcceptBy, *r.letters[1].AcceptBy)
	names := r.fund.names()
	require.Equal(t, []string{UpdateRelease, UpdateRetireSubmission}, names[len(names)-2:])
	require.Equal(t, "the offer expired", r.fund.call(UpdateRelease).req["reason"])
	require.Contains(t, r.kinds(), "offer_ended→applicant", "the applicant hears the offer lapsed")
}

// TestMilestoneOverdueExtensionAndTermination runs a milestone's timers:
// reminder (amber), overdue (red), an approved extension that moves the
// date (and the timers) with its reason recorded, then termination, which
// releases the undrawn credit.
func TestMilestoneOverdueExtensionAndTermination(t *testing.T) {
	def := shortFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 8_000_000})
	r.wait(letterTime)
	r.send(UpdateAcceptOffer, accept("accept"))
	started := r.look()
	r.wait(90 * time.Minute) // past the first reminder (1h30 after acceptance)
	reminded := r.look()
	r.wait(time.Hour) // past its due time (2h)
	overdue := r.look()
	newDue := appStart.Add(24 * time.Hour) // well after the original due time and the test's clock
	r.send(UpdateRequestExtension, RequestExtensionRequest{Command: cmd("ext", appLead), MilestoneID: "ig_approvals", NewDueAt: newDue, Reason: "DTAC assessor on leave."})
	decided := r.send(UpdateDecideExtension, DecideExtensionRequest{Command: cmd("ext-ok", progMgr), MilestoneID: "ig_approvals", Approve: true, Note: "Agreed."})
	extended := r.look()
	terminated := r.send(UpdateTerminate, TerminateRequest{Command: cmd("term", progMgr), Reason: "The ICB withdrew from the programme."})
	require.NoError(t, r.run(newApp(def)))
	final := r.appView()

	require.Equal(t, RAGGreen, started.RAG)
	require.Equal(t, RAGAmber, reminded.RAG, "inside the reminder window without evidence")
	require.Equal(t, RAGRed, overdue.RAG)
	require.Equal(t, 1, overdue.OverdueCount)
	require.Equal(t, MilestoneOverdue, overdue.Milestones[0].Status)
	require.Equal(t, MilestonePending, overdue.Milestones[1].Status)
	decided.ok(t, nil)
	require.Equal(t, MilestonePending, extended.Milestones[0].Status, "an extension lifts the overdue flag")
	require.Equal(t, "DTAC assessor on leave.", extended.Milestones[0].Extensions[0].Reason)
	require.True(t, *extended.Milestones[0].Extensions[0].Approved)
	require.Equal(t, extended.Milestones[0].Extensions[0].NewDueAt, extended.Milestones[0].DueAt)
	terminated.ok(t, nil)
	require.Equal(t, application.StatusTerminated, final.Status)
	require.Equal(t, "The ICB withdrew from the programme.", final.Ending.Reason)
	require.Equal(t, "the award was terminated", r.fund.call(UpdateRelease).req["reason"])
	require.Contains(t, r.kinds(), "milestone_reminder→applicant")
	require.Contains(t, r.kinds(), "milestone_overdue→programme_manager")
}

func TestLetterRefs(t *testing.T) {
	for _, id := range []string{"app_0193ab12cd34ef5678", "app-1", "a-b-c"} {
		ref := LetterRef("", id, letters.KindWaitlist, 12)
		got, kind, rev, ok := ParseLetterRef(ref)
		require.True(t, ok, ref)
		require.Equal(t, []any{id, letters.KindWaitlist, 12}, []any{got, kind, rev})
	}
	require.Equal(t, "FF-app_1-OFR-1", LetterRef("", "app_1", letters.KindOffer, 1), "an application with no reference")
	require.Equal(t, "PIF-0007-OFR-1", LetterRef("PIF-0007", "app_1", letters.KindOffer, 1))
	got, kind, rev, ok := ParseLetterRef("PIF-0007-OFR-2")
	require.True(t, ok)
	require.Equal(t, []any{"PIF-0007", letters.KindOffer, 2}, []any{got, kind, rev})
	for _, bad := range []string{"", "FF-", "FF-app-OFR-0", "FF-app-OFR-01", "FF-app-XXX-1", "PIF-app-OFR-1", "FF--OFR-1", "PIF-0007-XXX-1", "pif-0007-OFR-1", "OFR-1"} {
		_, _, _, ok := ParseLetterRef(bad)
		require.False(t, ok, bad)
	}
}

// An offer cannot be accepted before its letter, which sets out its terms,
// exists; a letter store that fails for a while delays the letter by
// seconds, not minutes.
func TestOfferAwaitsItsLetter(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.letterFailures = 2
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 7_000_000})
	offered := r.look()
	early := r.send(UpdateAcceptOffer, accept("accept-early"))
	r.wait(letterTime)
	ready := r.look()
	accepted := r.send(UpdateAcceptOffer, accept("accept"))
	require.Error(t, r.run(newApp(def)))

	require.Equal(t, application.StatusOffered, offered.Status)
	require.Empty(t, offered.Letters, "the letter store is still failing")
	p := early.refused(t, fundflow.EINVALIDSTATE)
	require.Contains(t, p.Message, "the offer letter is still being prepared")
	require.Len(t, ready.Letters, 1, "written within seconds of the store coming back")
	require.Equal(t, letters.KindOffer, ready.Letters[0].Kind)
	require.Equal(t, ready.Letters[0].Ref, ready.Offer.Letter)
	var o Outcome
	accepted.ok(t, &o)
	require.Equal(t, application.StatusInDeployment, o.Status)
}

func TestOfferLetterNamesTheTargets(t *testing.T) {
	a := &applicationWorkflow{}
	a.Fund = appFund()
	a.Content.Targets = []fund.Target{
		{Measure: "wemwbs", Route: "nhs_app", Baseline: 41_500, Target: 45_000},
		{Measure: "gone", Route: "nhs_app"},
	}
	require.Equal(t, []letters.Target{{Measure: "Mental wellbeing (WEMWBS)", Unit: "points",
		Route:    "To the public through the NHS App, via the Patients Know Best personal health record integration",
		Baseline: "41.5", Target: "45.0"}}, a.letterTargets())
}

func TestCompletionLetterQuotesResults(t *testing.T) {
	a := &applicationWorkflow{}
	a.Fund = appFund()
	a.Content.Targets = []fund.Target{
		{Measure: "wemwbs", Route: "nhs_app", Baseline: 41_500, Target: 45_000},
		{Measure: "weight", Route: "nhs_app", Baseline: 92_000, Target: 90_000},
		{Measure: "people_onboarded", Route: "nhs_app", Target: 2_000_000},
	}
	a.Milestones = []Milestone{
		{Status: MilestoneVerified, Evidence: &Evidence{Outcomes: []fund.Figure{
			{Measure: "wemwbs", Route: "nhs_app", BaselineN: 9, BaselineMean: 41_500, FollowUpN: 8, FollowUpMean: 44_000},
			{Measure: "people_onboarded", Route: "nhs_app", Count: 1500}}}},
		{Status: MilestoneVerified, Evidence: &Evidence{Outcomes: []fund.Figure{
			{Measure: "wemwbs", Route: "nhs_app", BaselineN: 9, BaselineMean: 41_500, FollowUpN: 8, FollowUpMean: 46_200},
			{Measure: "people_onboarded", Route: "nhs_app", Count: 1800}}}},
		{Status: MilestoneSubmitted, Evidence: &Evidence{Outcomes: []fund.Figure{{Measure: "people_onboarded", Route: "nhs_app", Count: 2500}}}},
	}
	got := a.letterResults()
	require.Len(t, got, 3)
	require.Equal(t, []string{"46.2", "Yes"}, []string{got[0].Achieved, got[0].Met})
	require.Equal(t, []string{"Not reported", "–"}, []string{got[1].Achieved, got[1].Met})
	require.Equal(t, []string{"1800", "No"}, []string{got[2].Achieved, got[2].Met}, "unverified evidence is not a result")
}

// TestRetiredRendererLetterIsGivenUp: a development run from before
// letter-metadata still snapshots its letters for renderer 1, which the
// activity refuses for good. The decision stands, the letter is given up
// with the fix on the staff timeline, and the run ends as it would have.
func TestRetiredRendererLetterIsGivenUp(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.env.OnGetVersion(letterMetadata, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	toPanel(t, r, def)
	decide := r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeReject, Feedback: "The evaluation plan lacks baselines."})
	require.NoError(t, r.run(newApp(def)), "the run ends once its letter is given up")
	var o Outcome
	decide.ok(t, &o)
	require.Equal(t, application.StatusRejected, o.Status)
	final := r.appView()
	require.Empty(t, final.Letters)
	require.Empty(t, r.letters, "no other renderer drew the letter")

	var staff, applicant TimelinePage
	q, err := r.env.QueryWorkflow(QueryTimeline, TimelineQuery{Role: fundflow.RoleProgrammeManager})
	require.NoError(t, err)
	require.NoError(t, q.Get(&staff))
	i := slices.IndexFunc(staff.Entries, func(e application.Entry) bool { return e.Action == "letter_refused" })
	require.GreaterOrEqual(t, i, 0, "the refusal is on the timeline: %v", actions(staff.Entries))
	require.Contains(t, staff.Entries[i].Detail, LetterRef("PIF-0001", appID, letters.KindRejection, 1))
	require.Contains(t, staff.Entries[i].Detail, "start fundflow dev on a fresh data directory")
	require.Equal(t, 1, strings.Count(strings.Join(actions(staff.Entries), " "), "letter_refused"), "refused once, not retried")
	q, err = r.env.QueryWorkflow(QueryTimeline, TimelineQuery{Role: fundflow.RoleApplicant})
	require.NoError(t, err)
	require.NoError(t, q.Get(&applicant))
	require.NotContains(t, actions(applicant.Entries), "letter_refused", "a matter for staff")
}
