package workflows

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/organisation"
)

var (
	// appStart is Wednesday 6 May 2026, 10:00 in London, clear of bank
	// holidays for a working week either side.
	appStart = time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)

	appID    = "app-1"
	appLead  = fundflow.Actor{ID: "lead", Name: "Asha Patel", Role: fundflow.RoleApplicant, OrgCode: "QHL"}
	rivalApp = fundflow.Actor{ID: "rival", Name: "Rob Rival", Role: fundflow.RoleApplicant, OrgCode: "QUY"}
	rev1     = fundflow.Actor{ID: "rev-1", Name: "Rhian One", Role: fundflow.RoleReviewer}
	rev2     = fundflow.Actor{ID: "rev-2", Name: "Ravi Two", Role: fundflow.RoleReviewer}
	rev3     = fundflow.Actor{ID: "rev-3", Name: "Rosa Three", Role: fundflow.RoleReviewer}
)

func appFund() fund.Definition { return fund.SeedDefinition(appStart) }

// quickFund times every stage in elapsed minutes, so timers fire within a
// test's simulated hour.
func quickFund() fund.Definition {
	d := appFund()
	d.SLAs = fund.SLAs{
		Eligibility: fund.MustParseDuration("PT1H"), Assessment: fund.MustParseDuration("PT1H"),
		Panel: fund.MustParseDuration("PT1H"), QueryResponse: fund.MustParseDuration("PT30M"),
	}
	d.ReminderBefore = fund.MustParseDuration("PT10M")
	return d
}

func newApp(def fund.Definition) ApplicationWorkflowInput {
	return NewApplicationInput(appID, def, appLead)
}

// fakeFund stands in for the fund workflow behind SendUpdate. It answers
// like the fund would and records every call.
type fakeFund struct {
	mu     sync.Mutex
	def    fund.Definition
	calls  []fundCall
	refuse map[string]*fundflow.Error // by Update name
	// fail counts the calls of each Update still to fail as an
	// unreachable fund would, once the activity's retries run out.
	fail    map[string]int
	earlier []string
	// conflicted reviewers, whichever organisation: the tests use one.
	conflicted []string
	// references counts the references given.
	references int64
}

type fundCall struct {
	name string
	key  string
	req  map[string]any
}

func (f *fakeFund) handle(_ context.Context, in activities.SendUpdateInput) (activities.Reply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req map[string]any
	if err := json.Unmarshal(in.Payload, &req); err != nil {
		return activities.Reply{}, err
	}
	f.calls = append(f.calls, fundCall{name: in.Delivery.UpdateName, key: in.Delivery.UpdateID, req: req})
	if f.fail[in.Delivery.UpdateName] > 0 {
		f.fail[in.Delivery.UpdateName]--
		return activities.Reply{}, temporal.NewNonRetryableApplicationError("the fund did not answer", "unreachable", nil)
	}
	if r := f.refuse[in.Delivery.UpdateName]; r != nil {
		return activities.Reply{Refusal: r}, nil
	}
	var res any = struct{}{}
	switch in.Delivery.UpdateName {
	case UpdateRegisterSubmission:
		res = RegisterSubmissionResult{EarlierLiveApplications: nonNil(f.earlier), Definition: f.def}
	case UpdateReserve:
		var r ReserveRequest
		mustDecode(in.Payload, &r)
		res = LedgerResult{Entry: fund.Entry{Seq: 1, Kind: fund.KindReserve, ApplicationID: r.ApplicationID, AmountPence: r.AmountPence, Key: r.Key}}
	case UpdateWaitlistJoin:
		res = WaitlistResult{Position: 3}
	case UpdateAssignReference:
		f.references++
		res = AssignReferenceResult{Reference: application.Reference(f.def.Prefix(), f.references)}
	case UpdateAssignReviewers:
		var r AssignReviewersRequest
		mustDecode(in.Payload, &r)
		chosen, err := application.ChooseReviewers(r.Pool, nil, append(r.Exclude, f.conflicted...), r.N)
		var refusal *fundflow.Error
		if errors.As(err, &refusal) {
			return activities.Reply{Refusal: refusal}, nil
		}
		res = AssignReviewersResult{Reviewers: chosen}
	case UpdateReviewerConflict:
		var r ReviewerConflictRequest
		mustDecode(in.Payload, &r)
		f.conflicted = append(f.conflicted, r.ReviewerID)
	}
	b, err := json.Marshal(res)
	return activities.Reply{Result: b}, err
}

func mustDecode(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
}

// names lists the Updates sent to the fund, in order, but for the one
// request for a reference every application makes first (its own test is
// TestApplicationGetsItsReferenceUnderItsFirstChange).
func (f *fakeFund) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if c.name == UpdateAssignReference {
			continue
		}
		out = append(out, c.name)
	}
	return out
}

func (f *fakeFund) call(name string) fundCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c.name == name {
			return c
		}
	}
	return fundCall{}
}

// appRun drives one ApplicationWorkflow, as fundRun does a fund: each step
// a simulated second after the last, outcomes checked after the run. The
// registry and calendar are the real ones; the fund, the reviewer list and
// the notifier are mocked.
type appRun struct {
	*fundRun
	fund *fakeFund

	mu   sync.Mutex
	pool []application.Reviewer
	// poolDown makes the reviewer list unreadable, as a directory that is
	// down would.
	poolDown bool
	notes    []activities.Notification
	rows     []application.Row
	// letters are the snapshots GenerateLetter rendered, in order.
	letters []letters.Snapshot
	// letterFailures is how many more times GenerateLetter fails, as a
	// letter store that is down would.
	letterFailures int
}

func newAppRun(t *testing.T, def fund.Definition) *appRun {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(appStart)
	orgs, err := organisation.Default()
	require.NoError(t, err)
	cal, err := calendar.Default()
	require.NoError(t, err)
	env.RegisterActivity(&activities.Activities{Orgs: orgs, Calendar: cal})
	r := &appRun{
		fundRun: &fundRun{t: t, env: env},
		fund:    &fakeFund{def: def.Defaults(), refuse: map[string]*fundflow.Error{}, fail: map[string]int{}},
		pool:    []application.Reviewer{reviewerOf(rev1), reviewerOf(rev2), reviewerOf(rev3)},
	}
	env.OnActivity(acts.SendUpdate, mock.Anything, mock.Anything).Return(r.fund.handle)
	env.OnActivity(acts.ReviewerPool, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ReviewerPoolInput) ([]application.Reviewer, error) {
		require.Equal(t, def.ID, in.FundID, "the pool of the application's own fund")
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.poolDown {
			return nil, errors.New("directory unavailable")
		}
		return slices.Clone(r.pool), nil
	})
	env.OnActivity(acts.ProjectApplication, mock.Anything, mock.Anything).Return(func(_ context.Context, row application.Row) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.rows = append(r.rows, row)
		return nil
	})
	// Letters are rendered for real, so every snapshot a workflow builds is
	// proved renderable; only the store is left out.
	env.OnActivity(acts.GenerateLetter, mock.Anything, mock.Anything).Return(func(_ context.Context, s letters.Snapshot) (letters.Record, error) {
		pdf, err := letters.Render(s)
		if err != nil {
			return letters.Record{}, temporal.NewNonRetryableApplicationError(err.Error(), "render", err)
		}
		sum := sha256.Sum256(pdf)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.letterFailures > 0 {
			r.letterFailures--
			return letters.Record{}, errors.New("the letter store is unavailable")
		}
		r.letters = append(r.letters, s)
		return letters.Record{Ref: s.Ref, Kind: s.Kind, Revision: s.Revision, IssuedAt: s.IssuedAt.UTC(), SHA256: hex.EncodeToString(sum[:]), Bytes: len(pdf)}, nil
	})
	env.OnActivity(acts.Notify, mock.Anything, mock.Anything).Return(func(_ context.Context, n activities.Notification) (activities.NotifyResult, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.notes = append(r.notes, n)
		return activities.NotifyResult{Reached: 1}, nil
	})
	return r
}

