package workflows

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/outcome"
)

// afterAwardFund is the seeded fund with its grant agreement and quarterly
// returns.
func afterAwardFund() fund.Definition {
	d := appFund()
	d.Terms, d.Reporting = fund.SeedTerms(), fund.SeedReporting()
	return d
}

// offered takes an application to an offer of £75,000, leaving room
// under the fund's £80,000 maximum for an increase, and waits for its
// letter.
func offered(t *testing.T, r *appRun, def fund.Definition) {
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 7_500_000})
	r.wait(letterTime)
}

func signature(key string, by fundflow.Actor, def fund.Definition) AcceptOfferRequest {
	return AcceptOfferRequest{Command: cmd(key, by), SignatoryName: by.Name, TermsSHA256: def.Terms.Hash(), Declare: true}
}

func quarterlyAnswers() form.Answers {
	return form.Answers{"progress_summary": json.RawMessage(`"Live in two practices; onboarding ahead of plan."`), "spend_to_date_pence": json.RawMessage(`120000`)}
}

func returnFigures(def fund.Definition) []fund.Figure {
	return returnFiguresOn(def, []string{"nhs_app"})
}

// returnFiguresOn are a quarterly return's figures on routes.
func returnFiguresOn(def fund.Definition, routes []string) []fund.Figure {
	var out []fund.Figure
	for _, f := range outcome.Sample(def, "outcomes_3_months", routes, 1200) {
		if f.Measure == "people_onboarded" || f.Measure == "people_active_12_weeks" {
			out = append(out, f)
		}
	}
	return out
}

func TestTheCertifierSignsTheGrantAgreement(t *testing.T) {
	def := afterAwardFund()
	def = def.Defaults()
	r := newAppRun(t, def)
	r.withCertifiers(appCFO)
	offered(t, r, def)
	offer := r.lookAs(appCFO)
	byLead := r.send(UpdateAcceptOffer, signature("s-lead", appLead, def))
	stale := signature("s-stale", appCFO, def)
	stale.TermsSHA256 = strings.Repeat("0", 64)
	staleTerms := r.send(UpdateAcceptOffer, stale)
	careless := r.send(UpdateAcceptOffer, AcceptOfferRequest{Command: cmd("s-bare", appCFO), SignatoryName: "C Okafor", TermsSHA256: def.Terms.Hash()})
	signed := r.send(UpdateAcceptOffer, signature("s-cfo", appCFO, def))
	r.wait(letterTime)
	after := r.look()
	require.Error(t, r.run(newApp(def)), "an award in deployment runs until cancelled")

	require.NotNil(t, offer.Agreement, "an offer on terms carries them to read")
	require.Equal(t, TermsPin{Title: def.Terms.Title, Version: 1, SHA256: def.Terms.Hash()}, offer.Agreement.Terms)
	require.Len(t, offer.Agreement.Sections, len(def.Terms.Sections))
	require.Equal(t, []string{"Chidi Okafor, Chief finance officer"}, offer.Agreement.Signatories)
	require.Contains(t, actionNames(offer), UpdateAcceptOffer, "the certifier may sign")
	require.Equal(t, &letters.TermsRef{Title: def.Terms.Title, Version: 1, SHA256: def.Terms.Hash()}, r.letters[0].Terms, "the offer letter names the terms")

	require.Contains(t, byLead.refused(t, fundflow.EFORBIDDEN).Message, "Chidi Okafor")
	staleTerms.refused(t, fundflow.ECONFLICT)
	bare := careless.refused(t, fundflow.EVALIDATION)
	require.ElementsMatch(t, []string{"declare", "signatory_name"}, fieldNames(bare))
	signed.ok(t, nil)

	require.Equal(t, application.StatusInDeployment, after.Status)
	a := after.Agreement.Signed
	require.NotNil(t, a)
	require.Equal(t, "Chidi Okafor", a.SignedName)
	require.Equal(t, "Chief finance officer", a.Capacity, "a certifier signs in their capacity")
	require.Equal(t, def.Terms.Hash(), a.Terms.SHA256)
	require.Equal(t, after.Offer.Letter, a.OfferRef)
	require.Equal(t, appCFO.ID, a.By.ID)
	require.Equal(t, LetterRef("PIF-0001", appID, letters.KindAgreement, 1), a.Letter)
	agreement := r.letters[len(r.letters)-1]
	require.Equal(t, letters.KindAgreement, agreement.Kind)
	require.Equal(t, "Chidi Okafor", agreement.Agreement.SignedName)
	require.Equal(t, after.Offer.Letter, agreement.Agreement.OfferRef)
	require.Len(t, after.Returns, 5, "four quarterly returns and a final one")
}

