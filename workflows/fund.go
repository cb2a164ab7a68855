package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
)

// maxProcessed bounds the keys remembered for Updates that write no
// statement entry. The memory exists to give a retry its original outcome
// and to spot a key reused for something else, and retries come from
// activity and HTTP retry loops within minutes; a thousand keys (about
// 100 KB carried across Continue-As-New) is far more than a fund sees in that
// time. A retry later than that is judged afresh, which is safe: a status
// change refuses invalid_state because it already happened, a registration
// finds itself registered and gives the same answer, a waitlist join with
// the same terms changes nothing, and a retirement repeats harmlessly.
// Credit Updates need no such memory: their keys live on the statement.
const maxProcessed = 1000

// maxStatusReasonLen bounds the reason kept with each status change.
const maxStatusReasonLen = 2000

// deliveryOptions retry an Update to another workflow until it is answered.
// A refusal is an answer, not an error; only an unreachable workflow fails
// the activity, and then the sender waits: a fund rather than pass credit
// down the waitlist behind the back of an application that may be waiting
// for it, an application rather than act on a guess about the fund.
//
// Each attempt is one Update, answered in milliseconds by a live workflow,
// and its ID makes a retry the same Update; so the timeout is short: when a
// worker dies holding the attempt, the retry on another worker starts
// within seconds, and an HTTP command waiting on the answer (a decision
// reserving credit, an accepted offer) stays well inside a load balancer's
// timeout.
var deliveryOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 5 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// FundWorkflow is a fund's entity workflow, with ID FundWorkflowID(id): the
// only writer of the fund's ledger. Everything it knows is in one state
// value, FundWorkflowInput, which it carries across Continue-As-New. Its
// Updates change that state without blocking, so they never interleave; the
// main loop delivers notices to applications and decides when to continue
// as new, and one more coroutine closes the fund at closes_at.
func FundWorkflow(ctx workflow.Context, in FundWorkflowInput) error {
	f, err := newFund(in)
	if err != nil {
		return err
	}
	if err := f.setHandlers(ctx); err != nil {
		return err
	}
	workflow.Go(ctx, f.closeOnTime)
	return f.run(ctx)
}

type fundWorkflow struct {
	FundWorkflowInput
}

func newFund(in FundWorkflowInput) (*fundWorkflow, error) {
	// Only a new fund is validated: a rule tightened in a later release
	// must not fail a running fund at its next Continue-As-New.
	if in.Ledger == nil {
		in.Definition = in.Definition.Defaults()
		if in.Definition.Form != nil {
			// A new fund's form is its first version, whatever was sent.
			first := *in.Definition.Form
			first.Version = 1
			in.Definition.Form = &first
		}
		if in.Definition.Terms != nil {
			// And so are its terms.
			first := *in.Definition.Terms
			first.Version = 1
			in.Definition.Terms = &first
		}
		if err := in.Definition.Validate(); err != nil {
			return nil, temporalerr.Encode(err)
		}
		in.Ledger = fund.NewLedger(in.Definition)
	}
	if in.Status == "" {
		in.Status = fund.StatusDraft
	}
	if !in.Status.Stored() {
		return nil, temporalerr.Encode(fundflow.Errorf(fundflow.EVALIDATION, "a fund cannot start as %q", in.Status))
	}
	return &fundWorkflow{in}, nil
}

func (f *fundWorkflow) run(ctx workflow.Context) error {
	for {
		if err := workflow.Await(ctx, func() bool {
			return len(f.Outbox) > 0 || f.Status == fund.StatusFinished || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}); err != nil {
			return err
		}
		if len(f.Outbox) > 0 {
			if err := f.deliver(ctx); err != nil {
				return err
			}
			continue
		}
		// Handlers never block today, but ending a run under one would
		// drop its result; wait for them, then look again in case they
		// queued notices.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		switch {
		case len(f.Outbox) > 0:
			continue
		case f.Status == fund.StatusFinished:
			return nil
		}
		return workflow.NewContinueAsNewError(ctx, FundWorkflow, f.FundWorkflowInput)
	}
}

// closeOnTime closes the fund at closes_at. The timer is durable, and it is
// re-armed whenever an amendment moves closes_at.
func (f *fundWorkflow) closeOnTime(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return f.Status != fund.StatusDraft }); err != nil || f.Status != fund.StatusOpen {
			return
		}
		closesAt := f.Definition.ClosesAt
		if wait := closesAt.Sub(workflow.Now(ctx)); wait > 0 {
			moved, err := workflow.AwaitWithTimeout(ctx, wait, func() bool {
				return f.Status != fund.StatusOpen || !f.Definition.ClosesAt.Equal(closesAt)
			})
			if err != nil {
				return
			}
			if moved {
				continue
			}
		}
		f.setStatus(ctx, fund.StatusClosed, fundflow.System, "closes_at reached")
	}
}