// sendAs schedules an Update with a chosen Update ID, as the fund's
// notices have.
func (r *appRun) sendAs(name, updateID string, req any) *fundOutcome {
	o := &fundOutcome{name: name}
	r.then(func() {
		r.env.UpdateWorkflow(name, updateID, &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { o.done, o.rejected, o.err = true, true, viaFailureConverter(err) },
			OnComplete: func(v any, err error) { o.done, o.result, o.err = true, v, viaFailureConverter(err) },
		}, req)
	})
	return o
}

func (r *appRun) appView() ApplicationView {
	v, err := r.env.QueryWorkflow(QueryApplication)
	require.NoError(r.t, err)
	var out ApplicationView
	require.NoError(r.t, v.Get(&out))
	return out
}

// look queries the application as the next step.
func (r *appRun) look() *ApplicationView {
	out := &ApplicationView{}
	r.then(func() { *out = r.appView() })
	return out
}

// run executes the workflow, cancelling it after the last step unless it
// has ended by itself, and returns how it ended.
func (r *appRun) run(in ApplicationWorkflowInput) error {
	// Letters are rendered for real; give a slow render time to finish,
	// so that a workflow that ends by itself once its letters are written
	// gets to.
	r.wait(letterTime)
	r.then(func() { r.env.CancelWorkflow() })
	r.env.ExecuteWorkflow(ApplicationWorkflow, in)
	require.True(r.t, r.env.IsWorkflowCompleted())
	return r.env.GetWorkflowError()
}

func (r *appRun) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.notes {
		out = append(out, string(n.Kind)+"→"+n.Audience)
	}
	return out
}

func cmd(key string, by fundflow.Actor) Command { return Command{Key: key, Actor: by} }

func patchOf(t *testing.T, body string) application.Patch {
	t.Helper()
	var p application.Patch
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	return p
}

const completeBody = `{
	"lead_contact": {"name": "Asha Patel", "email": "asha.patel@nhs.net", "role": "Head of Prevention"},
	"sro": {"name": "Dr Tom Reid", "role": "Chief Medical Officer"},
	"sro_declaration": true,
	"population_covered": 1375000,
	"deployment_routes": ["nhs_app"],
	"target_cohorts": ["hypertension"],
	"planned_reach": 12000,
	"requested_pence": 8000000,
	"need": "High prevalence of hypertension.",
	"delivery_plan": "Referral through GP practices.",
	"integration_plan": "NHS App via Patients Know Best.",
	"evaluation": "Blood pressure before and after.",
	"three_shifts": "Prevention, community, digital.",
	"ig_readiness": "DPIA drafted.",
	"dpia_status": "in_progress",
	"dtac_status": "not_started"
}`

// scoresOf scores every criterion of def with score.
func scoresOf(def fund.Definition, score int) []application.Score {
	var out []application.Score
	for _, c := range def.Criteria {
		out = append(out, application.Score{CriterionID: c.ID, Score: score, Justification: "Clear evidence given in the plan for " + c.ID})
	}
	return out
}

func assessmentBy(key string, by fundflow.Actor, def fund.Definition, score int) SubmitAssessmentRequest {
	return SubmitAssessmentRequest{Command: cmd(key, by), Scores: scoresOf(def, score), Feedback: "A strong, well-evidenced plan.", InternalComment: "Score " + fmt.Sprint(score)}
}

// toPanel takes an application from a complete draft to the panel stage,
// rev-1 and rev-2 scoring 4 and 3.
func toPanel(t *testing.T, r *appRun, def fund.Definition) {
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev3), Decision: application.Pass, Reason: "Meets every rule."})
	r.send(UpdateSubmitAssessment, assessmentBy("score-1", rev1, def, 4))
	r.send(UpdateSubmitAssessment, assessmentBy("score-2", rev2, def, 3))
}

// timeline queries the timeline as the next step.
func (r *appRun) timeline(q TimelineQuery) *TimelinePage {
	out := &TimelinePage{}
	r.then(func() {
		v, err := r.env.QueryWorkflow(QueryTimeline, q)
		require.NoError(r.t, err)
		require.NoError(r.t, v.Get(out))
	})
	return out
}

func actions(tl []application.Entry) []string {
	var out []string
	for _, e := range tl {
		out = append(out, e.Action)
	}
	return out
}