func TestQuarterlyReturnsAreChasedAndHoldTheDrawdown(t *testing.T) {
	def := appFund()
	def.Reporting = fund.SeedReporting()
	def = def.Defaults()
	r := newAppRun(t, def)
	offered(t, r, def)
	r.send(UpdateAcceptOffer, accept("accept"))
	r.attachRequired(def)
	r.send(UpdateSubmitEvidence, evidence("e-1", "ig_approvals"))
	early := r.send(UpdateSubmitReturn, SubmitReturnRequest{Command: cmd("r-early", appLead), ReturnID: "r2", Answers: quarterlyAnswers(), Outcomes: returnFigures(def)})
	beforeDue := r.send(UpdateVerifyMilestone, verify("v-1", "ig_approvals"))
	// A quarter and eight working days on: the first return is overdue
	// and escalated.
	r.wait(13*7*24*time.Hour + 12*24*time.Hour)
	overdue := r.look()
	r.send(UpdateSubmitEvidence, evidence("e-2", "go_live"))
	held := r.send(UpdateVerifyMilestone, verify("v-2", "go_live"))
	heldView := r.lookAs(progMgr)
	bad := r.send(UpdateSubmitReturn, SubmitReturnRequest{Command: cmd("r-bad", appLead), ReturnID: "r1", Answers: form.Answers{"spend_to_date_pence": json.RawMessage(`-5`)}, Outcomes: nil})
	in := r.send(UpdateSubmitReturn, SubmitReturnRequest{Command: cmd("r-1", appLead), ReturnID: "r1", Answers: quarterlyAnswers(), Outcomes: returnFigures(def)})
	stillHeld := r.send(UpdateVerifyMilestone, verify("v-2b", "go_live"))
	sentBack := r.send(UpdateReviewReturn, ReviewReturnRequest{Command: cmd("rv-1", progMgr), ReturnID: "r1", Decision: MilestoneReturn, Note: "Add the spend to date."})
	r.send(UpdateSubmitReturn, SubmitReturnRequest{Command: cmd("r-1b", appLead), ReturnID: "r1", Answers: quarterlyAnswers(), Outcomes: returnFigures(def)})
	accepted := r.send(UpdateReviewReturn, ReviewReturnRequest{Command: cmd("rv-2", progMgr), ReturnID: "r1", Decision: MilestoneVerify})
	released := r.send(UpdateVerifyMilestone, verify("v-2c", "go_live"))
	// The rest of the year: three more returns fall due unsent.
	r.wait(3 * 13 * 7 * 24 * time.Hour)
	year := r.look()
	require.Error(t, r.run(newApp(def)), "an award in deployment runs until cancelled")

	early.refused(t, fundflow.EINVALIDSTATE)
	beforeDue.ok(t, nil)
	rs := overdue.Returns
	require.Len(t, rs, 5)
	accept := overdue.Acceptance.At.In(calendar.London)
	for i := range 4 {
		require.Equal(t, accept.AddDate(0, 0, 91*(i+1)).UTC(), rs[i].DueAt, "return %d: every thirteen weeks on the London clock", i+1)
	}
	require.Equal(t, ReturnOverdue, rs[0].Status)
	require.True(t, rs[0].Escalated)
	require.Equal(t, ReturnOpen, rs[1].Status, "the next return opens when the first falls due")
	require.Equal(t, ReturnUpcoming, rs[2].Status)
	require.Equal(t, 1, overdue.OverdueReturns)
	require.Equal(t, RAGRed, overdue.RAG)
	require.Len(t, rs[0].RemindAt, 2)
	require.Equal(t, calendar.London, rs[0].RemindAt[0].In(calendar.London).Location())
	require.Contains(t, held.refused(t, fundflow.EINVALIDSTATE).Message, "Quarterly return 1")
	require.NotContains(t, actionNames(heldView), UpdateVerifyMilestone, "the page offers no drawdown while it is held")
	wrong := bad.refused(t, fundflow.EVALIDATION)
	require.Subset(t, fieldNames(wrong), []string{"progress_summary", "spend_to_date_pence", "outcomes.people_onboarded.nhs_app"})
	in.ok(t, nil)
	require.Contains(t, stillHeld.refused(t, fundflow.EINVALIDSTATE).Message, "accepted", "a return in but not accepted still holds the drawdown")
	sentBack.ok(t, nil)
	accepted.ok(t, nil)
	released.ok(t, nil)

	require.Equal(t, ReturnAccepted, year.Returns[0].Status)
	for i := 1; i < 4; i++ {
		require.Equal(t, ReturnOverdue, year.Returns[i].Status, "return %d", i+1)
	}
	require.Equal(t, 3, year.OverdueReturns)
	kinds := r.kinds()
	count := func(k string) int {
		n := 0
		for _, x := range kinds {
			if x == k {
				n++
			}
		}
		return n
	}
	require.Equal(t, 8, count("return_reminder→applicant"), "ten and three working days before each return: %v", kinds)
	require.GreaterOrEqual(t, count("return_overdue→applicant"), 4)
	require.GreaterOrEqual(t, count("return_overdue→programme_manager"), 1, "escalated to the programme manager")
	var roll *outcome.Award
	for _, row := range r.rows {
		if row.Outcome != nil {
			roll = row.Outcome
		}
	}
	require.NotNil(t, roll)
	require.Contains(t, reportIDs(roll.Reports), "r1", "an accepted return feeds the outcome roll-up")
}

