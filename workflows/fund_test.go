package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/fund"
)

var (
	fundStart = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

	fundAdmin     = fundflow.Actor{ID: "admin", Name: "Ada Admin", Role: fundflow.RoleAdmin}
	fundChair     = fundflow.Actor{ID: "chair", Name: "Pat Chair", Role: fundflow.RolePanelChair}
	fundPM        = fundflow.Actor{ID: "pm", Name: "Sam Manager", Role: fundflow.RoleProgrammeManager}
	fundApplicant = fundflow.Actor{ID: "lead", Name: "Lee Lead", Role: fundflow.RoleApplicant, OrgCode: "QUY"}

	fundActs = &activities.Activities{}
)

// fundRun drives one FundWorkflow in the test environment. Each step runs a
// simulated second after the previous one, so every Update has completed
// before the next is sent, and outcomes are checked once the run is over.
type fundRun struct {
	t    *testing.T
	env  *testsuite.TestWorkflowEnvironment
	next time.Duration

	mu       sync.Mutex // notices are recorded on the activity goroutine
	notified []activities.NotifyCreditReservedInput
	finished []activities.NotifyFundFinishedInput
}

func newFundRun(t *testing.T) *fundRun {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(fundStart)
	env.RegisterActivity(fundActs)
	return &fundRun{t: t, env: env}
}

// seedFund is the Prevention Innovation Fund: 32,000,000p, awards of up to
// 8,000,000p, four of them.
func seedFund() fund.Definition { return fund.SeedDefinition(fundStart) }

// answer makes applications accept credit_reserved notices, except those
// listed, which refuse as an application no longer waiting would.
func (r *fundRun) answer(refusing ...string) {
	r.env.OnActivity(fundActs.NotifyCreditReserved, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.NotifyCreditReservedInput) (activities.Notified, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.notified = append(r.notified, in)
			for _, app := range refusing {
				if app == in.ApplicationID {
					return activities.Notified{Refusal: "invalid_state: not waitlisted"}, nil
				}
			}
			return activities.Notified{Accepted: true}, nil
		})
	r.env.OnActivity(fundActs.NotifyFundFinished, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.NotifyFundFinishedInput) (activities.Notified, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.finished = append(r.finished, in)
			return activities.Notified{Accepted: true}, nil
		})
}

func (r *fundRun) then(step func()) {
	r.next += time.Second
	r.env.RegisterDelayedCallback(step, r.next)
}

// wait leaves d of simulated time before the next step.
func (r *fundRun) wait(d time.Duration) { r.next += d }

// fundOutcome is what became of one Update.
type fundOutcome struct {
	name     string
	done     bool
	rejected bool
	result   any
	err      error
}

// send schedules an Update as the next step. Each gets its own Update ID, as
// separate HTTP requests would, so only the idempotency key can tie them.
func (r *fundRun) send(name string, req any) *fundOutcome {
	o := &fundOutcome{name: name}
	r.then(func() {
		r.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { o.done, o.rejected, o.err = true, true, viaFailureConverter(err) },
			OnComplete: func(v any, err error) { o.done, o.result, o.err = true, v, viaFailureConverter(err) },
		}, req)
	})
	return o
}

// viaFailureConverter passes an error through Temporal's failure
// conversion, as a real client would receive it, so the tests prove codes
// and fields survive.
func viaFailureConverter(err error) error {
	if err == nil {
		return nil
	}
	fc := temporal.GetDefaultFailureConverter()
	return fc.FailureToError(fc.ErrorToFailure(err))
}

// ok asserts the Update was accepted and completed, and decodes its result.
func (o *fundOutcome) ok(t *testing.T, into any) {
	t.Helper()
	require.True(t, o.done, "%s never completed", o.name)
	require.NoError(t, o.err, "%s", o.name)
	if into != nil {
		b, err := json.Marshal(o.result)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, into))
	}
}

// refused asserts the validator rejected the Update with code, and returns
// the refusal as the API would see it.
func (o *fundOutcome) refused(t *testing.T, code fundflow.Code) *fundflow.Error {
	t.Helper()
	require.True(t, o.done, "%s never completed", o.name)
	require.True(t, o.rejected, "%s was not rejected (err %v)", o.name, o.err)
	var e *fundflow.Error
	require.True(t, errors.As(temporalerr.Decode(o.err), &e), "%s: %v carries no fundflow code", o.name, o.err)
	require.Equal(t, code, e.Code, "%s: %v", o.name, e)
	return e
}

func (r *fundRun) view() FundView {
	v, err := r.env.QueryWorkflow(QueryFund)
	require.NoError(r.t, err)
	var out FundView
	require.NoError(r.t, v.Get(&out))
	return out
}

// snapshot queries the fund as the next step.
func (r *fundRun) snapshot() *FundView {
	out := &FundView{}
	r.then(func() { *out = r.view() })
	return out
}