func TestApplicationLifecycle(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	first := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft-1", appLead), Patch: patchOf(t, `{"need": "Hypertension is common.", "planned_reach": 9000}`)})
	draft := r.look()
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft-2", appLead), Patch: patchOf(t, completeBody)})
	submit := r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	screening := r.look()
	elig := r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev3), Decision: application.Pass, Reason: "Meets every rule."})
	assessing := r.look()
	r.send(UpdateSubmitAssessment, assessmentBy("score-1", rev1, def, 2))
	r.send(UpdateSubmitAssessment, assessmentBy("score-1b", rev1, def, 4)) // rescored before the stage closed
	last := r.send(UpdateSubmitAssessment, assessmentBy("score-2", rev2, def, 3))
	atPanel := r.look()
	decide := r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 7_500_000,
		Conditions: []string{"DPIA signed off before go-live"}, Feedback: "Well made case."})
	offered := r.look()
	tl := r.timeline(TimelineQuery{})
	page := r.timeline(TimelineQuery{AfterSeq: 2, Limit: 3})
	require.True(t, r.run(newApp(def)) != nil, "an offered application waits for the next step until cancelled")

	var o Outcome
	first.ok(t, &o)
	require.Equal(t, application.StatusDraft, o.Status)
	require.Equal(t, "Hypertension is common.", draft.Content.Need)
	require.Equal(t, "QHL", draft.Content.OrgCode, "the organisation comes from the token")
	require.Equal(t, "Draft", draft.StatusLabel)

	submit.ok(t, &o)
	require.Equal(t, application.StatusEligibility, o.Status)
	require.Equal(t, application.StatusEligibility, screening.Status)
	require.Equal(t, "Application received", screening.ApplicantStatusLabel)
	require.Equal(t, application.Pass, screening.Eligibility.Automatic)
	require.Len(t, screening.Eligibility.Checks, 7)
	submitted := screening.SubmittedAt
	// Five working days in England: Thu, Fri, Mon, Tue, Wed.
	require.Equal(t, application.StatusEligibility, screening.Deadlines.Stage)
	require.Equal(t, submitted.AddDate(0, 0, 7), screening.Deadlines.StageDueAt)
	require.Equal(t, submitted.AddDate(0, 0, 5), screening.Deadlines.ReminderAt, "two calendar days before")

	elig.ok(t, &o)
	require.Equal(t, application.StatusAssessment, o.Status)
	require.Equal(t, []application.Reviewer{reviewerOf(rev1), reviewerOf(rev2)}, o.Reviewers, "rev-3 decided eligibility; the first two by id are assigned")
	require.Equal(t, o.Reviewers, assessing.Reviewers)
	require.False(t, assessing.Eligibility.Decision.Overrides)
	require.Equal(t, rev3, assessing.Eligibility.Decision.By)

	last.ok(t, &o)
	require.Equal(t, application.StatusPanel, o.Status)
	require.Equal(t, application.StatusPanel, atPanel.Status)
	require.Equal(t, 350, *atPanel.WeightedScore, "(4.00 + 3.00) / 2, the rescore counting instead of the first")
	require.Len(t, atPanel.Panel.Assessments, 3, "rescoring keeps history")
	require.Equal(t, "Score 2", atPanel.Panel.Assessments[0].InternalComment, "internal comments are in the staff view")
	require.Equal(t, application.StatusPanel, atPanel.Deadlines.Stage)

	decide.ok(t, &o)
	require.Equal(t, application.StatusOffered, o.Status)
	require.Equal(t, application.StatusOffered, offered.Status)
	require.Equal(t, int64(7_500_000), offered.AwardedPence)
	require.Equal(t, []string{"DPIA signed off before go-live"}, offered.Offer.Conditions)
	require.Equal(t, application.StatusOffered, offered.Decision.Status)
	require.Empty(t, offered.Deadlines.Stage, "no stage clock runs once decided")
	require.False(t, offered.Final)

	require.Equal(t, []string{
		"created", "draft_saved", "draft_saved", "submitted", "eligibility_checked", "found_eligible", "reviewers_assigned",
		"assessment_submitted", "assessment_revised", "assessment_submitted", "assessments_complete", "approved", "letter_issued",
	}, actions(tl.Entries))
	require.Zero(t, tl.NextAfterSeq)
	entries := tl.Entries
	require.Equal(t, "Asha Patel", entries[1].Actor)
	require.Equal(t, "changed: planned_reach, need", entries[1].Detail)
	require.Equal(t, fundflow.RolePanelChair, entries[len(entries)-2].Role)
	require.Equal(t, "offered £75,000.00", entries[len(entries)-2].Detail)
	require.Equal(t, fundflow.RoleSystem, entries[4].Role, "the automatic checks are the engine's")
	require.Equal(t, []int{3, 4, 5}, []int{page.Entries[0].Seq, page.Entries[1].Seq, page.Entries[2].Seq})
	require.Equal(t, 5, page.NextAfterSeq)

	require.Equal(t, []string{UpdateRegisterSubmission, UpdateAssignReviewers, UpdateReleaseReviewers, UpdateReserve}, r.fund.names())
	reg := r.fund.call(UpdateRegisterSubmission)
	require.Equal(t, "application:app-1:2:register_submission", reg.key, "the first call to the fund asked for the reference")
	require.Equal(t, map[string]any{"id": appLead.ID, "name": appLead.Name, "role": "applicant", "org_code": "QHL"}, reg.req["actor"])
	require.Equal(t, float64(7_500_000), r.fund.call(UpdateReserve).req["amount_pence"])

	require.Equal(t, []string{
		"received→applicant", "received→reviewer",
		"reviewer_assigned→reviewer:rev-1", "reviewer_assigned→reviewer:rev-2",
		"assessments_complete→panel_chair", "decision→applicant",
	}, r.kinds())
	for i, n := range offered.Notifications {
		require.True(t, n.Delivered, "%s", n.Key)
		require.Equal(t, fmt.Sprintf("application:%s:%s:%d", appID, n.Kind, i+1), n.Key)
	}
	require.Greater(t, offered.Version, atPanel.Version)
	require.Greater(t, atPanel.Version, assessing.Version)
}

// refusedWith asserts an Update was refused with code, by its validator or
// by its handler (a refusal only the fund's answer reveals).
func refusedWith(t *testing.T, o *fundOutcome, code fundflow.Code) *fundflow.Error {
	t.Helper()
	require.True(t, o.done, "%s never completed", o.name)
	var e *fundflow.Error
	require.True(t, errors.As(temporalerr.Decode(o.err), &e), "%s: %v carries no fundflow code", o.name, o.err)
	require.Equal(t, code, e.Code, "%s: %v", o.name, e)
	return e
}