func (f *fundWorkflow) setStatus(ctx workflow.Context, to fund.Status, by fundflow.Actor, reason string) {
	f.History = append(f.History, StatusChange{At: workflow.Now(ctx), From: f.Status, To: to, Actor: by, Reason: reason})
	f.Status = to
}

// deliver sends the oldest notice. It leaves the outbox only once
// delivered, so a notice survives a worker restart or Continue-As-New.
func (f *fundWorkflow) deliver(ctx workflow.Context) error {
	var a *activities.Activities
	n := f.Outbox[0]
	ctx = workflow.WithActivityOptions(ctx, deliveryOptions)
	to := activities.Delivery{
		WorkflowID: ApplicationWorkflowID(n.ApplicationID),
		UpdateName: n.Update,
		UpdateID:   n.Update + ":" + f.Definition.ID + ":" + strconv.FormatInt(n.EntrySeq, 10),
	}
	var got activities.Notified
	var sent workflow.Future
	if n.Update == UpdateCreditReserved {
		sent = workflow.ExecuteActivity(ctx, a.NotifyCreditReserved, activities.NotifyCreditReservedInput{
			CreditReserved: activities.CreditReserved{FundID: f.Definition.ID, ApplicationID: n.ApplicationID, AmountPence: n.AmountPence},
			Delivery:       to,
		})
	} else {
		sent = workflow.ExecuteActivity(ctx, a.NotifyFundFinished, activities.NotifyFundFinishedInput{
			FundFinished: activities.FundFinished{FundID: f.Definition.ID, ApplicationID: n.ApplicationID},
			Delivery:     to,
		})
	}
	if err := sent.Get(ctx, &got); err != nil {
		return err
	}
	f.Outbox = f.Outbox[1:]
	if !got.Accepted {
		workflow.GetLogger(ctx).Info("application refused notice", "update", n.Update, "application", n.ApplicationID, "refusal", got.Refusal)
		if n.Update == UpdateCreditReserved {
			f.withdrawPromotion(ctx, n)
		}
	}
	return nil
}

// withdrawPromotion releases a promotion the application did not want and
// offers the credit to the next in line. It leaves alone credit the
// application has since committed or reserved afresh.
func (f *fundWorkflow) withdrawPromotion(ctx workflow.Context, n Notice) {
	acct, _ := f.Ledger.Account(n.ApplicationID)
	if acct.ReservedSeq != n.EntrySeq || acct.ReservedPence == 0 {
		return
	}
	_, err := f.Ledger.Release("waitlist-promotion-refused:"+strconv.FormatInt(n.EntrySeq, 10), n.ApplicationID,
		"the application refused the waitlist promotion", fundflow.System, workflow.Now(ctx))
	mustHold(err)
	f.promote(ctx)
	mustHold(f.Ledger.CheckRecent())
}

// promote reserves credit off the waitlist and queues a notice for each
// application promoted.
func (f *fundWorkflow) promote(ctx workflow.Context) {
	for _, e := range f.Ledger.PromoteFromWaitlist(workflow.Now(ctx)) {
		f.Outbox = append(f.Outbox, Notice{
			Update: UpdateCreditReserved, ApplicationID: e.ApplicationID, AmountPence: e.AmountPence, EntrySeq: e.Seq,
		})
	}
}

// mustHold panics on what can only be a bug. The worker's BlockWorkflow
// panic policy then fails the workflow task, freezing the workflow until a
// fix is deployed, rather than letting a fund record a wrong figure or an
// application a wrong decision.
func mustHold(err error) {
	if err != nil {
		panic("invariant broken: " + err.Error())
	}
}

