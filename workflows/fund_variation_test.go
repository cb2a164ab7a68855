package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/fund"
)

// award reserves amount for app and commits it, as an accepted offer has.
func (r *fundRun) award(app string, amount int64) {
	r.send(UpdateReserve, ReserveRequest{Command: fundCmd("res-"+app, fundChair), ApplicationID: app, AmountPence: amount})
	r.send(UpdateCommit, CommitRequest{Command: fundCmd("com-"+app, fundApplicant), ApplicationID: app})
}

func increase(key, app, change string, amount int64) ReserveVariationRequest {
	return ReserveVariationRequest{Command: fundCmd(key, fundPM), ApplicationID: app, ChangeID: change, AmountPence: amount}
}

// An increase holds its credit while the change is decided, and approving
// it adds the credit to the award. A closed fund with an increase pending
// is monitoring its awards, not allocating.
func TestFundIncreaseReservedThenCommitted(t *testing.T) {
	r := newFundRun(t)
	r.award("a", 6_000_000)
	r.send(UpdateClose, LifecycleRequest{Command: fundCmd("close", fundAdmin)})
	up := increase("var-a", "a", "ch-1", 1_500_000)
	reserved := r.send(UpdateReserveVariation, up)
	retry := r.send(UpdateReserveVariation, up)
	pending := r.snapshot()
	commit := CommitVariationRequest{Command: fundCmd("com-var-a", fundChair), ApplicationID: "a", ChangeID: "ch-1"}
	committed := r.send(UpdateCommitVariation, commit)
	commit.Key = "com-var-a-again"
	again := r.send(UpdateCommitVariation, commit)
	var page LedgerPage
	r.then(func() { page = r.ledger(LedgerQuery{}) })
	after := r.snapshot()
	r.execute(FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})

	var first, second LedgerResult
	reserved.ok(t, &first)
	retry.ok(t, &second)
	require.Equal(t, first.Entry, second.Entry, "a retry returns the original entry")
	require.Equal(t, fund.KindVariationReserve, first.Entry.Kind)
	require.Equal(t, "ch-1", first.Entry.Variation)
	require.Equal(t, fund.Balances{TotalPence: 32_000_000, AvailablePence: 24_500_000, ReservedPence: 1_500_000, CommittedPence: 6_000_000}, pending.Budget)
	require.Equal(t, fund.StatusMonitoring, pending.Status)

	var res LedgerResult
	committed.ok(t, &res)
	require.Equal(t, int64(1_500_000), res.Entry.AmountPence)
	require.Equal(t, fund.Balances{TotalPence: 32_000_000, AvailablePence: 24_500_000, CommittedPence: 7_500_000}, res.Budget)
	again.refused(t, fundflow.EINVALIDSTATE)
	require.Equal(t, []string{
		"reserve a 6000000", "commit a 6000000", "variation_reserve a 1500000", "variation_commit a 1500000",
	}, entryLines(page.Entries))
	require.Equal(t, res.Budget, after.Budget)
}

func TestFundIncreaseReleased(t *testing.T) {
	r := newFundRun(t)
	r.award("a", 6_000_000)
	r.send(UpdateReserveVariation, increase("var-a", "a", "ch-1", 1_000_000))
	release := func(key, change, reason string) *fundOutcome {
		return r.send(UpdateReleaseVariation, ReleaseVariationRequest{Command: fundCmd(key, fundPM), ApplicationID: "a", ChangeID: change, Reason: reason})
	}
	unexplained := release("rel-0", "ch-1", "")
	otherChange := release("rel-1", "ch-2", "withdrawn")
	released := release("rel-2", "ch-1", "refused by the panel chair")
	r.execute(FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})

	e := unexplained.refused(t, fundflow.EVALIDATION)
	require.Equal(t, "reason", e.Fields[0].Field)
	otherChange.refused(t, fundflow.EINVALIDSTATE)
	var res LedgerResult
	released.ok(t, &res)
	require.Equal(t, fund.KindVariationRelease, res.Entry.Kind)
	require.Equal(t, int64(1_000_000), res.Entry.AmountPence)
	require.Equal(t, "refused by the panel chair", res.Entry.Reason)
	require.Equal(t, fund.Balances{TotalPence: 32_000_000, AvailablePence: 26_000_000, CommittedPence: 6_000_000}, res.Budget)
}