func fieldsOf(e *fundflow.Error) []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestApplicationRefusals(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	type refusal struct {
		o      *fundOutcome
		code   fundflow.Code
		fields []string
	}
	var want []refusal
	expect := func(code fundflow.Code, fields []string, name string, req any) {
		want = append(want, refusal{r.send(name, req), code, fields})
	}
	score := func(key string, by fundflow.Actor) SubmitAssessmentRequest { return assessmentBy(key, by, def, 4) }

	// In draft.
	expect(fundflow.EFORBIDDEN, nil, UpdateSaveDraft, SaveDraftRequest{Command: cmd("x1", rivalApp), Patch: patchOf(t, `{"need": "ours now"}`)})
	expect(fundflow.EFORBIDDEN, nil, UpdateSaveDraft, SaveDraftRequest{Command: cmd("x2", rev1), Patch: patchOf(t, `{"need": "x"}`)})
	expect(fundflow.EVALIDATION, []string{"lead_contact.email", "requested_pence"}, UpdateSaveDraft,
		SaveDraftRequest{Command: cmd("x3", appLead), Patch: patchOf(t, `{"lead_contact": {"email": "not an address"}, "requested_pence": 9000000}`)})
	expect(fundflow.EVALIDATION, []string{"key"}, UpdateSaveDraft, SaveDraftRequest{Command: cmd("", appLead)})
	expect(fundflow.EINVALIDSTATE, nil, UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("x4", rev1), Decision: application.Pass, Reason: "fine"})
	expect(fundflow.EINVALIDSTATE, nil, UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("x5", rev1), Question: "Why?"})
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, `{"need": "Hypertension is common."}`)})
	incomplete := r.send(UpdateSubmit, SubmitRequest{Command: cmd("x6", appLead)})
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft-2", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})

	// In eligibility.
	expect(fundflow.EINVALIDSTATE, nil, UpdateSaveDraft, SaveDraftRequest{Command: cmd("x7", appLead), Patch: patchOf(t, `{"need": "late"}`)})
	expect(fundflow.EINVALIDSTATE, nil, UpdateSubmit, SubmitRequest{Command: cmd("x8", appLead)})
	expect(fundflow.EFORBIDDEN, nil, UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("x9", fundChair), Decision: application.Pass, Reason: "fine"})
	expect(fundflow.EVALIDATION, []string{"decision", "reason"}, UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("x10", rev1), Decision: application.PassWithCaveats})
	expect(fundflow.EINVALIDSTATE, nil, UpdateSubmitAssessment, score("x11", rev1))
	expect(fundflow.EINVALIDSTATE, nil, UpdatePanelDecision, PanelDecisionRequest{Command: cmd("x12", fundChair), Outcome: OutcomeReject, Feedback: "no"})
	expect(fundflow.EFORBIDDEN, nil, UpdateWithdraw, WithdrawRequest{Command: cmd("x13", rivalApp), Reason: "not ours"})
	expect(fundflow.EVALIDATION, []string{"reason"}, UpdateWithdraw, WithdrawRequest{Command: cmd("x14", appLead)})
	expect(fundflow.EFORBIDDEN, nil, UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("x15", appLead), Question: "Self?"})
	expect(fundflow.EVALIDATION, []string{"respond_within"}, UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("x16", rev1), Question: "Why?", RespondWithin: fund.MustParseDuration("P13W")})
	expect(fundflow.EINVALIDSTATE, nil, UpdateCreditReserved, CreditReservedRequest{FundID: def.ID, ApplicationID: appID, AmountPence: 1})
	expect(fundflow.EINVALIDSTATE, nil, UpdateFundFinished, FundFinishedRequest{FundID: def.ID, ApplicationID: appID})
	expect(fundflow.EIDEMPOTENCYREUSED, nil, UpdateWithdraw, WithdrawRequest{Command: cmd("submit", appLead), Reason: "same key, another request"})
	// rev-3 declares a conflict before any assignment, so is never picked.
	r.send(UpdateDeclareConflict, DeclareConflictRequest{Command: cmd("c3", rev3), HasConflict: true, Note: "I used to work there."})
	expect(fundflow.EFORBIDDEN, nil, UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("x17", rev3), Decision: application.Pass, Reason: "fine"})
	expect(fundflow.EINVALIDSTATE, nil, UpdateDeclareConflict, DeclareConflictRequest{Command: cmd("x18", rev3), HasConflict: false})
	r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev1), Decision: application.Pass, Reason: "Meets every rule."})

	// In assessment, rev-1 and rev-2 assigned.
	r.pool = append(r.pool, application.Reviewer{ID: "rev-4", Name: "Ria Four"})
	expect(fundflow.EFORBIDDEN, nil, UpdateSubmitAssessment, score("x19", fundflow.Actor{ID: "rev-4", Name: "Ria Four", Role: fundflow.RoleReviewer}))
	expect(fundflow.EFORBIDDEN, nil, UpdateSubmitAssessment, score("x20", rev3))
	expect(fundflow.EFORBIDDEN, nil, UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("x21", fundflow.Actor{ID: "rev-4", Name: "Ria Four", Role: fundflow.RoleReviewer}), Question: "Why?"})
	expect(fundflow.EVALIDATION, []string{"scores[0].justification", "feedback"}, UpdateSubmitAssessment, SubmitAssessmentRequest{Command: cmd("x22", rev1),
		Scores: append([]application.Score{{CriterionID: def.Criteria[0].ID, Score: 4, Justification: "short"}}, scoresOf(def, 4)[1:]...)})
	expect(fundflow.EFORBIDDEN, nil, UpdateSubmitAssessment, score("x23", appLead))
	r.send(UpdateSubmitAssessment, score("s1", rev1))
	r.send(UpdateSubmitAssessment, score("s2", rev2))

	// At panel.
	expect(fundflow.EINVALIDSTATE, nil, UpdateDeclareConflict, DeclareConflictRequest{Command: cmd("x24", rev1), HasConflict: true})
	expect(fundflow.EFORBIDDEN, nil, UpdatePanelDecision, PanelDecisionRequest{Command: cmd("x25", rev1), Outcome: OutcomeReject, Feedback: "no"})
	expect(fundflow.EVALIDATION, []string{"amount_pence"}, UpdatePanelDecision, PanelDecisionRequest{Command: cmd("x26", fundChair), Outcome: OutcomeApprove})
	expect(fundflow.EVALIDATION, []string{"amount_pence"}, UpdatePanelDecision, PanelDecisionRequest{Command: cmd("x27", fundChair), Outcome: OutcomeApprove, AmountPence: 8_000_001})
	expect(fundflow.EVALIDATION, []string{"feedback"}, UpdatePanelDecision, PanelDecisionRequest{Command: cmd("x28", fundChair), Outcome: OutcomeReject})
	expect(fundflow.EVALIDATION, []string{"outcome"}, UpdatePanelDecision, PanelDecisionRequest{Command: cmd("x29", fundChair), Outcome: "maybe"})
	expect(fundflow.EVALIDATION, []string{"conditions[0]"}, UpdatePanelDecision, PanelDecisionRequest{Command: cmd("x30", fundChair), Outcome: OutcomeApprove, AmountPence: 1, Conditions: []string{" "}})
	after := r.look()
	require.Error(t, r.run(newApp(def)), "cancelled")

	e := refusedWith(t, incomplete, fundflow.EVALIDATION)
	require.Contains(t, fieldsOf(e), "lead_contact.name", "every missing field is reported")
	require.Contains(t, fieldsOf(e), "sro_declaration")
	for _, w := range want {
		e := w.o.refused(t, w.code)
		for _, f := range w.fields {
			require.Contains(t, fieldsOf(e), f, "%s", w.o.name)
		}
	}
	require.Equal(t, application.StatusPanel, after.Status, "no refusal changed anything")
	require.NotContains(t, after.Reviewers, application.Reviewer{ID: "rev-3", Name: "Rosa Three"})
	require.Equal(t, []string{UpdateRegisterSubmission, UpdateReviewerConflict, UpdateAssignReviewers, UpdateReleaseReviewers}, r.fund.names())
}

func TestApplicationIdempotentRetries(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	draft := SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)}
	submit := SubmitRequest{Command: cmd("submit", appLead)}
	d1 := r.send(UpdateSaveDraft, draft)
	s1 := r.send(UpdateSubmit, submit)
	s2 := r.send(UpdateSubmit, submit)
	d2 := r.send(UpdateSaveDraft, draft)
	other := r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", rivalApp)})
	tl := r.timeline(TimelineQuery{})
	require.Error(t, r.run(newApp(def)))

	var first, again Outcome
	s1.ok(t, &first)
	s2.ok(t, &again)
	require.Equal(t, first, again, "the same key gets the original outcome")
	require.Equal(t, application.StatusEligibility, again.Status)
	d1.ok(t, &first)
	d2.ok(t, &again)
	require.Equal(t, first, again)
	require.Equal(t, application.StatusDraft, again.Status, "even though the application has moved on")
	other.refused(t, fundflow.EIDEMPOTENCYREUSED)
	require.Equal(t, []string{UpdateRegisterSubmission}, r.fund.names(), "registered once")
	require.Equal(t, []string{"created", "draft_saved", "submitted", "eligibility_checked"}, actions(tl.Entries))
}

func TestApplicationSubmitToAClosedFund(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.fund.refuse[UpdateRegisterSubmission] = fundflow.Errorf(fundflow.EINVALIDSTATE, "the fund closed for submissions at 2026-05-01T16:00:00Z")
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	submit := r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	after := r.look()
	require.Error(t, r.run(newApp(def)))

	e := refusedWith(t, submit, fundflow.EINVALIDSTATE)
	require.Equal(t, "the fund is not accepting this submission: the fund closed for submissions at 2026-05-01T16:00:00Z", e.Message)
	require.Equal(t, application.StatusDraft, after.Status)
	require.Nil(t, after.Eligibility)
	require.Zero(t, after.SubmittedAt)
}

func TestApplicationIneligible(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.fund.earlier = []string{"app-0"} // the organisation already has a live application
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	screening := r.look()
	fail := r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev1), Decision: application.Fail, Reason: "Another live application."})
	require.NoError(t, r.run(newApp(def)), "an ineligible application's workflow completes")
	final := r.appView()

	require.Equal(t, application.Fail, screening.Eligibility.Automatic)
	var o Outcome
	fail.ok(t, &o)
	require.Equal(t, application.StatusIneligible, o.Status)
	require.True(t, final.Final)
	require.False(t, final.Eligibility.Decision.Overrides)
	require.Empty(t, final.Deadlines.Stage)
	require.Equal(t, []string{UpdateRegisterSubmission, UpdateRetireSubmission}, r.fund.names())
	require.Contains(t, r.kinds(), "decision→applicant")
}

func TestApplicationApprovalOnAFullFundIsWaitlisted(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.fund.refuse[UpdateReserve] = fundflow.Errorf(fundflow.EAWARDLIMIT, "all 4 awards of this fund are taken")
	toPanel(t, r, def)
	decide := r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 6_000_000, Feedback: "Good."})
	waiting := r.look()
	require.Error(t, r.run(newApp(def)), "a waitlisted application waits for credit")

	var o Outcome
	decide.ok(t, &o)
	require.Equal(t, application.StatusWaitlisted, o.Status)
	require.Equal(t, "all 4 awards of this fund are taken", o.Reason, "the outcome says why")
	require.Equal(t, application.StatusWaitlisted, waiting.Decision.Status)
	require.Equal(t, OutcomeApprove, waiting.Decision.Outcome)
	require.Nil(t, waiting.Offer)
	join := r.fund.call(UpdateWaitlistJoin)
	require.Equal(t, float64(6_000_000), join.req["amount_pence"])
	require.Equal(t, float64(350), join.req["rank_score"], "ranked by the weighted score")
}