func (f *fundWorkflow) setHandlers(ctx workflow.Context) error {
	return errors.Join(
		workflow.SetQueryHandler(ctx, QueryFund, func() (FundView, error) { return f.view(), nil }),
		workflow.SetQueryHandler(ctx, QueryLedger, func(q LedgerQuery) (LedgerPage, error) {
			entries, next := f.Ledger.EntriesAfter(q.AfterSeq, q.Limit)
			return LedgerPage{Entries: nonNil(entries), NextAfterSeq: next}, nil
		}),
		workflow.SetQueryHandler(ctx, QueryReviewerAssignments, func(reviewer string) ([]string, error) {
			return nonNil(f.Reviewing.AssignedTo(reviewer)), nil
		}),
		workflow.SetQueryHandler(ctx, QueryForm, func(n int) (FormView, error) {
			v, _ := f.form(n)
			return v, nil
		}),
		workflow.SetQueryHandler(ctx, QueryTerms, func(n int) (TermsView, error) {
			v, _ := f.terms(n)
			return v, nil
		}),

		setFundUpdate(ctx, f, UpdateOpen, rememberedUpdate(f.keys(), UpdateOpen, f.checkOpen, f.lifecycle(fund.StatusOpen), currentFundView[LifecycleRequest](f))),
		setFundUpdate(ctx, f, UpdateClose, rememberedUpdate(f.keys(), UpdateClose, f.checkClose, f.lifecycle(fund.StatusClosed), currentFundView[LifecycleRequest](f))),
		setFundUpdate(ctx, f, UpdateFinish, rememberedUpdate(f.keys(), UpdateFinish, f.checkFinish, f.finish, currentFundView[LifecycleRequest](f))),
		setFundUpdate(ctx, f, UpdateAmend, rememberedUpdate(f.keys(), UpdateAmend, f.checkAmend, f.amend, currentFundView[AmendRequest](f))),
		setFundUpdate(ctx, f, UpdatePublishForm, rememberedUpdate(f.keys(), UpdatePublishForm, f.checkPublishForm, f.publishForm, func(PublishFormRequest) FormView {
			v, _ := f.form(0)
			return v
		})),
		setFundUpdate(ctx, f, UpdatePublishTerms, rememberedUpdate(f.keys(), UpdatePublishTerms, f.checkPublishTerms, f.publishTerms, func(PublishTermsRequest) TermsView {
			v, _ := f.terms(0)
			return v
		})),

		setFundUpdate(ctx, f, UpdateReserve, creditUpdate(f, func(r ReserveRequest) error {
			return f.Ledger.CheckReserve(r.Key, r.ApplicationID, r.AmountPence)
		}, func(ctx workflow.Context, r ReserveRequest) (fund.Entry, error) {
			return f.Ledger.Reserve(r.Key, r.ApplicationID, r.AmountPence, r.Actor, workflow.Now(ctx))
		})),
		setFundUpdate(ctx, f, UpdateCommit, creditUpdate(f, func(r CommitRequest) error {
			return f.Ledger.CheckCommit(r.Key, r.ApplicationID)
		}, func(ctx workflow.Context, r CommitRequest) (fund.Entry, error) {
			return f.Ledger.Commit(r.Key, r.ApplicationID, r.Actor, workflow.Now(ctx))
		})),
		setFundUpdate(ctx, f, UpdateRelease, creditUpdate(f, func(r ReleaseRequest) error {
			return f.Ledger.CheckRelease(r.Key, r.ApplicationID, r.Reason)
		}, f.release)),
		setFundUpdate(ctx, f, UpdateDrawdown, creditUpdate(f, f.checkDrawdown, func(ctx workflow.Context, r DrawdownRequest) (fund.Entry, error) {
			return f.Ledger.Drawdown(r.Key, r.ApplicationID, r.MilestoneID, r.AmountPence, r.Actor, workflow.Now(ctx))
		})),
		setFundUpdate(ctx, f, UpdateReserveVariation, creditUpdate(f, func(r ReserveVariationRequest) error {
			return f.Ledger.CheckReserveVariation(r.Key, r.ApplicationID, r.ChangeID, r.AmountPence)
		}, func(ctx workflow.Context, r ReserveVariationRequest) (fund.Entry, error) {
			return f.Ledger.ReserveVariation(r.Key, r.ApplicationID, r.ChangeID, r.AmountPence, r.Actor, workflow.Now(ctx))
		})),
		setFundUpdate(ctx, f, UpdateCommitVariation, creditUpdate(f, func(r CommitVariationRequest) error {
			return f.Ledger.CheckCommitVariation(r.Key, r.ApplicationID, r.ChangeID)
		}, func(ctx workflow.Context, r CommitVariationRequest) (fund.Entry, error) {
			return f.Ledger.CommitVariation(r.Key, r.ApplicationID, r.ChangeID, r.Actor, workflow.Now(ctx))
		})),
		setFundUpdate(ctx, f, UpdateReleaseVariation, creditUpdate(f, func(r ReleaseVariationRequest) error {
			return f.Ledger.CheckReleaseVariation(r.Key, r.ApplicationID, r.ChangeID, r.Reason)
		}, func(ctx workflow.Context, r ReleaseVariationRequest) (fund.Entry, error) {
			return f.Ledger.ReleaseVariation(r.Key, r.ApplicationID, r.ChangeID, r.Reason, r.Actor, workflow.Now(ctx))
		})),
		setFundUpdate(ctx, f, UpdateReduceAward, creditUpdate(f, func(r ReduceAwardRequest) error {
			return f.Ledger.CheckReduce(r.Key, r.ApplicationID, r.ChangeID, r.AmountPence, r.Reason)
		}, f.reduce)),

		setFundUpdate(ctx, f, UpdateWaitlistJoin, rememberedUpdate(f.keys(), UpdateWaitlistJoin, func(_ workflow.Context, r WaitlistJoinRequest) error {
			if err := f.requireStatus(fund.StatusOpen, fund.StatusClosed); err != nil {
				return err
			}
			return f.Ledger.CheckJoin(r.ApplicationID, r.AmountPence, r.RankScore)
		}, func(ctx workflow.Context, r WaitlistJoinRequest) (WaitlistResult, error) {
			pos, err := f.Ledger.Join(r.ApplicationID, r.AmountPence, r.RankScore, workflow.Now(ctx))
			return WaitlistResult{Position: pos}, err
		}, func(r WaitlistJoinRequest) WaitlistResult {
			return WaitlistResult{Position: f.Ledger.Position(r.ApplicationID)}
		})),
		setFundUpdate(ctx, f, UpdateWaitlistLeave, rememberedUpdate(f.keys(), UpdateWaitlistLeave, func(workflow.Context, WaitlistLeaveRequest) error {
			return nil
		}, func(_ workflow.Context, r WaitlistLeaveRequest) (WaitlistResult, error) {
			f.Ledger.Leave(r.ApplicationID)
			return WaitlistResult{}, nil
		}, func(r WaitlistLeaveRequest) WaitlistResult {
			return WaitlistResult{Position: f.Ledger.Position(r.ApplicationID)}
		})),

		setFundUpdate(ctx, f, UpdateRegisterSubmission, rememberedUpdate(f.keys(), UpdateRegisterSubmission, f.checkRegister,
			func(ctx workflow.Context, r RegisterSubmissionRequest) (RegisterSubmissionResult, error) {
				earlier, err := f.Ledger.RegisterSubmission(r.ApplicationID, r.OrgCode, workflow.Now(ctx))
				return RegisterSubmissionResult{EarlierLiveApplications: nonNil(earlier), Definition: f.Definition}, err
			}, func(r RegisterSubmissionRequest) RegisterSubmissionResult {
				return RegisterSubmissionResult{EarlierLiveApplications: nonNil(f.Ledger.EarlierLive(r.ApplicationID)), Definition: f.Definition}
			})),
		setFundUpdate(ctx, f, UpdateRetireSubmission, rememberedUpdate(f.keys(), UpdateRetireSubmission, func(_ workflow.Context, r RetireSubmissionRequest) error {
			return f.Ledger.CheckRetire(r.ApplicationID)
		}, func(_ workflow.Context, r RetireSubmissionRequest) (struct{}, error) {
			return struct{}{}, f.Ledger.Retire(r.ApplicationID)
		}, nothing[RetireSubmissionRequest])),

		setFundUpdate(ctx, f, UpdateAssignReference, rememberedUpdate(f.keys(), UpdateAssignReference, func(_ workflow.Context, r AssignReferenceRequest) error {
			var v fundflow.Invalid
			required(&v, "application_id", r.ApplicationID)
			return v.Err("the request for a reference is invalid")
		}, func(_ workflow.Context, r AssignReferenceRequest) (AssignReferenceResult, error) {
			f.References++
			return AssignReferenceResult{Reference: application.Reference(f.Definition.Prefix(), f.References)}, nil
		}, nil)),
		setFundUpdate(ctx, f, UpdateAssignReviewers, rememberedUpdate(f.keys(), UpdateAssignReviewers, func(_ workflow.Context, r AssignReviewersRequest) error {
			_, err := f.chooseReviewers(r)
			return err
		}, func(_ workflow.Context, r AssignReviewersRequest) (AssignReviewersResult, error) {
			chosen, err := f.chooseReviewers(r)
			for _, rev := range chosen {
				f.Reviewing.Assign(r.ApplicationID, rev.ID)
			}
			return AssignReviewersResult{Reviewers: chosen}, err
		}, nil)),
		setFundUpdate(ctx, f, UpdateReviewerConflict, rememberedUpdate(f.keys(), UpdateReviewerConflict, func(_ workflow.Context, r ReviewerConflictRequest) error {
			var v fundflow.Invalid
			required(&v, "application_id", r.ApplicationID)
			required(&v, "reviewer_id", r.ReviewerID)
			required(&v, "org_code", r.OrgCode)
			return v.Err("the conflict is invalid")
		}, func(ctx workflow.Context, r ReviewerConflictRequest) (struct{}, error) {
			f.Reviewing.DeclareConflict(r.ReviewerID, r.OrgCode, r.ApplicationID, workflow.Now(ctx))
			return struct{}{}, nil
		}, nothing[ReviewerConflictRequest])),
		setFundUpdate(ctx, f, UpdateReleaseReviewers, rememberedUpdate(f.keys(), UpdateReleaseReviewers, func(workflow.Context, ReleaseReviewersRequest) error {
			return nil
		}, func(_ workflow.Context, r ReleaseReviewersRequest) (struct{}, error) {
			f.Reviewing.Unassign(r.ApplicationID)
			return struct{}{}, nil
		}, nothing[ReleaseReviewersRequest])),
	)
}