// failed asserts the Update was accepted but its handler refused with
// code, as a refusal from the fund is.
func (o *fundOutcome) failed(t *testing.T, code fundflow.Code) *fundflow.Error {
	t.Helper()
	require.True(t, o.done, "%s never completed", o.name)
	require.False(t, o.rejected, "%s was rejected by its validator", o.name)
	var e *fundflow.Error
	require.True(t, errors.As(temporalerr.Decode(o.err), &e), "%s: %v carries no fundflow code", o.name, o.err)
	require.Equal(t, code, e.Code, "%s: %v", o.name, e)
	return e
}

func reportIDs(rs []outcome.Report) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Milestone)
	}
	return out
}

func fieldNames(e *fundflow.Error) []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestAVariationIsReservedDecidedAndApplied(t *testing.T) {
	def := appFund().Defaults()
	r := newAppRun(t, def)
	r.env.RegisterWorkflow(ChangeRequestWorkflow)
	offered(t, r, def)
	r.send(UpdateAcceptOffer, accept("accept"))
	deploying := r.look()
	r.attachRequired(def)
	r.send(UpdateSubmitEvidence, evidence("e-1", "ig_approvals"))
	r.send(UpdateVerifyMilestone, verify("v-1", "ig_approvals"))
	r.send(UpdateSubmitEvidence, evidence("e-2", "go_live"))

	move := func(key string, ms ...MilestoneChange) RequestChangeRequest {
		return RequestChangeRequest{Command: cmd(key, appLead), Reason: "Go-live slipped with the GP IT supplier.", Milestones: ms}
	}
	pence := func(n int64) *int64 { return &n }
	drawn := r.send(UpdateRequestChange, move("c-drawn", MilestoneChange{ID: "ig_approvals", DrawdownPence: pence(0)}))
	awaiting := r.send(UpdateRequestChange, move("c-await", MilestoneChange{ID: "go_live", DueAt: appStart.AddDate(0, 6, 0)}))
	outside := r.send(UpdateRequestChange, move("c-late", MilestoneChange{ID: "final_evaluation", DueAt: def.DeliveryEndsAt.AddDate(0, 1, 0)}))
	uneven := r.send(UpdateRequestChange, move("c-uneven", MilestoneChange{ID: "first_1000_onboarded", DrawdownPence: pence(1)}))
	// £4,000 from the final evaluation to the 1,000 onboarded, and the
	// 3-month report a month later.
	var first, last Milestone
	r.then(func() {})
	ok := r.sendWith(UpdateRequestChange, func() any {
		v := r.appView()
		for _, m := range v.Milestones {
			switch m.ID {
			case "first_1000_onboarded":
				first = m
			case "final_evaluation":
				last = m
			}
		}
		return move("c-ok",
			MilestoneChange{ID: "first_1000_onboarded", DrawdownPence: pence(first.DrawdownPence + 400_000)},
			MilestoneChange{ID: "final_evaluation", DrawdownPence: pence(last.DrawdownPence - 400_000)},
			MilestoneChange{ID: "outcomes_3_months", DueAt: deploying.Milestones[3].DueAt.AddDate(0, 1, 0)})
	})
	second := r.send(UpdateRequestChange, move("c-2", MilestoneChange{ID: "outcomes_3_months", DueAt: appStart.AddDate(1, 0, 0)}))
	locked := r.send(UpdateSubmitEvidence, evidence("e-3", "first_1000_onboarded"))
	open := r.lookAs(progMgr)
	byChair := r.send(UpdateDecideChange, DecideChangeRequest{Command: cmd("d-chair", fundChair), ChangeID: "cr1", Approve: true})
	approved := r.send(UpdateDecideChange, DecideChangeRequest{Command: cmd("d-pm", progMgr), ChangeID: "cr1", Approve: true, Note: "Agreed at the monthly review."})
	r.wait(letterTime)
	after := r.look()
	// An increase needs the chair too; the fund reserves it first.
	up := r.sendWith(UpdateRequestChange, func() any {
		v := r.appView()
		final := v.Milestones[len(v.Milestones)-1]
		return RequestChangeRequest{Command: cmd("c-up", appLead), Reason: "A third practice joins.", AwardPence: 8_000_000,
			Milestones: []MilestoneChange{{ID: final.ID, DrawdownPence: pence(final.DrawdownPence + 500_000)}}}
	})
	r.send(UpdateDecideChange, DecideChangeRequest{Command: cmd("d-pm2", progMgr), ChangeID: "cr2", Approve: true})
	endorsed := r.look()
	refused := r.send(UpdateDecideChange, DecideChangeRequest{Command: cmd("d-chair2", fundChair), ChangeID: "cr2", Approve: false, Note: "Not this round."})
	final := r.look()
	require.Error(t, r.run(newApp(def)), "an award in deployment runs until cancelled")

	require.Equal(t, "milestones[0]", drawn.refused(t, fundflow.EVALIDATION).Fields[0].Field)
	require.Contains(t, awaiting.refused(t, fundflow.EVALIDATION).Fields[0].Message, "awaiting verification")
	require.Equal(t, "milestones[0].due_at", outside.refused(t, fundflow.EVALIDATION).Fields[0].Field)
	require.Equal(t, "milestones", uneven.refused(t, fundflow.EVALIDATION).Fields[0].Field)
	ok.ok(t, nil)
	second.refused(t, fundflow.EINVALIDSTATE)
	require.Contains(t, locked.refused(t, fundflow.EINVALIDSTATE).Message, "cr1")
	require.Len(t, open.ChangeRequests, 1)
	c := open.ChangeRequests[0]
	require.Equal(t, []fundflow.Role{fundflow.RoleProgrammeManager}, c.Approvers, "a move of 5% needs only the programme manager")
	require.Len(t, c.Lines, 3)
	require.Contains(t, actionNames(open), UpdateDecideChange)
	byChair.refused(t, fundflow.EFORBIDDEN)
	approved.ok(t, nil)

	cr := after.ChangeRequests[0]
	require.Equal(t, ChangeApproved, cr.Status)
	require.Equal(t, LetterRef("PIF-0001", appID, letters.KindVariation, 1), cr.Letter)
	for _, m := range after.Milestones {
		switch m.ID {
		case "first_1000_onboarded":
			require.Equal(t, first.DrawdownPence+400_000, m.DrawdownPence)
		case "final_evaluation":
			require.Equal(t, last.DrawdownPence-400_000, m.DrawdownPence)
		case "outcomes_3_months":
			require.Equal(t, deploying.Milestones[3].DueAt.AddDate(0, 1, 0), m.DueAt)
		}
	}
	require.Equal(t, int64(7_500_000), after.Offer.AmountPence)
	var variation letters.Snapshot
	for _, s := range r.letters {
		if s.Kind == letters.KindVariation {
			variation = s
		}
	}
	require.Equal(t, "cr1", variation.Variation.ID)
	require.Len(t, variation.Variation.Changes, 3)

	up.ok(t, nil)
	reserve := r.fund.call(UpdateReserveVariation)
	require.Equal(t, float64(500_000), reserve.req["amount_pence"], "only the increase is reserved")
	require.Equal(t, []fundflow.Role{fundflow.RoleProgrammeManager, fundflow.RolePanelChair}, endorsed.ChangeRequests[1].Approvers)
	require.Equal(t, ChangeOpen, endorsed.ChangeRequests[1].Status, "the chair is still to decide")
	refused.ok(t, nil)
	require.Equal(t, ChangeRefused, final.ChangeRequests[1].Status)
	require.Equal(t, int64(7_500_000), final.Offer.AmountPence, "a refused increase changes nothing")
	require.Equal(t, "cr2", r.fund.call(UpdateReleaseVariation).req["change_id"], "and its reservation is released")
	require.Empty(t, r.fund.call(UpdateCommitVariation).name)
}