func TestApplicationRejected(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	decide := r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeReject, Feedback: "The evaluation plan lacks baselines."})
	require.NoError(t, r.run(newApp(def)))
	final := r.appView()
	var o Outcome
	decide.ok(t, &o)
	require.Equal(t, application.StatusRejected, o.Status)
	require.Equal(t, "The evaluation plan lacks baselines.", final.Decision.Feedback)
	require.Equal(t, UpdateRetireSubmission, r.fund.names()[len(r.fund.names())-1])

	// The read model saw every change in order and ends on the final state.
	last := r.rows[len(r.rows)-1]
	require.Equal(t, string(application.StatusRejected), last.Status)
	require.Equal(t, final.Version, last.Version)
	require.True(t, slices.IsSortedFunc(r.rows, func(a, b application.Row) int { return cmp.Compare(a.Version, b.Version) }))
}

func TestApplicationWithdrawReleasesCredit(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 8_000_000})
	withdraw := r.send(UpdateWithdraw, WithdrawRequest{Command: cmd("withdraw", appLead), Reason: "Our board paused the programme."})
	require.NoError(t, r.run(newApp(def)))
	final := r.appView()

	var o Outcome
	withdraw.ok(t, &o)
	require.Equal(t, application.StatusWithdrawn, o.Status)
	names := r.fund.names()
	require.Equal(t, []string{UpdateRelease, UpdateRetireSubmission}, names[len(names)-2:])
	require.Equal(t, "the application was withdrawn", r.fund.call(UpdateRelease).req["reason"])
	require.Zero(t, final.AwardedPence)
	require.NotZero(t, final.Offer.ReleasedAt)
	require.True(t, final.Final)
}

func TestApplicationWithdrawFromTheWaitlistAndFromDraft(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeWaitlist})
	r.send(UpdateWithdraw, WithdrawRequest{Command: cmd("withdraw", appLead), Reason: "Found other funding."})
	require.NoError(t, r.run(newApp(def)))
	names := r.fund.names()
	require.Equal(t, []string{UpdateWaitlistJoin, UpdateWaitlistLeave, UpdateRetireSubmission}, names[len(names)-3:])
	require.Equal(t, float64(8_000_000), r.fund.call(UpdateWaitlistJoin).req["amount_pence"], "waitlisted for the amount requested")

	d := newAppRun(t, def)
	d.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, `{"need": "x"}`)})
	w := d.send(UpdateWithdraw, WithdrawRequest{Command: cmd("withdraw", appLead), Reason: "Started again."})
	require.NoError(t, d.run(newApp(def)))
	w.ok(t, nil)
	require.Empty(t, d.fund.names(), "a draft was never registered")
}

func TestApplicationCreditFromTheWaitlist(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeWaitlist, AmountPence: 5_000_000, Conditions: []string{"Start in Q3"}})
	notice := CreditReservedRequest{FundID: def.ID, ApplicationID: appID, AmountPence: 5_000_000}
	misaddressed := r.sendAs(UpdateCreditReserved, "credit_reserved:other:1", CreditReservedRequest{FundID: "other", ApplicationID: appID, AmountPence: 1})
	got := r.sendAs(UpdateCreditReserved, "credit_reserved:"+def.ID+":9", notice)
	again := r.sendAs(UpdateCreditReserved, "credit_reserved:"+def.ID+":9", notice)
	another := r.sendAs(UpdateCreditReserved, "credit_reserved:"+def.ID+":12", notice)
	offered := r.look()
	require.Error(t, r.run(newApp(def)))

	misaddressed.refused(t, fundflow.EINVALIDSTATE)
	got.ok(t, nil)
	again.ok(t, nil)
	another.refused(t, fundflow.EINVALIDSTATE)
	require.Equal(t, application.StatusOffered, offered.Status)
	require.Equal(t, &Offer{AmountPence: 5_000_000, Conditions: []string{"Start in Q3"}, ReservedAt: offered.Offer.ReservedAt, Via: "credit_reserved:" + def.ID + ":9",
		AcceptBy: offered.Offer.ReservedAt.AddDate(0, 0, 14), Letter: LetterRef("PIF-0001", appID, letters.KindOffer, 1)}, offered.Offer, "the acceptance window runs from the promotion")
	require.Equal(t, int64(5_000_000), offered.AwardedPence)
}

func TestApplicationFundFinishedWhileWaitlisted(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeWaitlist})
	done := r.sendAs(UpdateFundFinished, "fund_finished:"+def.ID+":0", FundFinishedRequest{FundID: def.ID, ApplicationID: appID})
	require.NoError(t, r.run(newApp(def)), "nothing more can happen, so the workflow completes")
	done.ok(t, nil)
	final := r.appView()
	require.Equal(t, application.StatusWaitlisted, final.Status, "the lifecycle has no move from waitlisted to rejected")
	require.True(t, final.Final)
	require.Equal(t, "the fund finished without credit becoming available for this application", final.Closed.Reason)
	require.Contains(t, r.kinds(), "decision→applicant")
}

// published records every search-attribute upsert as status@due, due being
// "-" when unset.
func (r *appRun) published() *[]string {
	var got []string
	var mu sync.Mutex
	r.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		status, _ := sa.GetKeyword(SearchAppStatus)
		due := "-"
		if t, ok := sa.GetTime(SearchStageDueAt); ok {
			due = t.UTC().Format("15:04:05")
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, status+"@"+due)
	}).Return(nil)
	return &got
}

func entry(t *testing.T, tl []application.Entry, action string) application.Entry {
	t.Helper()
	i := slices.IndexFunc(tl, func(e application.Entry) bool { return e.Action == action })
	require.GreaterOrEqual(t, i, 0, "no %s in %v", action, actions(tl))
	return tl[i]
}

func TestApplicationStageReminderAndEscalation(t *testing.T) {
	def := quickFund()
	r := newAppRun(t, def)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	r.wait(2 * time.Hour)
	after := r.look()
	tl := r.timeline(TimelineQuery{})
	require.Error(t, r.run(newApp(def)))

	submitted := after.SubmittedAt
	remind := entry(t, tl.Entries, "sla_reminder")
	require.Equal(t, submitted.Add(50*time.Minute), remind.At, "ten minutes before the hour's SLA")
	require.Equal(t, fundflow.RoleSystem, remind.Role)
	escalate := entry(t, tl.Entries, "sla_escalated")
	require.Equal(t, submitted.Add(time.Hour), escalate.At)
	require.Equal(t, []string{"received→applicant", "received→reviewer", "sla_reminder→reviewer", "sla_escalation→programme_manager"}, r.kinds(),
		"each sent once, though the application sat overdue for another hour")
	require.Equal(t, submitted.Add(time.Hour), after.Deadlines.StageDueAt, "an overdue stage keeps its due time")
}

func TestApplicationAssessmentReminderGoesToWhoeverHasNotScored(t *testing.T) {
	def := quickFund()
	r := newAppRun(t, def)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev3), Decision: application.Pass, Reason: "Fine."})
	r.send(UpdateSubmitAssessment, assessmentBy("s1", rev1, def, 4))
	r.wait(55 * time.Minute)
	require.Error(t, r.run(newApp(def)))
	require.Contains(t, r.kinds(), "sla_reminder→reviewer:rev-2")
	require.NotContains(t, r.kinds(), "sla_reminder→reviewer:rev-1")
}