func (r *fundRun) ledger(q LedgerQuery) LedgerPage {
	v, err := r.env.QueryWorkflow(QueryLedger, q)
	require.NoError(r.t, err)
	var out LedgerPage
	require.NoError(r.t, v.Get(&out))
	return out
}

// execute runs the workflow, cancelling it after the last step unless it
// ends by itself, and returns how it ended.
func (r *fundRun) execute(in FundWorkflowInput) error {
	r.then(func() { r.env.CancelWorkflow() })
	r.env.ExecuteWorkflow(FundWorkflow, in)
	require.True(r.t, r.env.IsWorkflowCompleted())
	return r.env.GetWorkflowError()
}

func fundCmd(key string, by fundflow.Actor) Command { return Command{Key: key, Actor: by} }

func entryLines(entries []fund.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%s %s %d", e.Kind, e.ApplicationID, e.AmountPence))
	}
	return out
}

func TestFundLifecycle(t *testing.T) {
	r := newFundRun(t)
	d := seedFund()
	amended := d
	amended.Name = "Prevention Innovation Fund 2026"
	amended.TotalPence = 24_000_000

	amend := r.send(UpdateAmend, AmendRequest{Command: fundCmd("amend-1", fundAdmin), Definition: amended})
	draft := r.snapshot()
	open := r.send(UpdateOpen, LifecycleRequest{Command: fundCmd("open-1", fundAdmin), Reason: "launch"})
	reg := r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("reg-1", fundApplicant), ApplicationID: "a1", OrgCode: "QUY"})
	reg2 := r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("reg-2", fundApplicant), ApplicationID: "a2", OrgCode: "QUY"})
	retire := r.send(UpdateRetireSubmission, RetireSubmissionRequest{Command: fundCmd("ret-1", fundApplicant), ApplicationID: "a1"})
	reserve := r.send(UpdateReserve, ReserveRequest{Command: fundCmd("res-a2", fundChair), ApplicationID: "a2", AmountPence: 8_000_000})
	closed := r.send(UpdateClose, LifecycleRequest{Command: fundCmd("close-1", fundAdmin), Reason: "enough applications"})
	lateReg := r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("reg-3", fundApplicant), ApplicationID: "a3", OrgCode: "QUY"})
	allocating := r.snapshot()
	commit := r.send(UpdateCommit, CommitRequest{Command: fundCmd("com-a2", fundApplicant), ApplicationID: "a2"})
	monitoring := r.snapshot()
	for i, m := range d.Milestones {
		r.send(UpdateDrawdown, DrawdownRequest{Command: fundCmd("dd-"+m.ID, fundPM), ApplicationID: "a2", MilestoneID: m.ID,
			AmountPence: d.DrawdownSchedule(8_000_000)[i]})
	}
	finish := r.send(UpdateFinish, LifecycleRequest{Command: fundCmd("finish-1", fundAdmin)})

	require.NoError(t, r.execute(FundWorkflowInput{Definition: d}), "a finished fund completes")

	amend.ok(t, nil)
	require.Equal(t, fund.StatusDraft, draft.Status)
	require.Equal(t, int64(24_000_000), draft.Budget.TotalPence, "amending a draft rebuilds its ledger")
	require.Equal(t, "Prevention Innovation Fund 2026", draft.Definition.Name)
	var v FundView
	open.ok(t, &v)
	require.Equal(t, fund.StatusOpen, v.Status)

	var first, second RegisterSubmissionResult
	reg.ok(t, &first)
	reg2.ok(t, &second)
	require.Empty(t, first.EarlierLiveApplications)
	require.Equal(t, []string{"a1"}, second.EarlierLiveApplications)
	require.Equal(t, "Prevention Innovation Fund 2026", first.Definition.Name, "registration tells the application the terms in force")
	retire.ok(t, nil)
	reserve.ok(t, nil)
	closed.ok(t, nil)
	lateReg.refused(t, fundflow.EINVALIDSTATE)

	require.Equal(t, fund.StatusAllocating, allocating.Status)
	require.Equal(t, fund.Balances{TotalPence: 24_000_000, AvailablePence: 16_000_000, ReservedPence: 8_000_000}, allocating.Budget)
	require.Equal(t, Awards{Count: 1, Max: 4}, allocating.Awards)
	commit.ok(t, nil)
	require.Equal(t, fund.StatusMonitoring, monitoring.Status)

	finish.ok(t, &v)
	require.Equal(t, fund.StatusFinished, v.Status)
	require.Equal(t, fund.Balances{TotalPence: 24_000_000, AvailablePence: 16_000_000, DrawnPence: 8_000_000}, v.Budget)
	var trail []string
	for _, h := range v.History {
		trail = append(trail, fmt.Sprintf("%s→%s by %s (%s)", h.From, h.To, h.Actor.ID, h.Reason))
	}
	require.Equal(t, []string{
		"draft→open by admin (launch)",
		"open→closed by admin (enough applications)",
		"closed→finished by admin ()",
	}, trail)
}

