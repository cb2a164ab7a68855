package workflows

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/partner"
)

var (
	appCFO      = fundflow.Actor{ID: "cfo", Name: "Chidi Okafor", Role: fundflow.RoleApplicant, OrgCode: "QHL"}
	appDeputy   = fundflow.Actor{ID: "deputy", Name: "Dana Deputy", Role: fundflow.RoleApplicant, OrgCode: "QHL"}
	councilAddr = "priya.shah@birmingham.gov.uk"
	council     = fundflow.Actor{ID: directory.UserID(councilAddr), Name: "Priya Shah", Role: fundflow.RoleCoApplicant}
)

// signOffFund requires sign-off, with reminders a working day and a
// working week before a close three weeks after the start.
func signOffFund() fund.Definition {
	d := appFund()
	d.ClosesAt = appStart.Add(21 * 24 * time.Hour)
	d.SignOff = fund.SignOff{Required: true}
	return d
}

// withCertifiers answers the directory's certifiers of the applicant
// organisation.
func (r *appRun) withCertifiers(cs ...fundflow.Actor) {
	var out []activities.CertifierInfo
	for _, c := range cs {
		out = append(out, activities.CertifierInfo{UserID: c.ID, Name: c.Name, Capacity: "chief_finance_officer", CapacityLabel: "Chief finance officer"})
	}
	r.env.OnActivity(acts.Certifiers, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CertifiersInput) (activities.CertifiersResult, error) {
		require.Equal(r.t, "QHL", in.OrgCode)
		return activities.CertifiersResult{Certifiers: out}, nil
	})
}

func actionNames(v *ApplicationView) []string {
	var out []string
	for _, a := range v.Actions {
		out = append(out, a.Name)
	}
	return out
}

func (r *appRun) lookAs(by fundflow.Actor) *ApplicationView {
	out := &ApplicationView{}
	r.then(func() {
		v, err := r.env.QueryWorkflow(QueryApplication, ViewQuery{Actor: &by})
		require.NoError(r.t, err)
		require.NoError(r.t, v.Get(out))
	})
	return out
}

func TestSignOffCountsAsTheSubmissionAndAChangeVoidsIt(t *testing.T) {
	def := signOffFund()
	r := newAppRun(t, def)
	r.withCertifiers(appLead, appCFO)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	sent := r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	awaiting := r.lookAs(appCFO)
	own := r.send(UpdateSignOff, SignOffRequest{Command: cmd("own", appLead), Declare: true, AnswersSHA256: "x"})
	back := r.send(UpdateSendBack, SendBackRequest{Command: cmd("back", appCFO), Reason: "Add the match funding the council agreed."})
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("fix", appLead), Patch: patchOf(t, `{"need": "High prevalence, and the council's match funding."}`)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit-2", appLead)})
	stale := r.send(UpdateSignOff, SignOffRequest{Command: cmd("stale", appCFO), Declare: true, AnswersSHA256: "0000"})
	before := r.look()
	signed := r.sendWith(UpdateSignOff, func() any {
		return SignOffRequest{Command: cmd("sign", appCFO), Declare: true, AnswersSHA256: before.SignOff.AnswersSHA256}
	})
	lodged := r.look()
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("after", appLead), Patch: patchOf(t, `{"planned_reach": 13000}`)})
	voided := r.look()
	r.run(newApp(def))

	sent.ok(t, nil)
	require.Equal(t, application.StatusAwaitingSignOff, awaiting.Status)
	require.Contains(t, actionNames(awaiting), UpdateSignOff, "the certifier is offered the sign-off")
	require.Contains(t, own.refused(t, fundflow.EFORBIDDEN).Message, "another certifier", "the one who sent it cannot sign it off")
	back.ok(t, nil)
	require.Equal(t, fundflow.ECONFLICT, stale.refused(t, fundflow.ECONFLICT).Code, "a sign-off of answers other than those standing")
	signed.ok(t, nil)
	require.Equal(t, application.StatusEligibility, lodged.Status, "signing off counts as submitting")
	require.Equal(t, SignOffSignedOff, lodged.SignOff.Status)
	require.Equal(t, appCFO.ID, lodged.SignOff.Current.By.ID)
	require.Equal(t, before.SignOff.AnswersSHA256, lodged.SignOff.Current.AnswersSHA256)
	require.Equal(t, fund.DefaultDeclaration, lodged.SignOff.Current.Declaration)
	require.Len(t, lodged.SignOff.SentBack, 1)
	require.Equal(t, []string{UpdateRegisterSubmission}, r.fund.names(), "registered once, at sign-off")

	require.Equal(t, application.StatusAwaitingSignOff, voided.Status, "a change after sign-off takes the bid back out of screening")
	require.Nil(t, voided.SignOff.Current)
	require.NotNil(t, voided.SignOff.History[0].Voided)
	require.Equal(t, SignOffAwaiting, voided.SignOff.Status)
	var actions []string
	for _, e := range voided.timelineActions(r) {
		actions = append(actions, e)
	}
	require.Subset(t, actions, []string{"sent_for_sign_off", "sent_back", "signed_off", "submitted", "sign_off_voided"})
	require.Contains(t, r.kinds(), "sign_off→"+activities.CertifiersAudience)
}