// TestDraftSavesCostNoRoundTrips starts an application as the API does,
// with its search attributes, and saves it twice: the rows are written by
// local activities inside the workflow tasks that changed the state, and
// nothing is upserted until the status moves, so a draft costs the server
// no activity tasks and no visibility writes of its own.
func TestDraftSavesCostNoRoundTrips(t *testing.T) {
	def := quickFund()
	r := newAppRun(t, def)
	require.NoError(t, r.env.SetTypedSearchAttributesOnStart(StartApplicationOptions(appID, def.ID, appLead.OrgCode).TypedSearchAttributes))
	published := r.published()
	var local, remote []string
	r.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		local = append(local, info.ActivityType.Name)
	})
	r.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		remote = append(remote, info.ActivityType.Name)
	})
	first := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	second := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft-again", appLead), Patch: patchOf(t, `{"need":"Rather more need."}`)})
	submit := r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	require.Error(t, r.run(newApp(def)))

	first.ok(t, nil)
	second.ok(t, nil)
	submit.ok(t, nil)
	projected := slices.DeleteFunc(local, func(name string) bool { return name != "ProjectApplication" })
	require.Len(t, projected, len(r.rows), "every row written in the worker")
	require.GreaterOrEqual(t, len(r.rows), 4, "created, two saves and the submission")
	require.NotContains(t, remote, "ProjectApplication")
	require.Equal(t, []string{"eligibility@10:00:03"}, *published, "the draft's attributes are the ones it started with")
}

func TestApplicationQueriesPauseTheStage(t *testing.T) {
	def := quickFund()
	r := newAppRun(t, def)
	published := r.published()
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)}) // at 09:00:01
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})                                       // 09:00:02, due 10:00:02
	raise := r.send(UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("q", rev1), Question: "How many GP practices have signed up?",
		RespondWithin: fund.MustParseDuration("PT20M")}) // 09:00:03
	paused := r.look()
	second := r.send(UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("q-again", fundChair), Question: "And another?"})
	early := r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("early", rev1), Decision: application.Pass, Reason: "Fine."})
	r.wait(30 * time.Minute) // q1 expires at 09:20:03
	expired := r.look()
	raise2 := r.send(UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("q2", fundChair), Question: "Who signs off the DPIA?"}) // 09:30:07
	r.wait(10 * time.Minute)
	wrongID := r.send(UpdateAnswerQuery, AnswerQueryRequest{Command: cmd("a0", appLead), QueryID: "q9", Answer: "Our Caldicott guardian."})
	rival := r.send(UpdateAnswerQuery, AnswerQueryRequest{Command: cmd("a1", rivalApp), QueryID: "q2", Answer: "Not ours."})
	answer := r.send(UpdateAnswerQuery, AnswerQueryRequest{Command: cmd("a2", appLead), QueryID: "q2", Answer: "Our Caldicott guardian."}) // 09:40:10
	answered := r.look()
	require.Error(t, r.run(newApp(def)))

	var o Outcome
	raise.ok(t, &o)
	require.Equal(t, application.StatusInformationRequested, o.Status)
	require.Equal(t, "q1", o.QueryID)
	q1At := appStart.Add(3 * time.Second)
	require.Equal(t, q1At.Add(20*time.Minute), o.RespondBy)
	require.Equal(t, application.StatusInformationRequested, paused.Status)
	require.Equal(t, "Further information requested", paused.ApplicantStatusLabel)
	require.Equal(t, Deadlines{Stage: application.StatusEligibility, QueryRespondBy: o.RespondBy}, paused.Deadlines, "no stage due time while paused")
	second.refused(t, fundflow.EINVALIDSTATE)
	early.refused(t, fundflow.EINVALIDSTATE)

	submitted := appStart.Add(2 * time.Second)
	require.Equal(t, application.StatusEligibility, expired.Status)
	require.Equal(t, application.QueryExpired, expired.Queries[0].Outcome)
	require.Equal(t, submitted.Add(time.Hour+20*time.Minute), expired.Deadlines.StageDueAt, "the twenty paused minutes are given back")

	raise2.ok(t, &o)
	require.Equal(t, "q2", o.QueryID)
	require.Equal(t, appStart.Add(30*time.Minute+8*time.Second).Add(30*time.Minute), o.RespondBy, "the fund's query_response SLA by default")
	wrongID.refused(t, fundflow.ENOTFOUND)
	rival.refused(t, fundflow.EFORBIDDEN)
	answer.ok(t, &o)
	require.Equal(t, application.StatusEligibility, o.Status)
	require.Equal(t, application.QueryAnswered, answered.Queries[1].Outcome)
	require.Equal(t, appLead, answered.Queries[1].AnsweredBy)
	require.Equal(t, expired.Deadlines.StageDueAt.Add(answered.Queries[1].AnsweredAt.Sub(answered.Queries[1].AskedAt)), answered.Deadlines.StageDueAt)
	require.Zero(t, answered.Deadlines.QueryRespondBy)

	require.Equal(t, []string{
		"received→applicant", "received→reviewer",
		"query_raised→applicant", "query_expired→reviewer:rev-1",
		"query_raised→applicant", "query_answered→panel_chair",
	}, r.kinds())
	require.Equal(t, []string{
		"draft@-", "eligibility@10:00:02", "information_requested@-", "eligibility@10:20:02",
		"information_requested@-", "eligibility@" + answered.Deadlines.StageDueAt.Format("15:04:05"),
	}, *published, "AppStatus and StageDueAt follow every change")
}

func TestApplicationConflictReplacesTheReviewer(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev3), Decision: application.Pass, Reason: "Fine."})
	r.send(UpdateSubmitAssessment, assessmentBy("s1", rev1, def, 4))
	none := r.send(UpdateDeclareConflict, DeclareConflictRequest{Command: cmd("c1", rev1), HasConflict: false})
	conflict := r.send(UpdateDeclareConflict, DeclareConflictRequest{Command: cmd("c2", rev2), HasConflict: true, Note: "My spouse leads the bid."})
	again := r.send(UpdateDeclareConflict, DeclareConflictRequest{Command: cmd("c2b", rev2), HasConflict: true})
	stoodDown := r.send(UpdateSubmitAssessment, assessmentBy("s2", rev2, def, 1))
	r.send(UpdateSubmitAssessment, assessmentBy("s3", rev3, def, 2))
	final := r.look()
	tl := r.timeline(TimelineQuery{})
	require.Error(t, r.run(newApp(def)))

	none.ok(t, nil)
	var o Outcome
	conflict.ok(t, &o)
	require.Equal(t, []application.Reviewer{reviewerOf(rev3)}, o.Reviewers, "rev-3, the only one left, replaces rev-2")
	again.refused(t, fundflow.EINVALIDSTATE) // a conflict on record is not declared twice
	stoodDown.refused(t, fundflow.EFORBIDDEN)
	require.Equal(t, application.StatusPanel, final.Status)
	require.Equal(t, 300, *final.WeightedScore, "rev-1's 4 and rev-3's 2")
	require.Equal(t, []application.Reviewer{reviewerOf(rev1), reviewerOf(rev3)}, final.Reviewers)
	require.Len(t, final.Panel.Conflicts, 1)
	require.Equal(t, "My spouse leads the bid.", final.Panel.Conflicts[0].Note)
	c := r.fund.call(UpdateReviewerConflict)
	require.Equal(t, "rev-2", c.req["reviewer_id"])
	require.Equal(t, "QHL", c.req["org_code"], "recorded against the organisation")
	require.Equal(t, []string{UpdateRegisterSubmission, UpdateAssignReviewers, UpdateReviewerConflict, UpdateAssignReviewers, UpdateReleaseReviewers}, r.fund.names())
	require.Equal(t, "stood down from this application", entry(t, tl.Entries, "conflict_declared").Detail)
	require.Equal(t, "Rhian One", entry(t, tl.Entries, "no_conflict_declared").Actor)
	require.Contains(t, r.kinds(), "reviewer_assigned→reviewer:rev-3")
}