// commandRequest is the argument of any Update a person or another workflow
// sends on someone's behalf; all embed Command.
type commandRequest interface{ command() Command }

func (c Command) command() Command { return c }

// update is one Update: check decides, changing nothing, whether it may run
// now; apply runs it.
type update[R, T any] struct {
	check func(workflow.Context, R) error
	apply func(workflow.Context, R) (T, error)
}

// setUpdate registers u with check as its validator. The handler checks
// again, since another Update may have run since validation.
func setUpdate[R, T any](ctx workflow.Context, name string, u update[R, T]) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, r R) (T, error) {
			if err := u.check(ctx, r); err != nil {
				var zero T
				return zero, temporalerr.Encode(err)
			}
			res, err := u.apply(ctx, r)
			return res, temporalerr.Encode(err)
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, r R) error { return temporalerr.Encode(u.check(ctx, r)) },
		})
}

// setFundUpdate registers a fund Update, verifying the ledger's invariants
// after every change: what the change could have broken, in time that does
// not grow with the statement, and the whole ledger once per run (see
// fund.Ledger.CheckRecent).
func setFundUpdate[R, T any](ctx workflow.Context, f *fundWorkflow, name string, u update[R, T]) error {
	return setUpdate(ctx, name, update[R, T]{check: u.check, apply: func(ctx workflow.Context, r R) (T, error) {
		res, err := u.apply(ctx, r)
		mustHold(f.Ledger.CheckRecent())
		return res, err
	}})
}