// timelineActions reads the whole timeline's actions.
func (v *ApplicationView) timelineActions(r *appRun) []string {
	page, err := r.env.QueryWorkflow(QueryTimeline, TimelineQuery{})
	require.NoError(r.t, err)
	var p TimelinePage
	require.NoError(r.t, page.Get(&p))
	var out []string
	for _, e := range p.Entries {
		out = append(out, e.Action)
	}
	return out
}

func TestSubmittingWithNoOtherCertifierIsRefused(t *testing.T) {
	def := signOffFund()
	r := newAppRun(t, def)
	r.withCertifiers(appLead)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	alone := r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	after := r.look()
	r.run(newApp(def))

	require.Error(t, alone.err)
	require.Equal(t, application.StatusDraft, after.Status, "nothing changed")
}

func TestSignOffTooLateClosesTheBid(t *testing.T) {
	def := signOffFund()
	r := newAppRun(t, def)
	r.withCertifiers(appCFO)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	awaiting := r.look()
	r.wait(22 * 24 * time.Hour)
	require.NoError(t, r.run(newApp(def)), "a bid closed unsigned ends its workflow")
	closed := r.lastView()

	require.Len(t, awaiting.SignOff.Reminders, 2, "reminders a working week and a working day before the close")
	require.True(t, awaiting.SignOff.Reminders[0].Before(def.ClosesAt))
	require.Equal(t, SignOffTooLate, closed.SignOff.Status)
	require.NotNil(t, closed.Closed)
	require.Contains(t, closed.Closed.Reason, "before a certifier signed the bid off")
	var reminders int
	for _, k := range r.kinds() {
		if k == "sign_off→"+activities.CertifiersAudience {
			reminders++
		}
	}
	require.Equal(t, 4, reminders, "asked, reminded twice, and told it came too late")
}

func TestCoApplicantEditsOnlyTheirSectionsAndNeverOverwritesAnother(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, `{"need": "First words."}`)})
	before := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("early", council), Patch: patchOf(t, `{"need": "Not yet."}`)})
	invited := r.send(UpdateInviteCoApplicant, InviteCoApplicantRequest{Command: cmd("invite", appLead), Email: councilAddr, Name: "Priya Shah", Right: application.RightEdit, Sections: []string{"delivery"}})
	twice := r.send(UpdateInviteCoApplicant, InviteCoApplicantRequest{Command: cmd("invite-2", appLead), Email: "Priya.Shah@birmingham.gov.uk", Name: "Priya Shah", Right: application.RightView})
	bad := r.send(UpdateInviteCoApplicant, InviteCoApplicantRequest{Command: cmd("bad", appLead), Email: "not-an-email", Name: "", Right: "own", Sections: []string{"nowhere"}})
	pending := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("pending", council), Patch: patchOf(t, `{"delivery_plan": "Too soon."}`)})
	accepted := r.send(UpdateAcceptInvitation, AcceptInvitationRequest{Command: cmd("accept", council)})
	asCouncil := r.lookAs(council)
	other := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("other", council), Patch: patchOf(t, `{"need": "Not my section."}`)})
	base := r.look()
	mine := r.sendWith(UpdateSaveDraft, func() any {
		return SaveDraftRequest{Command: cmd("mine", council), Patch: patchOf(t, `{"delivery_plan": "Council health visitors."}`), BaseVersion: base.Version}
	})
	clash := r.sendWith(UpdateSaveDraft, func() any {
		return SaveDraftRequest{Command: cmd("clash", appLead), Patch: patchOf(t, `{"delivery_plan": "GP referrals."}`), BaseVersion: base.Version}
	})
	submit := r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", council)})
	after := r.look()
	r.run(newApp(def))

	before.refused(t, fundflow.EFORBIDDEN)
	invited.ok(t, nil)
	require.Equal(t, "email", twice.refused(t, fundflow.EVALIDATION).Fields[0].Field, "an email already invited, in any case")
	fields := map[string]bool{}
	for _, f := range bad.refused(t, fundflow.EVALIDATION).Fields {
		fields[f.Field] = true
	}
	require.Equal(t, map[string]bool{"email": true, "name": true, "right": true, "sections[0]": true, "sections": true}, fields)
	pending.refused(t, fundflow.EFORBIDDEN)
	accepted.ok(t, nil)
	require.Contains(t, actionNames(asCouncil), UpdateSaveDraft)
	require.NotContains(t, actionNames(asCouncil), UpdateSubmit, "only the lead organisation submits")
	require.NotContains(t, actionNames(asCouncil), UpdateInviteCoApplicant)
	require.Equal(t, "need", other.refused(t, fundflow.EFORBIDDEN).Fields[0].Field)
	mine.ok(t, nil)
	e := clash.refused(t, fundflow.ECONFLICT)
	require.Equal(t, "delivery", e.Fields[0].Field)
	require.Contains(t, e.Fields[0].Message, "Priya Shah")
	submit.refused(t, fundflow.EFORBIDDEN)
	require.Equal(t, "Council health visitors.", after.Content.DeliveryPlan, "the first save stands; the second was refused, not merged over it")
	require.Equal(t, council.ID, after.Changed["delivery"].By.ID)
	require.Len(t, after.CoApplicants, 1)
	require.Equal(t, application.MemberActive, after.CoApplicants[0].Status)
}