func TestFundRefusals(t *testing.T) {
	r := newFundRun(t)
	d := seedFund()
	d.MaxAwards = 2
	changedMoney := d
	changedMoney.MaxAwardPence = 9_000_000
	broken := d
	broken.Criteria = nil
	renamed := d
	renamed.ID = "another-fund"

	type refusal struct {
		o     *fundOutcome
		code  fundflow.Code
		field string
	}
	var want []refusal
	expect := func(code fundflow.Code, field, name string, req any) {
		want = append(want, refusal{r.send(name, req), code, field})
	}

	// In draft.
	expect(fundflow.EINVALIDSTATE, "", UpdateReserve, ReserveRequest{Command: fundCmd("r0", fundChair), ApplicationID: "a", AmountPence: 1})
	expect(fundflow.EINVALIDSTATE, "", UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("g0", fundApplicant), ApplicationID: "a", OrgCode: "QUY"})
	expect(fundflow.EINVALIDSTATE, "", UpdateClose, LifecycleRequest{Command: fundCmd("c0", fundAdmin)})
	expect(fundflow.EVALIDATION, "criteria", UpdateAmend, AmendRequest{Command: fundCmd("m0", fundAdmin), Definition: broken})
	expect(fundflow.EVALIDATION, "id", UpdateAmend, AmendRequest{Command: fundCmd("m1", fundAdmin), Definition: renamed})
	expect(fundflow.EFORBIDDEN, "", UpdateOpen, LifecycleRequest{Command: fundCmd("o0", fundChair)})
	expect(fundflow.EVALIDATION, "key", UpdateOpen, LifecycleRequest{Command: fundCmd("", fundAdmin)})
	expect(fundflow.EVALIDATION, "actor.role", UpdateOpen, LifecycleRequest{Command: fundCmd("o1", fundflow.Actor{ID: "x", Role: "root"})})

	r.send(UpdateOpen, LifecycleRequest{Command: fundCmd("open", fundAdmin)})
	r.send(UpdateReserve, ReserveRequest{Command: fundCmd("r-a", fundChair), ApplicationID: "a", AmountPence: 8_000_000})
	r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("g-a", fundApplicant), ApplicationID: "a", OrgCode: "QUY"})

	// Open, with a holding 8,000,000p of one award slot.
	expect(fundflow.EINVALIDSTATE, "", UpdateOpen, LifecycleRequest{Command: fundCmd("o2", fundAdmin)})
	expect(fundflow.EINVALIDSTATE, "", UpdateFinish, LifecycleRequest{Command: fundCmd("f0", fundAdmin)})
	expect(fundflow.EFORBIDDEN, "", UpdateClose, LifecycleRequest{Command: fundCmd("c1", fundApplicant)})
	expect(fundflow.EINVALIDSTATE, "", UpdateAmend, AmendRequest{Command: fundCmd("m2", fundAdmin), Definition: changedMoney})
	expect(fundflow.EVALIDATION, "amount_pence", UpdateReserve, ReserveRequest{Command: fundCmd("r1", fundChair), ApplicationID: "b", AmountPence: 8_000_001})
	expect(fundflow.EVALIDATION, "amount_pence", UpdateReserve, ReserveRequest{Command: fundCmd("r2", fundChair), ApplicationID: "b", AmountPence: 0})
	expect(fundflow.EINVALIDSTATE, "", UpdateReserve, ReserveRequest{Command: fundCmd("r3", fundChair), ApplicationID: "a", AmountPence: 1})
	expect(fundflow.EIDEMPOTENCYREUSED, "", UpdateReserve, ReserveRequest{Command: fundCmd("r-a", fundChair), ApplicationID: "b", AmountPence: 8_000_000})
	expect(fundflow.EIDEMPOTENCYREUSED, "", UpdateReserve, ReserveRequest{Command: fundCmd("open", fundChair), ApplicationID: "b", AmountPence: 1})
	expect(fundflow.EIDEMPOTENCYREUSED, "", UpdateClose, LifecycleRequest{Command: fundCmd("r-a", fundAdmin)})
	expect(fundflow.EIDEMPOTENCYREUSED, "", UpdateClose, LifecycleRequest{Command: fundCmd("open", fundAdmin)})
	expect(fundflow.EINVALIDSTATE, "", UpdateCommit, CommitRequest{Command: fundCmd("k1", fundApplicant), ApplicationID: "b"})
	expect(fundflow.EINVALIDSTATE, "", UpdateRelease, ReleaseRequest{Command: fundCmd("l1", fundApplicant), ApplicationID: "b", Reason: "withdrawn"})
	expect(fundflow.EVALIDATION, "reason", UpdateRelease, ReleaseRequest{Command: fundCmd("l2", fundApplicant), ApplicationID: "a"})
	expect(fundflow.EINVALIDSTATE, "", UpdateDrawdown, DrawdownRequest{Command: fundCmd("d1", fundPM), ApplicationID: "a", MilestoneID: "go_live", AmountPence: 1})
	expect(fundflow.EVALIDATION, "milestone_id", UpdateDrawdown, DrawdownRequest{Command: fundCmd("d2", fundPM), ApplicationID: "a", MilestoneID: "party", AmountPence: 1})
	expect(fundflow.EINVALIDSTATE, "", UpdateWaitlistJoin, WaitlistJoinRequest{Command: fundCmd("w1", fundChair), ApplicationID: "a", AmountPence: 1, RankScore: 1})
	expect(fundflow.EVALIDATION, "amount_pence", UpdateWaitlistJoin, WaitlistJoinRequest{Command: fundCmd("w2", fundChair), ApplicationID: "b", AmountPence: 9_000_000})
	expect(fundflow.EINVALIDSTATE, "", UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("g1", fundApplicant), ApplicationID: "a", OrgCode: "7A1"})
	expect(fundflow.ENOTFOUND, "", UpdateRetireSubmission, RetireSubmissionRequest{Command: fundCmd("t1", fundApplicant), ApplicationID: "zz"})

	// Awards: b takes the second and last slot; c cannot.
	r.send(UpdateReserve, ReserveRequest{Command: fundCmd("r-b", fundChair), ApplicationID: "b", AmountPence: 8_000_000})
	expect(fundflow.EAWARDLIMIT, "", UpdateReserve, ReserveRequest{Command: fundCmd("r4", fundChair), ApplicationID: "c", AmountPence: 1})

	after := r.snapshot()
	r.execute(FundWorkflowInput{Definition: d})
	for _, w := range want {
		e := w.o.refused(t, w.code)
		if w.field != "" {
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
			require.Contains(t, fields, w.field, "%s", w.o.name)
		}
	}
	require.Equal(t, int64(16_000_000), after.Budget.ReservedPence, "refusals changed nothing")
}