func TestApplicationShortOfReviewersTriesAgain(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.pool = []application.Reviewer{reviewerOf(rev1)}
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	elig := r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev3), Decision: application.Pass, Reason: "Fine."})
	short := r.look()
	r.wait(90 * time.Minute) // one retry, still short
	r.then(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.pool = []application.Reviewer{reviewerOf(rev1), reviewerOf(rev2)}
	})
	r.wait(time.Hour)
	staffed := r.look()
	tl := r.timeline(TimelineQuery{})
	require.Error(t, r.run(newApp(def)))

	var o Outcome
	elig.ok(t, &o)
	require.Equal(t, application.StatusAssessment, o.Status, "the decision stands though nobody is free")
	require.Empty(t, o.Reviewers)
	require.Empty(t, short.Reviewers)
	require.Equal(t, []application.Reviewer{reviewerOf(rev1), reviewerOf(rev2)}, staffed.Reviewers)
	require.Equal(t, []string{"reviewers_short"}, slices.DeleteFunc(actions(tl.Entries), func(a string) bool { return a != "reviewers_short" }),
		"the shortfall is recorded once")
	assigned := entry(t, tl.Entries, "reviewers_assigned")
	require.Equal(t, fundflow.RoleSystem, assigned.Role)
	require.Equal(t, "Rhian One, Ravi Two", assigned.Detail)
	require.Contains(t, r.kinds(), "reviewers_needed→admin")
	require.Equal(t, []string{UpdateRegisterSubmission, UpdateAssignReviewers, UpdateAssignReviewers, UpdateAssignReviewers}, r.fund.names(),
		"refused at the decision and an hour later; the pool had grown by the second retry")
}

// An unreadable reviewer list is an outage, not a shortage: the application
// tries again within minutes, tells no admin, and a real shortage found
// afterwards is still recorded.
func TestApplicationRetriesUnreadableReviewerListSoon(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.poolDown = true
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev3), Decision: application.Pass, Reason: "Fine."})
	r.wait(90 * time.Second) // longer than the activity keeps trying
	down := r.look()
	r.then(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.poolDown, r.pool = false, []application.Reviewer{reviewerOf(rev1)}
	})
	r.wait(5 * time.Minute)
	short := r.look()
	r.then(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.pool = []application.Reviewer{reviewerOf(rev1), reviewerOf(rev2)}
	})
	r.wait(90 * time.Minute)
	staffed := r.look()
	tl := r.timeline(TimelineQuery{})
	require.Error(t, r.run(newApp(def)))

	require.Empty(t, down.Reviewers)
	require.Empty(t, short.Reviewers, "one reviewer free of the two needed")
	require.Equal(t, []application.Reviewer{reviewerOf(rev1), reviewerOf(rev2)}, staffed.Reviewers)
	shortfalls := slices.DeleteFunc(slices.Clone(tl.Entries), func(e application.Entry) bool { return e.Action != "reviewers_short" })
	require.Len(t, shortfalls, 1, "the outage is not a shortfall; the shortage after it is")
	require.Contains(t, shortfalls[0].Detail, "2 more reviewers needed")
	require.NotContains(t, shortfalls[0].Detail, "could not be read")
	require.Len(t, slices.DeleteFunc(r.kinds(), func(k string) bool { return k != "reviewers_needed→admin" }), 1, "admins hear of the shortage only")
	require.Equal(t, []string{UpdateRegisterSubmission, UpdateAssignReviewers, UpdateAssignReviewers}, r.fund.names(),
		"the fund is asked once the list is readable, and again an hour after the shortage")
}

func TestApplicationGetsItsReferenceUnderItsFirstChange(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	first := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft-1", appLead), Patch: patchOf(t, `{"need": "Hypertension is common."}`)})
	drafted := r.look()
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft-2", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	again := r.send(UpdateEnsureReference, EnsureReferenceRequest{})
	submitted := r.look()
	r.run(newApp(def))

	first.ok(t, nil)
	again.ok(t, nil)
	require.Equal(t, "PIF-0001", drafted.Reference, "the create that starts an application answers with its reference")
	require.Equal(t, "PIF-0001", submitted.Reference, "a reference is given once")
	require.Len(t, r.fund.keys(UpdateAssignReference), 1)
	require.Equal(t, "PIF-0001", ApplicationRow(*submitted, appStart).Quoted())
}

func TestApplicationFromBeforeReferencesIsGivenOneOnRequest(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	old := newApp(def)
	old.Revision = 1
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft-1", appLead), Patch: patchOf(t, `{"need": "Hypertension is common."}`)})
	before := r.look()
	r.send(UpdateEnsureReference, EnsureReferenceRequest{})
	after := r.look()
	r.run(old)

	require.Empty(t, before.Reference, "a run from before references replays its commands unchanged")
	require.Equal(t, appID, ApplicationRow(*before, appStart).Quoted(), "and is quoted by its id until it has one")
	require.Equal(t, "PIF-0001", after.Reference)
}

func TestApplicationGoesOnWhenTheFundGivesNoReference(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.then(func() {
		r.fund.mu.Lock()
		defer r.fund.mu.Unlock()
		r.fund.refuse[UpdateAssignReference] = fundflow.Errorf(fundflow.EINVALIDSTATE, "finished")
	})
	saved := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft-1", appLead), Patch: patchOf(t, `{"need": "Hypertension is common."}`)})
	v := r.look()
	r.run(newApp(def))

	saved.ok(t, nil)
	require.Empty(t, v.Reference)
	require.Equal(t, "Hypertension is common.", v.Content.Need, "the change went ahead")
}

func TestApplicationContinueAsNewCarriesState(t *testing.T) {
	def := quickFund()
	r := newAppRun(t, def)
	draft := SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)}
	submit := SubmitRequest{Command: cmd("submit", appLead)}
	r.send(UpdateSaveDraft, draft)
	first := r.send(UpdateSubmit, submit)
	r.send(UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("q", rev1), Question: "Which practices?"})
	r.then(func() { r.env.SetContinueAsNewSuggested(true) })
	r.env.ExecuteWorkflow(ApplicationWorkflow, newApp(def))

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(r.env.GetWorkflowError(), &can), "want Continue-As-New, got %v", r.env.GetWorkflowError())
	var next ApplicationWorkflowInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, application.StatusInformationRequested, next.Status)
	require.Equal(t, application.StatusEligibility, next.PausedStage)
	require.True(t, next.Stage.Clock.Paused())
	require.Len(t, next.Processed, 3)
	require.Len(t, next.Timeline, 5)
	require.Equal(t, 2, next.FundCalls, "the reference and one registration so far")
	require.Equal(t, "PIF-0001", next.Reference)
	for _, n := range next.Outbox {
		require.True(t, n.Delivered, "the outbox drained before continuing: %s", n.Key)
	}

	// The next run answers the old keys and runs the old deadlines.
	n := newAppRun(t, def)
	n.env.SetStartTime(appStart.Add(10 * time.Second))
	retry := n.send(UpdateSubmit, submit)
	n.wait(2 * time.Hour)
	after := n.look()
	tl := n.timeline(TimelineQuery{})
	require.Error(t, n.run(next))
	var o, again Outcome
	first.ok(t, &o)
	retry.ok(t, &again)
	require.Equal(t, o, again)
	require.Empty(t, n.fund.names(), "the retried submit did nothing")
	require.Equal(t, application.StatusEligibility, after.Status, "the query expired in the new run")
	require.Contains(t, actions(tl.Entries), "query_expired")
	require.Contains(t, actions(tl.Entries), "sla_reminder")
}