// Two increases asked for at once, with credit for one: the first holds
// it, the second is refused until the first hands it back.
func TestFundConcurrentIncreasesShareTheCredit(t *testing.T) {
	d := seedFund()
	d.TotalPence = 13_500_000
	r := newFundRun(t)
	r.award("a", 6_000_000)
	r.award("b", 6_000_000)
	first := r.send(UpdateReserveVariation, increase("var-a", "a", "ch-a", 1_000_000))
	second := r.send(UpdateReserveVariation, increase("var-b", "b", "ch-b", 1_000_000))
	r.send(UpdateReleaseVariation, ReleaseVariationRequest{Command: fundCmd("rel-a", fundPM), ApplicationID: "a", ChangeID: "ch-a", Reason: "withdrawn"})
	retried := r.send(UpdateReserveVariation, increase("var-b", "b", "ch-b", 1_000_000))
	r.execute(FundWorkflowInput{Definition: d, Status: fund.StatusOpen})

	first.ok(t, nil)
	e := second.refused(t, fundflow.EINSUFFICIENTCREDIT)
	require.Equal(t, "1000000 pence requested but only 500000 pence is available", e.Message)
	var res LedgerResult
	retried.ok(t, &res)
	require.Equal(t, int64(500_000), res.Budget.AvailablePence, "a refused key wrote nothing, so it could be tried again")
}

// A decrease hands credit back; only when asked does the fund offer it to
// the waitlist, as a release does.
func TestFundReduceAwardPromotesWhenAsked(t *testing.T) {
	d := seedFund()
	d.MaxAwards = 5
	r := newFundRun(t)
	r.answer()
	for _, app := range []string{"b", "c", "d"} {
		r.send(UpdateReserve, ReserveRequest{Command: fundCmd("res-"+app, fundChair), ApplicationID: app, AmountPence: 8_000_000})
	}
	r.award("a", 8_000_000)
	r.send(UpdateWaitlistJoin, WaitlistJoinRequest{Command: fundCmd("join-w2", fundChair), ApplicationID: "w2", AmountPence: 3_000_000, RankScore: 80})
	r.send(UpdateWaitlistJoin, WaitlistJoinRequest{Command: fundCmd("join-w1", fundChair), ApplicationID: "w1", AmountPence: 5_000_000, RankScore: 90})
	reduce := func(key, change string, amount int64, promote bool) ReduceAwardRequest {
		return ReduceAwardRequest{Command: fundCmd(key, fundPM), ApplicationID: "a", ChangeID: change, AmountPence: amount,
			Reason: "smaller cohort", Promote: promote}
	}
	quiet := r.send(UpdateReduceAward, reduce("red-1", "ch-1", 3_000_000, false))
	waiting := r.snapshot()
	promoting := reduce("red-2", "ch-2", 2_000_000, true)
	promoted := r.send(UpdateReduceAward, promoting)
	retry := r.send(UpdateReduceAward, promoting)
	tooMuch := r.send(UpdateReduceAward, reduce("red-3", "ch-3", 3_000_001, true))
	after := r.snapshot()
	r.execute(FundWorkflowInput{Definition: d, Status: fund.StatusOpen})

	quiet.ok(t, nil)
	require.Len(t, waiting.Waitlist, 2, "w2 would fit, but the fund was not asked to promote")
	require.Equal(t, int64(3_000_000), waiting.Budget.AvailablePence)
	var first, again LedgerResult
	promoted.ok(t, &first)
	retry.ok(t, &again)
	require.Equal(t, first.Entry, again.Entry)
	require.Equal(t, fund.KindReduce, first.Entry.Kind)
	require.Equal(t, "ch-2", first.Entry.Variation)
	tooMuch.refused(t, fundflow.EINVALIDSTATE)

	require.Len(t, r.notified, 1, "the retry promoted no one again")
	require.Equal(t, "w1", r.notified[0].ApplicationID, "the head of the waitlist")
	require.Equal(t, int64(5_000_000), r.notified[0].AmountPence)
	require.Equal(t, []fund.WaitlistEntry{waiting.Waitlist[1]}, after.Waitlist, "w2 waits: every award slot is taken")
	require.Equal(t, fund.Balances{TotalPence: 32_000_000, ReservedPence: 29_000_000, CommittedPence: 3_000_000}, after.Budget)
}