func TestFundRefusesWhatTheCreditCannotCover(t *testing.T) {
	d := seedFund()
	d.TotalPence = 20_000_000
	r := newFundRun(t)
	r.send(UpdateReserve, ReserveRequest{Command: fundCmd("x1", fundChair), ApplicationID: "a", AmountPence: 8_000_000})
	r.send(UpdateReserve, ReserveRequest{Command: fundCmd("x2", fundChair), ApplicationID: "b", AmountPence: 8_000_000})
	short := r.send(UpdateReserve, ReserveRequest{Command: fundCmd("x3", fundChair), ApplicationID: "c", AmountPence: 8_000_000})
	fits := r.send(UpdateReserve, ReserveRequest{Command: fundCmd("x4", fundChair), ApplicationID: "c", AmountPence: 4_000_000})
	r.execute(FundWorkflowInput{Definition: d, Status: fund.StatusOpen})
	short.refused(t, fundflow.EINSUFFICIENTCREDIT)
	fits.ok(t, nil)
}

func TestFundIdempotentRetries(t *testing.T) {
	r := newFundRun(t)
	reserve := ReserveRequest{Command: fundCmd("res-1", fundChair), ApplicationID: "a", AmountPence: 5_000_000}
	register := RegisterSubmissionRequest{Command: fundCmd("reg-1", fundApplicant), ApplicationID: "a", OrgCode: "QUY"}
	open := LifecycleRequest{Command: fundCmd("open-1", fundAdmin)}

	o1 := r.send(UpdateOpen, open)
	g1 := r.send(UpdateRegisterSubmission, register)
	r1 := r.send(UpdateReserve, reserve)
	r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("reg-0", fundApplicant), ApplicationID: "b", OrgCode: "QUY"})
	c1 := r.send(UpdateClose, LifecycleRequest{Command: fundCmd("close-1", fundAdmin)})
	// Retries after the fund has moved on get their original answers.
	r2 := r.send(UpdateReserve, reserve)
	g2 := r.send(UpdateRegisterSubmission, register)
	o2 := r.send(UpdateOpen, open)
	c2 := r.send(UpdateClose, LifecycleRequest{Command: fundCmd("close-1", fundAdmin)})
	after := r.snapshot()
	var page LedgerPage
	r.then(func() { page = r.ledger(LedgerQuery{}) })
	r.execute(FundWorkflowInput{Definition: seedFund()})

	var first, again LedgerResult
	r1.ok(t, &first)
	r2.ok(t, &again)
	require.Equal(t, first.Entry, again.Entry)
	require.Equal(t, int64(1), first.Entry.Seq)
	require.Len(t, page.Entries, 1, "the retry wrote nothing")
	require.Equal(t, int64(27_000_000), after.Budget.AvailablePence)

	var reg1, reg2 RegisterSubmissionResult
	g1.ok(t, &reg1)
	g2.ok(t, &reg2)
	require.Equal(t, reg1, reg2, "b registered later does not count against a")

	o1.ok(t, nil)
	c1.ok(t, nil)
	var v FundView
	o2.ok(t, &v)
	require.Equal(t, fund.StatusAllocating, v.Status, "a retried open answers with the fund as it is")
	c2.ok(t, nil)
	require.Len(t, after.History, 2, "retries changed no status")
}