func TestApplicationProcessedKeysAreBounded(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	for i := range maxApplicationProcessed + 5 {
		r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd(fmt.Sprintf("k%d", i), appLead), Patch: patchOf(t, `{"planned_reach": 1000}`)})
	}
	r.then(func() { r.env.SetContinueAsNewSuggested(true) })
	r.env.ExecuteWorkflow(ApplicationWorkflow, newApp(def))
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(r.env.GetWorkflowError(), &can))
	var next ApplicationWorkflowInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Len(t, next.Processed, maxApplicationProcessed)
	require.Equal(t, "k5", next.Processed[0].Key, "the oldest keys are forgotten")
}

func TestApplicationRefusesABadStart(t *testing.T) {
	def := appFund()
	in := newApp(def)
	in.CreatedBy = rev1
	in.FundID = "another-fund"
	r := newAppRun(t, def)
	r.env.ExecuteWorkflow(ApplicationWorkflow, in)
	var e *fundflow.Error
	require.True(t, errors.As(temporalerr.Decode(r.env.GetWorkflowError()), &e))
	require.Equal(t, []string{"fund.id", "created_by"}, fieldsOf(e))
}

func TestApplicationIsJudgedOnTheFundsCurrentTerms(t *testing.T) {
	stale := appFund()
	stale.ClosesAt = appStart.Add(-time.Hour) // since extended by the admin
	r := newAppRun(t, appFund())
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	v := r.look()
	require.Error(t, r.run(newApp(stale)))
	require.Equal(t, application.Pass, v.Eligibility.Automatic, "inside the window the fund now has")
}

// failNext makes the fund fail the next n calls of an Update, as the next
// step.
func (r *appRun) failNext(name string, n int) {
	r.then(func() {
		r.fund.mu.Lock()
		defer r.fund.mu.Unlock()
		r.fund.fail[name] = n
	})
}

func (f *fakeFund) keys(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if c.name == name {
			out = append(out, c.key)
		}
	}
	return out
}

// A command whose call to the fund fails changes nothing, so its retry does
// what the first attempt would have, sending the fund the same key.
func TestApplicationRetryAfterTheFundFailedToStaff(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	r.failNext(UpdateAssignReviewers, 1)
	elig := EligibilityDecisionRequest{Command: cmd("elig", rev3), Decision: application.Pass, Reason: "Meets every rule."}
	failed := r.send(UpdateEligibilityDecision, elig)
	afterFailure := r.look()
	retried := r.send(UpdateEligibilityDecision, elig)
	assessing := r.look()
	r.failNext(UpdateAssignReviewers, 1)
	conflict := DeclareConflictRequest{Command: cmd("conflict", rev1), HasConflict: true, Note: "I advise the trust."}
	conflictFailed := r.send(UpdateDeclareConflict, conflict)
	afterConflictFailure := r.look()
	conflictRetried := r.send(UpdateDeclareConflict, conflict)
	replaced := r.look()
	tl := r.timeline(TimelineQuery{})
	require.Error(t, r.run(newApp(def)))

	require.True(t, failed.done)
	require.Error(t, failed.err, "the fund not answering fails the decision")
	require.Equal(t, application.StatusEligibility, afterFailure.Status, "and leaves the application as it was")
	require.Nil(t, afterFailure.Eligibility.Decision)
	var o Outcome
	retried.ok(t, &o)
	require.Equal(t, application.StatusAssessment, o.Status)
	require.Len(t, o.Reviewers, 2)
	require.Equal(t, application.StatusAssessment, assessing.Status)
	require.Len(t, assessing.Reviewers, 2)

	require.Error(t, conflictFailed.err)
	require.Empty(t, afterConflictFailure.Panel.Conflicts, "a failed declaration records nothing")
	require.Equal(t, assessing.Reviewers, afterConflictFailure.Reviewers)
	var c Outcome
	conflictRetried.ok(t, &c)
	require.Equal(t, []application.Reviewer{reviewerOf(rev3)}, c.Reviewers)
	require.Len(t, replaced.Panel.Conflicts, 1)
	require.Equal(t, []application.Reviewer{reviewerOf(rev2), reviewerOf(rev3)}, replaced.Reviewers)

	keys := r.fund.keys(UpdateAssignReviewers)
	require.Len(t, keys, 4)
	require.Equal(t, keys[0], keys[1], "the retried decision asks the fund under the same key")
	require.Equal(t, keys[2], keys[3], "as does the retried declaration")
	conflicts := r.fund.keys(UpdateReviewerConflict)
	require.Len(t, conflicts, 2)
	require.Equal(t, conflicts[0], conflicts[1], "the conflict the fund already took is sent again under its key, and the fund knows it")
	require.Equal(t, []string{"created", "draft_saved", "submitted", "eligibility_checked", "found_eligible", "reviewers_assigned", "conflict_declared", "reviewers_assigned"},
		actions(tl.Entries), "each decision recorded once")
}

// Before the panel decides, the applicant's timeline shows what happened to
// the application, not the reviewers' names, their scores or the internal
// clockwork; staff see all of it.
func TestApplicationTimelineAudiences(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	r.send(UpdateEligibilityDecision, EligibilityDecisionRequest{Command: cmd("elig", rev3), Decision: application.Pass, Reason: "Meets every rule."})
	r.send(UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("q", rev1), Question: "How many practices take part?"})
	r.send(UpdateAnswerQuery, AnswerQueryRequest{Command: cmd("a", appLead), QueryID: "q1", Answer: "Forty."})
	r.send(UpdateSubmitAssessment, assessmentBy("score-1", rev1, def, 4))
	r.send(UpdateSubmitAssessment, assessmentBy("score-2", rev2, def, 3))
	staff := r.timeline(TimelineQuery{Role: fundflow.RoleReviewer})
	old := r.timeline(TimelineQuery{})
	applicant := r.timeline(TimelineQuery{Role: fundflow.RoleApplicant})
	paged := r.timeline(TimelineQuery{Role: fundflow.RoleApplicant, Limit: 3})
	require.Error(t, r.run(newApp(def)))

	require.Equal(t, []string{"created", "draft_saved", "submitted", "eligibility_checked", "found_eligible", "reviewers_assigned",
		"query_raised", "query_answered", "assessment_submitted", "assessment_submitted", "assessments_complete"}, actions(staff.Entries))
	require.Equal(t, staff.Entries, old.Entries, "a query without a role reads as staff, as before")
	require.Contains(t, entry(t, staff.Entries, "assessments_complete").Detail, "weighted score 3.50")
	require.Equal(t, "Rhian One", entry(t, staff.Entries, "query_raised").Actor)

	require.Equal(t, []string{"created", "draft_saved", "submitted", "eligibility_checked", "found_eligible",
		"query_raised", "query_answered"}, actions(applicant.Entries))
	for _, e := range applicant.Entries {
		require.NotContains(t, e.Detail, "score")
		for _, name := range []string{rev1.Name, rev2.Name, rev3.Name} {
			require.NotContains(t, e.Actor+e.Detail, name)
		}
		require.Equal(t, application.AudienceEveryone, e.Audience)
	}
	require.Equal(t, application.ReviewerLabel, entry(t, applicant.Entries, "query_raised").Actor)
	require.Equal(t, application.ReviewerLabel, entry(t, applicant.Entries, "found_eligible").Actor)
	require.Equal(t, []string{"created", "draft_saved", "submitted"}, actions(paged.Entries))
	require.Equal(t, 3, paged.NextAfterSeq)
}