func TestAnIncreaseTheFundCannotAffordIsNeverRecorded(t *testing.T) {
	def := appFund().Defaults()
	r := newAppRun(t, def)
	r.env.RegisterWorkflow(ChangeRequestWorkflow)
	r.fund.refuse[UpdateReserveVariation] = &fundflow.Error{Code: fundflow.EINSUFFICIENTCREDIT, Message: "500000 pence requested but only 120000 pence is available"}
	offered(t, r, def)
	r.send(UpdateAcceptOffer, accept("accept"))
	var last int64
	up := r.sendWith(UpdateRequestChange, func() any {
		v := r.appView()
		last = v.Milestones[len(v.Milestones)-1].DrawdownPence
		return RequestChangeRequest{Command: cmd("c-up", appLead), Reason: "More practices.", AwardPence: 8_000_000,
			Milestones: []MilestoneChange{{ID: "final_evaluation", DrawdownPence: &[]int64{last + 500_000}[0]}}}
	})
	after := r.look()
	require.Error(t, r.run(newApp(def)), "an award in deployment runs until cancelled")

	require.Contains(t, up.failed(t, fundflow.EINSUFFICIENTCREDIT).Message, "only 120000 pence is available", "the fund's refusal reaches the lead")
	require.Empty(t, after.ChangeRequests)
	require.Equal(t, int64(7_500_000), after.Offer.AmountPence)
}