func TestFundContinueAsNewCarriesState(t *testing.T) {
	r := newFundRun(t)
	reserve := ReserveRequest{Command: fundCmd("res-a", fundChair), ApplicationID: "a", AmountPence: 8_000_000}
	join := WaitlistJoinRequest{Command: fundCmd("join-w", fundChair), ApplicationID: "w", AmountPence: 1_000_000, RankScore: 70}
	r.send(UpdateReserve, reserve)
	r.send(UpdateWaitlistJoin, join)
	r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("reg-a", fundApplicant), ApplicationID: "a", OrgCode: "QUY"})
	r.then(func() { r.env.SetContinueAsNewSuggested(true) })
	r.env.ExecuteWorkflow(FundWorkflow, FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(r.env.GetWorkflowError(), &can), "want Continue-As-New, got %v", r.env.GetWorkflowError())
	var next FundWorkflowInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, fund.StatusOpen, next.Status)
	require.Len(t, next.Ledger.Entries, 1)
	require.Len(t, next.Ledger.Waitlist, 1)
	require.Len(t, next.Ledger.Submissions, 1)
	require.Len(t, next.Processed, 2, "waitlist_join and register_submission keys")
	require.NoError(t, next.Ledger.CheckInvariants())

	// The next run still recognises every key, and the close timer is armed again.
	n := newFundRun(t)
	r2 := n.send(UpdateReserve, reserve)
	j2 := n.send(UpdateWaitlistJoin, join)
	reuse := n.send(UpdateWaitlistJoin, WaitlistJoinRequest{Command: fundCmd("join-w", fundChair), ApplicationID: "w", AmountPence: 2_000_000, RankScore: 70})
	n.wait(200 * 24 * time.Hour)
	closed := n.snapshot()
	n.execute(next)
	var res LedgerResult
	r2.ok(t, &res)
	require.Equal(t, int64(1), res.Entry.Seq)
	var pos WaitlistResult
	j2.ok(t, &pos)
	require.Equal(t, 1, pos.Position)
	reuse.refused(t, fundflow.EIDEMPOTENCYREUSED)
	require.Equal(t, fund.StatusAllocating, closed.Status)
}

func TestFundProcessedKeysAreBounded(t *testing.T) {
	in := FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen}
	for i := range maxProcessed {
		in.Processed = append(in.Processed, ProcessedKey{Key: fmt.Sprintf("old-%d", i), Digest: "x"})
	}
	r := newFundRun(t)
	r.send(UpdateWaitlistLeave, WaitlistLeaveRequest{Command: fundCmd("newest", fundChair), ApplicationID: "w"})
	r.then(func() { r.env.SetContinueAsNewSuggested(true) })
	r.env.ExecuteWorkflow(FundWorkflow, in)

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(r.env.GetWorkflowError(), &can))
	var next FundWorkflowInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Len(t, next.Processed, maxProcessed)
	require.Equal(t, "old-1", next.Processed[0].Key, "the oldest key is forgotten")
	require.Equal(t, "newest", next.Processed[maxProcessed-1].Key)
}

func TestFundClosesOnTime(t *testing.T) {
	d := seedFund()
	d.OpensAt = fundStart.Add(-time.Hour)
	d.ClosesAt = fundStart.Add(time.Hour)
	later := d
	later.ClosesAt = fundStart.Add(3 * time.Hour)

	r := newFundRun(t)
	before := r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("g1", fundApplicant), ApplicationID: "a1", OrgCode: "QUY"})
	moved := r.send(UpdateAmend, AmendRequest{Command: fundCmd("m1", fundAdmin), Definition: later})
	r.wait(2 * time.Hour)
	stillOpen := r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("g2", fundApplicant), ApplicationID: "a2", OrgCode: "7A1"})
	r.wait(2 * time.Hour)
	after := r.send(UpdateRegisterSubmission, RegisterSubmissionRequest{Command: fundCmd("g3", fundApplicant), ApplicationID: "a3", OrgCode: "QUY"})
	view := r.snapshot()
	r.execute(FundWorkflowInput{Definition: d, Status: fund.StatusOpen})

	before.ok(t, nil)
	moved.ok(t, nil)
	stillOpen.ok(t, nil)
	after.refused(t, fundflow.EINVALIDSTATE)
	require.Equal(t, fund.StatusClosed, view.Status)
	require.Len(t, view.History, 1)
	h := view.History[0]
	require.Equal(t, fundflow.System, h.Actor)
	require.Equal(t, later.ClosesAt, h.At, "closed by the re-armed timer, at the amended time")
}

func TestFundOpenedAfterClosesAtIsRefused(t *testing.T) {
	d := seedFund()
	d.ClosesAt = fundStart.Add(time.Hour)
	r := newFundRun(t)
	r.wait(2 * time.Hour)
	open := r.send(UpdateOpen, LifecycleRequest{Command: fundCmd("o", fundAdmin)})
	r.execute(FundWorkflowInput{Definition: d})
	open.refused(t, fundflow.EINVALIDSTATE)
}