// creditUpdate wraps a ledger Update. Its key is kept on the statement entry it
// writes, and the ledger recognises a retry there; that comes before the
// status check, so a retry gets its original answer after the fund has
// moved on.
func creditUpdate[R commandRequest](f *fundWorkflow, check func(R) error, apply func(workflow.Context, R) (fund.Entry, error)) update[R, LedgerResult] {
	return update[R, LedgerResult]{
		check: func(_ workflow.Context, r R) error {
			c := r.command()
			if err := checkCommand(c); err != nil {
				return err
			}
			if _, ok := f.keys().recall(c.Key); ok {
				return keyReused(c.Key)
			}
			if _, retry := f.Ledger.EntryByKey(c.Key); !retry {
				if err := f.requireStatus(fund.StatusOpen, fund.StatusClosed); err != nil {
					return err
				}
			}
			return check(r)
		},
		apply: func(ctx workflow.Context, r R) (LedgerResult, error) {
			e, err := apply(ctx, r)
			return LedgerResult{Entry: e, Budget: f.Ledger.Balances}, err
		},
	}
}

// keyMemory is where an entity workflow remembers the idempotency keys of
// Updates it has run, each with a digest of its request so a retry is told
// from a reuse. It keeps the newest limit of them, oldest first.
type keyMemory struct {
	keys  *[]ProcessedKey
	limit int
	// spent, when set, reports keys used in a way no remembered request can
	// match, such as on the fund's statement.
	spent func(key string) bool
}

func (m keyMemory) recall(key string) (ProcessedKey, bool) {
	i := slices.IndexFunc(*m.keys, func(p ProcessedKey) bool { return p.Key == key })
	if i < 0 {
		return ProcessedKey{}, false
	}
	return (*m.keys)[i], true
}

func (m keyMemory) remember(p ProcessedKey) {
	*m.keys = append(*m.keys, p)
	*m.keys = (*m.keys)[max(0, len(*m.keys)-m.limit):]
}

func (f *fundWorkflow) keys() keyMemory {
	return keyMemory{keys: &f.Processed, limit: maxProcessed, spent: func(key string) bool {
		_, used := f.Ledger.EntryByKey(key)
		return used
	}}
}

// rememberedUpdate wraps an Update that writes no statement entry. Its key is
// remembered with a digest of the request, and a retry runs nothing again:
// it gets replay's answer from the current state or, when replay is nil, the
// result the first run returned, which is then kept with the key.
func rememberedUpdate[R commandRequest, T any](m keyMemory, name string, check func(workflow.Context, R) error,
	apply func(workflow.Context, R) (T, error), replay func(R) T) update[R, T] {
	return update[R, T]{
		check: func(ctx workflow.Context, r R) error {
			c := r.command()
			if err := checkCommand(c); err != nil {
				return err
			}
			if m.spent != nil && m.spent(c.Key) {
				return keyReused(c.Key)
			}
			p, ok := m.recall(c.Key)
			switch {
			case !ok:
				return check(ctx, r)
			case p.Digest == requestDigest(name, r):
				return nil
			}
			return keyReused(c.Key)
		},
		apply: func(ctx workflow.Context, r R) (T, error) {
			key := r.command().Key
			if p, ok := m.recall(key); ok {
				if replay != nil {
					return replay(r), nil
				}
				var res T
				decode(p.Result, &res)
				return res, nil
			}
			res, err := apply(ctx, r)
			if err == nil {
				p := ProcessedKey{Key: key, Digest: requestDigest(name, r)}
				if replay == nil {
					p.Result = encode(res)
				}
				m.remember(p)
			}
			return res, err
		},
	}
}

// nothing is the replay of an Update that returns nothing.
func nothing[R any](R) struct{} { return struct{}{} }