func TestInvitationExpires(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.send(UpdateInviteCoApplicant, InviteCoApplicantRequest{Command: cmd("invite", appLead), Email: councilAddr, Name: "Priya Shah", Right: application.RightView})
	r.wait(application.InvitationLifetime + time.Hour)
	late := r.send(UpdateAcceptInvitation, AcceptInvitationRequest{Command: cmd("accept", council)})
	view := r.look()
	r.run(newApp(def))

	require.Equal(t, "invitation", late.refused(t, fundflow.EVALIDATION).Fields[0].Field)
	require.Equal(t, application.MemberExpired, view.CoApplicants[0].Status)
}

func TestPartnersKeepTheirIdsAndTheirTotalsAreChecked(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	trust := partner.Partner{Kind: partner.NHSBody, ODSCode: "RRK", Name: "University Hospitals Birmingham NHS Foundation Trust", Role: "Clinical lead", SharePence: 2_000_000}
	la := partner.Partner{Kind: partner.LocalAuthority, Name: "Birmingham City Council", Identifier: "E08000025", Role: "Public health", SharePence: 1_000_000, MatchPence: 500_000}
	set := r.send(UpdateSetPartners, SetPartnersRequest{Command: cmd("partners", appLead), Partners: []partner.Partner{trust, la}})
	first := r.look()
	again := r.sendWith(UpdateSetPartners, func() any {
		return SetPartnersRequest{Command: cmd("partners-2", appLead), Partners: []partner.Partner{first.Partners[1]}}
	})
	second := r.look()
	greedy := la
	greedy.SharePence = 9_000_000
	over := r.send(UpdateSetPartners, SetPartnersRequest{Command: cmd("over", appLead), Partners: []partner.Partner{greedy}})
	r.run(newApp(def))

	set.ok(t, nil)
	require.Equal(t, []string{"p1", "p2"}, []string{first.Partners[0].ID, first.Partners[1].ID})
	again.ok(t, nil)
	require.Equal(t, "p2", second.Partners[0].ID, "a partner sent again keeps its id")
	require.Equal(t, "partners", over.refused(t, fundflow.EVALIDATION).Fields[0].Field)
}

// lastView is the view the workflow last projected: what a run that has
// ended leaves to read.
func (r *appRun) lastView() ApplicationView {
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(r.t, r.rows)
	var v ApplicationView
	require.NoError(r.t, json.Unmarshal(r.rows[len(r.rows)-1].View, &v))
	return v
}

// sendWith is send with a request made when the step runs, from what
// earlier steps read.
func (r *appRun) sendWith(name string, req func() any) *fundOutcome {
	o := &fundOutcome{name: name}
	r.then(func() {
		r.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { o.done, o.rejected, o.err = true, true, viaFailureConverter(err) },
			OnComplete: func(v any, err error) { o.done, o.result, o.err = true, v, viaFailureConverter(err) },
		}, req())
	})
	return o
}