// fillFund reserves all four 8,000,000p awards of the seed fund and
// waitlists two more applications, w1 ranked above w2.
func fillFund(r *fundRun) {
	for _, app := range []string{"a", "b", "c", "d"} {
		r.send(UpdateReserve, ReserveRequest{Command: fundCmd("res-"+app, fundChair), ApplicationID: app, AmountPence: 8_000_000})
	}
	r.send(UpdateWaitlistJoin, WaitlistJoinRequest{Command: fundCmd("join-w2", fundChair), ApplicationID: "w2", AmountPence: 5_000_000, RankScore: 80})
	r.send(UpdateWaitlistJoin, WaitlistJoinRequest{Command: fundCmd("join-w1", fundChair), ApplicationID: "w1", AmountPence: 8_000_000, RankScore: 90})
}

func TestFundReleasePromotesFromTheWaitlist(t *testing.T) {
	r := newFundRun(t)
	r.answer()
	fillFund(r)
	waiting := r.snapshot()
	release := r.send(UpdateRelease, ReleaseRequest{Command: fundCmd("rel-a", fundApplicant), ApplicationID: "a", Reason: "offer declined"})
	after := r.snapshot()
	r.execute(FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})

	require.Equal(t, []string{"w1", "w2"}, []string{waiting.Waitlist[0].ApplicationID, waiting.Waitlist[1].ApplicationID})
	release.ok(t, nil)
	require.Len(t, r.notified, 1)
	require.Equal(t, activities.NotifyCreditReservedInput{
		CreditReserved: activities.CreditReserved{FundID: fund.SeedID, ApplicationID: "w1", AmountPence: 8_000_000},
		Delivery: activities.Delivery{
			WorkflowID: ApplicationWorkflowID("w1"),
			UpdateName: UpdateCreditReserved,
			UpdateID:   "credit_reserved:" + fund.SeedID + ":6",
		},
	}, r.notified[0])
	acct := after.Waitlist
	require.Len(t, acct, 1)
	require.Equal(t, "w2", acct[0].ApplicationID)
	require.Equal(t, int64(32_000_000), after.Budget.ReservedPence)
}

func TestFundRefusedPromotionPassesToTheNext(t *testing.T) {
	r := newFundRun(t)
	r.answer("w1")
	fillFund(r)
	r.send(UpdateRelease, ReleaseRequest{Command: fundCmd("rel-a", fundApplicant), ApplicationID: "a", Reason: "offer declined"})
	var page LedgerPage
	r.then(func() { page = r.ledger(LedgerQuery{AfterSeq: 4}) })
	after := r.snapshot()
	r.execute(FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})

	require.Equal(t, []string{
		"release a 8000000",
		"reserve w1 8000000",
		"release w1 8000000",
		"reserve w2 5000000",
	}, entryLines(page.Entries))
	promoted, refused := page.Entries[1], page.Entries[2]
	require.Equal(t, fundflow.System, promoted.Actor)
	require.Equal(t, fund.ReasonWaitlistPromotion, promoted.Reason)
	require.Equal(t, fundflow.System, refused.Actor)
	require.NotEmpty(t, refused.Reason)
	require.Len(t, r.notified, 2)
	require.Equal(t, "w2", r.notified[1].ApplicationID)
	require.Empty(t, after.Waitlist, "w1 refused, so it is not put back")
	require.Equal(t, fund.Balances{TotalPence: 32_000_000, AvailablePence: 3_000_000, ReservedPence: 29_000_000}, after.Budget)
}

func TestFundFinishTellsTheWaitlist(t *testing.T) {
	d := seedFund()
	d.MaxAwards = 1
	milestones := d.Milestones
	r := newFundRun(t)
	r.answer()
	r.send(UpdateReserve, ReserveRequest{Command: fundCmd("res-a", fundChair), ApplicationID: "a", AmountPence: 8_000_000})
	r.send(UpdateWaitlistJoin, WaitlistJoinRequest{Command: fundCmd("join-w", fundChair), ApplicationID: "w", AmountPence: 1_000_000, RankScore: 1})
	r.send(UpdateCommit, CommitRequest{Command: fundCmd("com-a", fundApplicant), ApplicationID: "a"})
	for i, m := range milestones {
		r.send(UpdateDrawdown, DrawdownRequest{Command: fundCmd("dd-"+m.ID, fundPM), ApplicationID: "a", MilestoneID: m.ID, AmountPence: d.DrawdownSchedule(8_000_000)[i]})
	}
	r.send(UpdateClose, LifecycleRequest{Command: fundCmd("close", fundAdmin)})
	finish := r.send(UpdateFinish, LifecycleRequest{Command: fundCmd("finish", fundAdmin)})
	require.NoError(t, r.execute(FundWorkflowInput{Definition: d, Status: fund.StatusOpen}))

	var v FundView
	finish.ok(t, &v)
	require.Empty(t, v.Waitlist)
	require.Equal(t, []activities.NotifyFundFinishedInput{{
		FundFinished: activities.FundFinished{FundID: fund.SeedID, ApplicationID: "w"},
		Delivery:     activities.Delivery{WorkflowID: ApplicationWorkflowID("w"), UpdateName: UpdateFundFinished, UpdateID: "fund_finished:" + fund.SeedID + ":0"},
	}}, r.finished)
}