// requestDigest identifies a request by its Update and every argument, actor
// included: a genuine retry resends all of them unchanged. JSON is the
// encoding because it is stable across Go releases, and digests outlive the
// worker that computed them.
func requestDigest(name string, r any) string {
	sum := sha256.Sum256(append([]byte(name+"\x00"), encode(r)...))
	return hex.EncodeToString(sum[:8])
}

// encode is JSON for what workflow code keeps or sends: requests, remembered
// results, the payloads of Updates to other workflows.
func encode(v any) json.RawMessage {
	b, err := json.Marshal(v) //workflowcheck:ignore encoding/json is deterministic for these map-free structs; the checker flags its type cache
	mustHold(err)
	return b
}

// decode reads what encode wrote.
func decode(b []byte, v any) {
	mustHold(json.Unmarshal(b, v)) //workflowcheck:ignore as in encode
}

func keyReused(key string) error {
	return fundflow.Errorf(fundflow.EIDEMPOTENCYREUSED, "idempotency key %q was already used for a different request", key)
}

func checkCommand(c Command) error {
	var v fundflow.Invalid
	if c.Key == "" || len(c.Key) > fund.MaxKeyLen {
		v.Add("key", "an idempotency key of 1 to %d bytes is required", fund.MaxKeyLen)
	}
	if c.Actor.ID == "" {
		v.Add("actor.id", "is required")
	}
	if !c.Actor.Role.Valid() && c.Actor.Role != fundflow.RoleSystem {
		v.Add("actor.role", "is not a role")
	}
	return v.Err("the command is invalid")
}

// requireFundAdmin guards the fund's own lifecycle. Credit Updates come
// from application workflows, which have already decided who may act for an
// application, so the fund does not second-guess their actors.
func requireFundAdmin(c Command) error {
	if c.Actor.Role != fundflow.RoleAdmin {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only an admin can do this to a fund")
	}
	return nil
}

func (f *fundWorkflow) requireStatus(allowed ...fund.Status) error {
	if slices.Contains(allowed, f.Status) {
		return nil
	}
	return fundflow.Errorf(fundflow.EINVALIDSTATE, "the fund is %s", f.Ledger.Reported(f.Status))
}

// checkLifecycle is what every lifecycle Update needs: an admin, a reason
// short enough to keep, and a fund in the status the change starts from.
func (f *fundWorkflow) checkLifecycle(r LifecycleRequest, from fund.Status) error {
	if err := requireFundAdmin(r.Command); err != nil {
		return err
	}
	if utf8.RuneCountInString(r.Reason) > maxStatusReasonLen {
		return fundflow.Invalid{{Field: "reason", Message: fmt.Sprintf("must be at most %d characters", maxStatusReasonLen)}}.Err("the request is invalid")
	}
	return f.requireStatus(from)
}

func (f *fundWorkflow) checkOpen(ctx workflow.Context, r LifecycleRequest) error {
	if err := f.checkLifecycle(r, fund.StatusDraft); err != nil {
		return err
	}
	if !workflow.Now(ctx).Before(f.Definition.ClosesAt) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "closes_at (%s) has passed; amend it before opening", f.Definition.ClosesAt.Format(time.RFC3339))
	}
	return nil
}

func (f *fundWorkflow) checkClose(_ workflow.Context, r LifecycleRequest) error {
	return f.checkLifecycle(r, fund.StatusOpen)
}

func (f *fundWorkflow) lifecycle(to fund.Status) func(workflow.Context, LifecycleRequest) (FundView, error) {
	return func(ctx workflow.Context, r LifecycleRequest) (FundView, error) {
		f.setStatus(ctx, to, r.Actor, r.Reason)
		return f.view(), nil
	}
}

func (f *fundWorkflow) checkFinish(_ workflow.Context, r LifecycleRequest) error {
	if err := f.checkLifecycle(r, fund.StatusClosed); err != nil {
		return err
	}
	if b := f.Ledger.Balances; b.ReservedPence+b.CommittedPence > 0 {
		return fundflow.Errorf(fundflow.EINVALIDSTATE,
			"%d pence is still reserved and %d pence committed; release or draw it first", b.ReservedPence, b.CommittedPence)
	}
	return nil
}

// finish tells every waitlisted application that no credit is coming.
func (f *fundWorkflow) finish(ctx workflow.Context, r LifecycleRequest) (FundView, error) {
	for _, w := range slices.Clone(f.Ledger.Waitlist) {
		f.Outbox = append(f.Outbox, Notice{Update: UpdateFundFinished, ApplicationID: w.ApplicationID})
		f.Ledger.Leave(w.ApplicationID)
	}
	return f.lifecycle(fund.StatusFinished)(ctx, r)
}