func TestFundLedgerQueryPages(t *testing.T) {
	r := newFundRun(t)
	for _, app := range []string{"a", "b", "c"} {
		r.send(UpdateReserve, ReserveRequest{Command: fundCmd("res-"+app, fundChair), ApplicationID: app, AmountPence: 1_000})
	}
	var all, first, rest LedgerPage
	r.then(func() {
		v, err := r.env.QueryWorkflow(QueryLedger)
		require.NoError(t, err, "the argument is optional")
		require.NoError(t, v.Get(&all))
		first = r.ledger(LedgerQuery{Limit: 2})
		rest = r.ledger(LedgerQuery{AfterSeq: first.NextAfterSeq, Limit: 2})
	})
	r.execute(FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})
	require.Len(t, all.Entries, 3)
	require.Equal(t, []string{"reserve a 1000", "reserve b 1000"}, entryLines(first.Entries))
	require.Equal(t, int64(2), first.NextAfterSeq)
	require.Equal(t, []string{"reserve c 1000"}, entryLines(rest.Entries))
	require.Zero(t, rest.NextAfterSeq)
	require.Equal(t, fundChair, all.Entries[0].Actor, "entries record who acted")
}

func TestFundRejectsAnInvalidDefinition(t *testing.T) {
	d := seedFund()
	d.Milestones[0].DrawdownShareBP = 5
	r := newFundRun(t)
	r.env.ExecuteWorkflow(FundWorkflow, FundWorkflowInput{Definition: d})
	var e *fundflow.Error
	require.True(t, errors.As(temporalerr.Decode(r.env.GetWorkflowError()), &e))
	require.Equal(t, fundflow.EVALIDATION, e.Code)
}

func TestFundAssignsReviewersFairly(t *testing.T) {
	pool := []application.Reviewer{{ID: "rev-c", Name: "C"}, {ID: "rev-a", Name: "A"}, {ID: "rev-b", Name: "B"}}
	assign := func(key, app, org string, n int, exclude ...string) AssignReviewersRequest {
		return AssignReviewersRequest{Command: fundCmd(key, fundflow.System), ApplicationID: app, OrgCode: org, N: n, Pool: pool, Exclude: exclude}
	}
	r := newFundRun(t)
	a1 := r.send(UpdateAssignReviewers, assign("as-1", "a1", "QUY", 2))
	a2 := r.send(UpdateAssignReviewers, assign("as-2", "a2", "QHL", 2))
	retry := r.send(UpdateAssignReviewers, assign("as-1", "a1", "QUY", 2))
	reused := r.send(UpdateAssignReviewers, assign("as-1", "a1", "QUY", 1))
	// rev-a declares a conflict with QUY on a1; a replacement excludes
	// who is already on a1's panel.
	conflict := r.send(UpdateReviewerConflict, ReviewerConflictRequest{Command: fundCmd("cf-1", fundflow.System), ApplicationID: "a1", ReviewerID: "rev-a", OrgCode: "QUY"})
	replace := r.send(UpdateAssignReviewers, assign("as-3", "a1", "QUY", 1, "rev-a", "rev-b"))
	// A second QUY application never gets rev-a.
	a3 := r.send(UpdateAssignReviewers, assign("as-4", "a3", "QUY", 2))
	tooFew := r.send(UpdateAssignReviewers, assign("as-5", "a4", "QUY", 3))
	bad := r.send(UpdateAssignReviewers, AssignReviewersRequest{Command: fundCmd("as-6", fundflow.System), Pool: []application.Reviewer{{}}})
	release := r.send(UpdateReleaseReviewers, ReleaseReviewersRequest{Command: fundCmd("rl-1", fundflow.System), ApplicationID: "a1"})
	a5 := r.send(UpdateAssignReviewers, assign("as-7", "a5", "QHL", 1))
	r.then(func() { r.env.SetContinueAsNewSuggested(true) })
	r.env.ExecuteWorkflow(FundWorkflow, FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})

	ids := func(o *fundOutcome) []string {
		var res AssignReviewersResult
		o.ok(t, &res)
		var out []string
		for _, rev := range res.Reviewers {
			out = append(out, rev.ID)
		}
		return out
	}
	require.Equal(t, []string{"rev-a", "rev-b"}, ids(a1), "ties go to the lower id")
	require.Equal(t, []string{"rev-c", "rev-a"}, ids(a2), "rev-c has no load yet")
	require.Equal(t, []string{"rev-a", "rev-b"}, ids(retry), "a retry gets the original answer")
	reused.refused(t, fundflow.EIDEMPOTENCYREUSED)
	conflict.ok(t, nil)
	require.Equal(t, []string{"rev-c"}, ids(replace))
	require.Equal(t, []string{"rev-b", "rev-c"}, ids(a3), "rev-a is conflicted with QUY")
	tooFew.refused(t, fundflow.EINVALIDSTATE)
	e := bad.refused(t, fundflow.EVALIDATION)
	require.Len(t, e.Fields, 4, "application_id, org_code, n, pool[0].id")
	release.ok(t, nil)
	require.Equal(t, []string{"rev-a"}, ids(a5), "a1's assignments no longer count: rev-a has a2 only, as rev-b has a3 and rev-c a2 and a3")

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(r.env.GetWorkflowError(), &can))
	var next FundWorkflowInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, []fund.ReviewerAssignment{
		{ReviewerID: "rev-a", ApplicationID: "a2"}, {ReviewerID: "rev-a", ApplicationID: "a5"},
		{ReviewerID: "rev-b", ApplicationID: "a3"},
		{ReviewerID: "rev-c", ApplicationID: "a2"}, {ReviewerID: "rev-c", ApplicationID: "a3"},
	}, next.Reviewing.Assignments, "carried across Continue-As-New")
	require.Len(t, next.Reviewing.Conflicts, 1)
}