func (f *fundWorkflow) checkAmend(_ workflow.Context, r AmendRequest) error {
	if err := requireFundAdmin(r.Command); err != nil {
		return err
	}
	if err := f.requireStatus(fund.StatusDraft, fund.StatusOpen); err != nil {
		return err
	}
	d := f.amended(r)
	if err := d.Validate(); err != nil {
		return err
	}
	if d.ID != f.Definition.ID {
		return fundflow.Invalid{{Field: "id", Message: "cannot change"}}.Err("the fund definition is invalid")
	}
	if f.Status == fund.StatusOpen && !slices.Equal(frozenTerms(d), frozenTerms(f.Definition)) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "once a fund is open only its name, description and closes_at can change, and its form and terms only by publishing new versions")
	}
	return nil
}

// frozenTerms is what applicants were promised once a fund opened: everything
// but its name, description and closing time.
func frozenTerms(d fund.Definition) []byte {
	// A fund stored before references has no prefix but has been giving
	// references under the one Prefix derives.
	d.ReferencePrefix = d.Prefix()
	d.Name, d.Description, d.ClosesAt = "", "", time.Time{}
	return encode(d)
}

// amended is the definition an amendment asks for. A draft's form and terms
// are replaced in place and an open fund's can only stay the same
// (frozenTerms), so their versions stay the fund's either way; a draft's
// first terms are version 1.
func (f *fundWorkflow) amended(r AmendRequest) fund.Definition {
	in := r.Definition
	if in.ReferencePrefix == "" {
		// The prefix an amendment leaves out is the one references have
		// been given under, not the initials of a new name.
		in.ReferencePrefix = f.Definition.Prefix()
	}
	d := in.Defaults()
	if d.Form != nil {
		same := *d.Form
		same.Version = f.Definition.FormVersion()
		d.Form = &same
	}
	if d.Terms != nil {
		same := *d.Terms
		same.Version = max(f.Definition.TermsVersion(), 1)
		d.Terms = &same
	}
	return d
}

func (f *fundWorkflow) amend(_ workflow.Context, r AmendRequest) (FundView, error) {
	f.Definition = f.amended(r)
	if f.Status == fund.StatusDraft {
		// A draft has no credit movements, so its ledger is simply rebuilt
		// for the new figures.
		f.Ledger = fund.NewLedger(f.Definition)
	}
	return f.view(), nil
}

// form is version n of the fund's form, the current one for 0; a zero
// FormView, which a query answers so the caller can say not found, for a
// version the fund never had.
func (f *fundWorkflow) form(n int) (FormView, bool) {
	current := f.Definition.ApplicationForm()
	if n == 0 || n == current.Version {
		return FormView{FundID: f.Definition.ID, Version: current.Version, Form: current}, true
	}
	for _, past := range f.PastForms {
		if past.Version == n {
			return FormView{FundID: f.Definition.ID, Version: n, Form: past}, true
		}
	}
	return FormView{}, false
}

// nextForm is r's form as it would be published: the same version while
// the fund is a draft (no application can have started on it), the next
// once it has opened.
func (f *fundWorkflow) nextForm(r PublishFormRequest) form.Form {
	next := r.Form
	next.Version = f.Definition.FormVersion()
	if f.Status != fund.StatusDraft {
		next.Version++
	}
	return next
}

func (f *fundWorkflow) checkPublishForm(_ workflow.Context, r PublishFormRequest) error {
	if err := requireFundAdmin(r.Command); err != nil {
		return err
	}
	if err := f.requireStatus(fund.StatusDraft, fund.StatusOpen); err != nil {
		return err
	}
	return f.nextForm(r).Check()
}

func (f *fundWorkflow) publishForm(_ workflow.Context, r PublishFormRequest) (FormView, error) {
	next := f.nextForm(r)
	if next.Version > f.Definition.FormVersion() {
		f.PastForms = append(f.PastForms, f.Definition.ApplicationForm())
	}
	f.Definition.Form = &next
	v, _ := f.form(0)
	return v, nil
}

// terms is version n of the fund's terms, the current one for 0; a zero
// TermsView, as form gives, for a version the fund never had.
func (f *fundWorkflow) terms(n int) (TermsView, bool) {
	current := f.Definition.Terms
	if current == nil {
		return TermsView{}, false
	}
	if n == 0 || n == current.Version {
		return TermsView{Version: current.Version, Terms: *current}, true
	}
	for _, past := range f.PastTerms {
		if past.Version == n {
			return TermsView{Version: n, Terms: past}, true
		}
	}
	return TermsView{}, false
}

// nextTerms is r's terms as they would be published: the same version while
// the fund is a draft (no offer can have been made on them), the next once
// it has opened, and version 1 for a fund's first.
func (f *fundWorkflow) nextTerms(r PublishTermsRequest) fund.Terms {
	next := r.Terms
	next.Version = f.Definition.TermsVersion()
	if f.Status != fund.StatusDraft || next.Version == 0 {
		next.Version++
	}
	return next
}