func TestFundAnswersReviewerAssignments(t *testing.T) {
	pool := []application.Reviewer{{ID: "rev-a", Name: "A"}, {ID: "rev-b", Name: "B"}, {ID: "rev-c", Name: "C"}}
	assign := func(key, app string) AssignReviewersRequest {
		return AssignReviewersRequest{Command: fundCmd(key, fundflow.System), ApplicationID: app, OrgCode: "QUY", N: 2, Pool: pool}
	}
	r := newFundRun(t)
	assigned := func(reviewer string) []string {
		v, err := r.env.QueryWorkflow(QueryReviewerAssignments, reviewer)
		require.NoError(t, err)
		var ids []string
		require.NoError(t, v.Get(&ids))
		return ids
	}
	r.send(UpdateAssignReviewers, assign("as-2", "a2")) // rev-a, rev-b
	r.send(UpdateAssignReviewers, assign("as-1", "a1")) // rev-c, then rev-a on the id tie
	got := map[string][]string{}
	r.then(func() {
		for _, rev := range []string{"rev-a", "rev-b", "rev-c", "nobody"} {
			got[rev] = assigned(rev)
		}
	})
	r.send(UpdateReleaseReviewers, ReleaseReviewersRequest{Command: fundCmd("rl-1", fundflow.System), ApplicationID: "a2"})
	var afterRelease []string
	r.then(func() { afterRelease = assigned("rev-a") })
	r.execute(FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})

	require.Equal(t, map[string][]string{
		"rev-a": {"a1", "a2"}, "rev-b": {"a2"}, "rev-c": {"a1"}, "nobody": {},
	}, got, "in application id order; a reviewer with none gets an empty list")
	require.Equal(t, []string{"a1"}, afterRelease, "a released assignment is no longer live")
}

func TestFundNumbersItsApplicationsOnceEach(t *testing.T) {
	r := newFundRun(t)
	old := seedFund()
	old.ReferencePrefix = "" // stored before references: the prefix comes from the name
	ask := func(key, app string) *fundOutcome {
		return r.send(UpdateAssignReference, AssignReferenceRequest{Command: fundCmd(key, fundflow.System), ApplicationID: app})
	}
	a1 := ask("application:a1:1:assign_reference", "a1")
	a2 := ask("application:a2:1:assign_reference", "a2")
	retry := ask("application:a1:1:assign_reference", "a1")
	nameless := ask("application:a4:1:assign_reference", "")
	renamed := old
	renamed.Name = "Wellbeing Fund"
	amend := r.send(UpdateAmend, AmendRequest{Command: fundCmd("amend-1", fundAdmin), Definition: renamed})
	a3 := ask("application:a3:1:assign_reference", "a3")
	view := r.snapshot()
	r.then(func() { r.env.CancelWorkflow() })
	in := FundWorkflowInput{Definition: old, Status: fund.StatusOpen}
	in.Ledger = fund.NewLedger(old)
	_ = r.execute(in)

	got := func(o *fundOutcome) string {
		var res AssignReferenceResult
		o.ok(t, &res)
		return res.Reference
	}
	require.Equal(t, "PIF-0001", got(a1))
	require.Equal(t, "PIF-0002", got(a2))
	require.Equal(t, "PIF-0001", got(retry), "a retry gets the first answer, not a second number")
	nameless.refused(t, fundflow.EVALIDATION)
	amend.ok(t, nil)
	require.Equal(t, "PIF-0003", got(a3), "renaming an open fund keeps the prefix its references were given under")
	require.Equal(t, "PIF", view.Definition.ReferencePrefix)
	require.Equal(t, "Wellbeing Fund", view.Definition.Name)
}