func (f *fundWorkflow) checkPublishTerms(_ workflow.Context, r PublishTermsRequest) error {
	if err := requireFundAdmin(r.Command); err != nil {
		return err
	}
	if err := f.requireStatus(fund.StatusDraft, fund.StatusOpen); err != nil {
		return err
	}
	return f.nextTerms(r).Check()
}

func (f *fundWorkflow) publishTerms(_ workflow.Context, r PublishTermsRequest) (TermsView, error) {
	next := f.nextTerms(r)
	if current := f.Definition.Terms; current != nil && next.Version > current.Version {
		f.PastTerms = append(f.PastTerms, *current)
	}
	f.Definition.Terms = &next
	v, _ := f.terms(0)
	return v, nil
}

func (f *fundWorkflow) release(ctx workflow.Context, r ReleaseRequest) (fund.Entry, error) {
	return f.promoting(ctx, func() (fund.Entry, error) {
		return f.Ledger.Release(r.Key, r.ApplicationID, r.Reason, r.Actor, workflow.Now(ctx))
	})
}

func (f *fundWorkflow) reduce(ctx workflow.Context, r ReduceAwardRequest) (fund.Entry, error) {
	reduce := func() (fund.Entry, error) {
		return f.Ledger.Reduce(r.Key, r.ApplicationID, r.ChangeID, r.AmountPence, r.Reason, r.Actor, workflow.Now(ctx))
	}
	if !r.Promote {
		return reduce()
	}
	return f.promoting(ctx, reduce)
}

// promoting runs free, an operation that hands credit back, and offers the
// credit to the waitlist; a retry, which writes nothing, promotes nothing.
func (f *fundWorkflow) promoting(ctx workflow.Context, free func() (fund.Entry, error)) (fund.Entry, error) {
	n := len(f.Ledger.Entries)
	e, err := free()
	if err == nil && len(f.Ledger.Entries) > n {
		f.promote(ctx)
	}
	return e, err
}

func (f *fundWorkflow) checkDrawdown(r DrawdownRequest) error {
	if _, ok := f.Definition.Milestone(r.MilestoneID); !ok {
		return fundflow.Invalid{{Field: "milestone_id", Message: "is not a milestone of this fund"}}.Err("the drawdown is invalid")
	}
	return f.Ledger.CheckDrawdown(r.Key, r.ApplicationID, r.MilestoneID, r.AmountPence)
}

func (f *fundWorkflow) checkRegister(ctx workflow.Context, r RegisterSubmissionRequest) error {
	if err := f.requireStatus(fund.StatusOpen); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	if now.Before(f.Definition.OpensAt) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the fund opens for submissions at %s", f.Definition.OpensAt.Format(time.RFC3339))
	}
	if !now.Before(f.Definition.ClosesAt) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the fund closed for submissions at %s", f.Definition.ClosesAt.Format(time.RFC3339))
	}
	return f.Ledger.CheckRegister(r.ApplicationID, r.OrgCode)
}

// chooseReviewers is the panel assign_reviewers would give r now: the least
// loaded of the pool, leaving out whoever r excludes and everyone with a
// conflict declared against the organisation.
func (f *fundWorkflow) chooseReviewers(r AssignReviewersRequest) ([]application.Reviewer, error) {
	if err := f.requireStatus(fund.StatusOpen, fund.StatusClosed); err != nil {
		return nil, err
	}
	var v fundflow.Invalid
	required(&v, "application_id", r.ApplicationID)
	required(&v, "org_code", r.OrgCode)
	if r.N < 1 {
		v.Add("n", "must be at least 1")
	}
	for i, rev := range r.Pool {
		if rev.ID == "" {
			v.Add(fmt.Sprintf("pool[%d].id", i), "is required")
		}
	}
	if err := v.Err("the assignment is invalid"); err != nil {
		return nil, err
	}
	exclude := append(slices.Clone(r.Exclude), f.Reviewing.Conflicted(r.OrgCode)...)
	return application.ChooseReviewers(r.Pool, f.Reviewing.Load(), exclude, r.N)
}

func required(v *fundflow.Invalid, field, value string) {
	if value == "" {
		v.Add(field, "is required")
	}
}

func (f *fundWorkflow) view() FundView {
	d := f.Definition
	d.ReferencePrefix = d.Prefix()
	return FundView{
		Definition: d,
		Status:     f.Ledger.Reported(f.Status),
		Budget:     f.Ledger.Balances,
		Awards:     Awards{Count: f.Ledger.Awards(), Max: f.Ledger.Limits.MaxAwards},
		Waitlist:   nonNil(f.Ledger.Waitlist),
		History:    nonNil(f.History),
	}
}

// currentFundView answers a retried lifecycle Update with the fund as it is now.
func currentFundView[R any](f *fundWorkflow) func(R) FundView {
	return func(R) FundView { return f.view() }
}

// nonNil makes an empty list serialise as [] rather than null, which is
// what API clients expect of a list.
func nonNil[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}
