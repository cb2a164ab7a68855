package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/internal/organisation"
)

// maxApplicationProcessed bounds the idempotency keys an application
// remembers, each with its Outcome. An application sees a few dozen
// commands in its life and retries come within minutes, so two hundred
// (some 40 KB) is plenty; a key older than that is judged afresh, and then
// refused invalid_state because what it asked for has already happened.
const maxApplicationProcessed = 200

// Limits on what the panel chair and reviewers write, in characters.
const (
	maxConditions     = 20
	maxConditionChars = 1000
	// maxRespondWithinDays stops a query pausing a stage indefinitely.
	maxRespondWithinDays = 60
)

// staffRetry is how long an application short of reviewers waits before
// asking the fund again: long enough not to hammer it, short enough that a
// reviewer an admin adds to the fund's pool is put to use the same morning.
const staffRetry = time.Hour

// poolReadRetry is how long it waits when the reviewer list could not be
// read at all. That is an outage, not a shortage: nobody needs to act, so
// it tries again within minutes and tells no admin.
const poolReadRetry = 2 * time.Minute

// Whole-application roles in notifications; one reviewer is
// activities.ReviewerAudience(id).
const (
	audienceApplicant        = string(fundflow.RoleApplicant)
	audienceReviewers        = string(fundflow.RoleReviewer)
	audiencePanelChair       = string(fundflow.RolePanelChair)
	audienceProgrammeManager = string(fundflow.RoleProgrammeManager)
	audienceAdmin            = string(fundflow.RoleAdmin)
)

var (
	// lookupOptions run the registry and calendar lookups, which are pure
	// computation in the worker: local activities, recorded in the history
	// like any activity so that updating the data never changes a replay.
	lookupOptions = workflow.LocalActivityOptions{ScheduleToCloseTimeout: time.Minute}
	// poolOptions give up on the reviewer list after a minute: an
	// application short of reviewers tries again later, which beats
	// holding up the decision that needed them.
	poolOptions = workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: time.Minute}
	// projectOptions keep trying to update the read model for ten
	// minutes; after that the row waits for the next change or a reindex.
	projectOptions = workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	}
	// notifyOptions retry a notification for a day, then record it failed
	// so that a broken channel cannot keep an application open for ever.
	notifyOptions = workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Minute,
		},
	}
)

// ApplicationWorkflow is one application's workflow, with ID
// ApplicationWorkflowID(id), from draft to a final status. Everything it
// knows is in one state value, ApplicationWorkflowInput, carried across
// Continue-As-New.
//
// Unlike the fund's, its Update handlers block: submitting registers with
// the fund, a decision reserves credit there, and deadlines come from
// the calendar, all through activities. One mutex runs them, and the
// deadline handling of the main loop, one at a time; each checks its
// request again once it holds the lock, and does its blocking calls before
// it changes anything. A second coroutine delivers the outbox.
func ApplicationWorkflow(ctx workflow.Context, in ApplicationWorkflowInput) error {
	// Every history from before revisions carries this marker from the
	// first release, so later changes can branch on versions without
	// guessing which histories came before versioning.
	in.since(ctx, "initial")
	a, err := newApplication(ctx, in)
	if err != nil {
		return err
	}
	if err := a.setHandlers(ctx); err != nil {
		return err
	}
	workflow.Go(ctx, a.deliver)
	workflow.Go(ctx, a.writeLetters)
	workflow.Go(ctx, a.scanDocuments)
	workflow.Go(ctx, a.project)
	return a.run(ctx)
}

type applicationWorkflow struct {
	ApplicationWorkflowInput
	mu workflow.Mutex
	// sending is true while a notification is being delivered, writing
	// while a letter is being written.
	sending bool
	writing bool
	// scanning is true while a document is being scanned.
	scanning bool
	// projected is the version last written to the read model.
	projected int64
	// published is what the search attributes say, so they are upserted
	// only when it changes.
	published *publishedAttributes
	// clock is the workflow's time at the last change, for what the
	// projected view judges by time (an invitation expired).
	clock time.Time
}

type publishedAttributes struct {
	status application.Status
	due    time.Time
}

func newApplication(ctx workflow.Context, in ApplicationWorkflowInput) (*applicationWorkflow, error) {
	a := &applicationWorkflow{ApplicationWorkflowInput: in, mu: workflow.NewMutex(ctx)}
	if in.Status != "" {
		return a, nil
	}
	// Only a new application is checked: a rule tightened in a later
	// release must not fail a running one at its next Continue-As-New.
	var v fundflow.Invalid
	required(&v, "application_id", in.ApplicationID)
	required(&v, "org_code", in.OrgCode)
	if in.Fund.ID == "" || in.Fund.ID != in.FundID {
		v.Add("fund.id", "must be fund_id, %q", in.FundID)
	}
	if !in.CreatedBy.ApplicantOf(in.OrgCode) {
		v.Add("created_by", "must be an applicant of %s", in.OrgCode)
	}
	if err := v.Err("the application cannot be created"); err != nil {
		return nil, temporalerr.Encode(err)
	}
	a.Fund = in.Fund.Defaults()
	if err := a.Fund.Validate(); err != nil {
		return nil, temporalerr.Encode(err)
	}
	a.Status = application.StatusDraft
	a.CreatedAt = workflow.Now(ctx).UTC()
	a.Content.OrgCode = in.OrgCode
	a.record(ctx, application.AudienceEveryone, in.CreatedBy, "created", "")
	return a, nil
}

// run waits for the next deadline, handles it, and ends the workflow once
// the application is over or continues it as new when the history has
// grown long. Handlers change state in between; any change that moves the
// next deadline re-arms the timer.
func (a *applicationWorkflow) run(ctx workflow.Context) error {
	a.publish(ctx)
	for {
		next, timed := a.nextDeadline()
		moved := func() bool {
			n, t := a.nextDeadline()
			return t != timed || !n.Equal(next) || a.ended() || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}
		due := false
		switch wait := next.Sub(workflow.Now(ctx)); {
		case !timed:
			if err := workflow.Await(ctx, moved); err != nil {
				return err
			}
		case wait > 0:
			changed, err := workflow.AwaitWithTimeout(ctx, wait, moved)
			if err != nil {
				return err
			}
			due = !changed
		default:
			due = true
		}
		if due {
			if err := a.serially(ctx, a.onDeadlines); err != nil {
				return err
			}
			continue
		}
		if !a.ended() && !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			continue
		}
		// Ending a run under a handler would drop its result, and under a
		// delivery would send that notification twice.
		if err := workflow.Await(ctx, func() bool {
			return workflow.AllHandlersFinished(ctx) && !a.sending && !a.writing && !a.scanning && a.projected == a.Version &&
				(!a.ended() || (!a.undelivered() && len(a.PendingLetters) == 0))
		}); err != nil {
			return err
		}
		if a.ended() {
			return nil
		}
		// A fresh run would take every change GetVersion knows, which is
		// what the newest revision says without asking.
		carried := a.ApplicationWorkflowInput
		carried.Revision = applicationRevision
		return workflow.NewContinueAsNewError(ctx, ApplicationWorkflow, carried)
	}
}

// ended reports that nothing more can happen to the application.
func (a *applicationWorkflow) ended() bool { return a.Status.Final() || a.Closed != nil }

// serially runs fn while holding the lock every change takes, then
// publishes what changed.
func (a *applicationWorkflow) serially(ctx workflow.Context, fn func(workflow.Context) error) error {
	if err := a.mu.Lock(ctx); err != nil {
		return err
	}
	defer a.mu.Unlock()
	a.clock = workflow.Now(ctx)
	if a.Reference == "" && a.Revision >= revisions[referencesFirst] {
		if err := a.ensureReference(ctx); err != nil {
			return err
		}
	}
	err := fn(ctx)
	a.publish(ctx)
	return err
}

// referencesFirst is the revision from which an application asks the fund
// for its reference under its first change, before the change itself, so
// the create that starts it answers with the reference. It is a revision,
// not a GetVersion change: a run from before it replays its old commands
// through serially, and a GetVersion asked there would stay at its
// default for the rest of the run. Such runs are given theirs by
// UpdateEnsureReference instead.
const referencesFirst = "references-first"

// ensureReference asks the fund for the application's reference unless it
// has one. A fund that refuses (one long finished, say) leaves the
// application quoted by its id; what the caller asked for goes ahead.
func (a *applicationWorkflow) ensureReference(ctx workflow.Context) error {
	if a.Reference != "" {
		return nil
	}
	res, refusal, err := callFund[AssignReferenceResult](ctx, a, UpdateAssignReference,
		AssignReferenceRequest{Command: a.fundCommand(UpdateAssignReference, fundflow.System), ApplicationID: a.ApplicationID})
	if err != nil || refusal != nil {
		workflow.GetLogger(ctx).Warn("no reference", "application", a.ApplicationID, "error", err, "refusal", refusal)
		return nil
	}
	a.Reference = res.Reference
	a.Version++
	return nil
}

// serialised runs u under the lock, checking it again there, since the
// application may have moved on while it waited.
func serialised[R, T any](a *applicationWorkflow, u update[R, T]) update[R, T] {
	return update[R, T]{check: u.check, apply: func(ctx workflow.Context, r R) (T, error) {
		var res T
		err := a.serially(ctx, func(ctx workflow.Context) error {
			if err := u.check(ctx, r); err != nil {
				return err
			}
			var err error
			res, err = u.apply(ctx, r)
			return err
		})
		return res, err
	}}
}

// setCommand registers an Update a person sends: idempotent by key, with
// its Outcome remembered for retries, and serialised.
func setCommand[R commandRequest](ctx workflow.Context, a *applicationWorkflow, name string,
	check func(workflow.Context, R) error, apply func(workflow.Context, R) (Outcome, error)) error {
	return setUpdate(ctx, name, serialised(a, rememberedUpdate(a.keys(), name, check, keepingFundKeys(a, apply), nil)))
}

// keepingFundKeys winds the count of calls to the fund back when a command
// fails. Handlers make their blocking calls before they change anything, so
// a failed command has changed nothing else; its retry then sends the fund
// the same keys, and the fund answers any call it already carried out with
// its first answer rather than doing it twice.
func keepingFundKeys[R any](a *applicationWorkflow, apply func(workflow.Context, R) (Outcome, error)) func(workflow.Context, R) (Outcome, error) {
	return func(ctx workflow.Context, r R) (Outcome, error) {
		calls := a.FundCalls
		out, err := apply(ctx, r)
		if err != nil && a.since(ctx, "fund-keys-kept-on-failure") {
			a.FundCalls = calls
		}
		return out, err
	}
}

func (a *applicationWorkflow) keys() keyMemory {
	return keyMemory{keys: &a.Processed, limit: maxApplicationProcessed}
}

func (a *applicationWorkflow) setHandlers(ctx workflow.Context) error {
	return errors.Join(
		workflow.SetQueryHandler(ctx, QueryApplication, func(q ViewQuery) (ApplicationView, error) {
			v := a.view()
			// A query may not change state, so an invitation's standing is
			// judged at the query's time here, not stored.
			v.CoApplicants = a.coApplicants(workflow.Now(ctx))
			if q.Actor != nil {
				v.Actions = a.actions(*q.Actor)
			}
			if q.Audiences {
				v.ActionsBy = a.actionsByAudience()
			}
			return v, nil
		}),
		workflow.SetQueryHandler(ctx, QueryTimeline, func(q TimelineQuery) (TimelinePage, error) { return a.timeline(q), nil }),

		setCommand(ctx, a, UpdateSaveDraft, a.checkSaveDraft, a.saveDraft),
		setCommand(ctx, a, UpdateSubmit, a.checkSubmit, a.submit),
		setCommand(ctx, a, UpdateWithdraw, a.checkWithdraw, a.withdraw),
		setCommand(ctx, a, UpdateAnswerQuery, a.checkAnswerQuery, a.answerQuery),
		setCommand(ctx, a, UpdateEligibilityDecision, a.checkEligibilityDecision, a.eligibilityDecision),
		setCommand(ctx, a, UpdateDeclareConflict, a.checkDeclareConflict, a.declareConflict),
		setCommand(ctx, a, UpdateSubmitAssessment, a.checkSubmitAssessment, a.submitAssessment),
		setCommand(ctx, a, UpdateRaiseQuery, a.checkRaiseQuery, a.raiseQuery),
		setCommand(ctx, a, UpdatePanelDecision, a.checkPanelDecision, a.panelDecision),

		setUpdate(ctx, UpdateEnsureReference, serialised(a, update[EnsureReferenceRequest, Outcome]{
			check: func(workflow.Context, EnsureReferenceRequest) error { return nil },
			apply: func(ctx workflow.Context, _ EnsureReferenceRequest) (Outcome, error) {
				return a.outcome(), a.ensureReference(ctx)
			},
		})),
		setUpdate(ctx, UpdateCreditReserved, serialised(a, update[CreditReservedRequest, Outcome]{check: a.checkCreditReserved, apply: a.creditReserved})),
		setUpdate(ctx, UpdateFundFinished, serialised(a, update[FundFinishedRequest, Outcome]{check: a.checkFundFinished, apply: a.fundFinished})),
		a.setDeploymentHandlers(ctx),
		a.setDocumentHandlers(ctx),
		a.setPartnershipHandlers(ctx),
		a.setReturnHandlers(ctx),
		a.setChangeHandlers(ctx),
	)
}

// --- Applicant ---

func (a *applicationWorkflow) checkSaveDraft(ctx workflow.Context, r SaveDraftRequest) error {
	if err := a.canEditDraft(r.Actor); err != nil {
		return err
	}
	if err := a.stillOpen(ctx); err != nil {
		return err
	}
	if err := a.checkSaveSections(r); err != nil {
		return err
	}
	// Validation is pure: the checker flags encoding/json's reflection and
	// a range over the answers whose unknown keys are sorted before use.
	return a.known().ValidateDraft(a.Content.Apply(r.Patch), a.Fund) //workflowcheck:ignore

}

func (a *applicationWorkflow) saveDraft(ctx workflow.Context, r SaveDraftRequest) (Outcome, error) {
	// Merging answers ranges over maps only to build a map, so the order
	// cannot show.
	a.Content = a.Content.Apply(r.Patch) //workflowcheck:ignore
	fields := patchFields(r.Patch)
	a.record(ctx, application.AudienceEveryone, r.Actor, "draft_saved", "changed: "+strings.Join(fields, ", "))
	a.markChanged(ctx, r.Actor, a.sectionsOf(fields))
	return a.outcome(), a.answersChanged(ctx, r.Actor)
}

func (a *applicationWorkflow) checkSubmit(_ workflow.Context, r SubmitRequest) error {
	if err := a.canSubmit(r.Actor); err != nil {
		return err
	}
	return a.known().ValidateSubmission(a.Content, a.Fund) //workflowcheck:ignore as in checkSaveDraft
}

// known is what the application's validation knows besides its content:
// its documents. The organisation registry is the API's to consult.
func (a *applicationWorkflow) known() application.Known {
	return application.Known{Documents: nonNil(a.Documents)}
}

// submit sends the bid for sign-off where the fund requires one, and
// otherwise lodges it.
func (a *applicationWorkflow) submit(ctx workflow.Context, r SubmitRequest) (Outcome, error) {
	if a.Fund.SignOff.Required {
		return a.requestSignOff(ctx, r.Actor)
	}
	by := r.Actor
	return a.lodge(ctx, by, func() { a.SubmittedBy = &by })
}

// lodge registers with the fund first: the fund decides whether it is
// taking submissions, and tells of the organisation's other live
// applications. Only then are the eligibility rules run, on the fund's
// current terms and the registry as it stands on the submission date.
// first, if given, records what made the bid count as submitted, once the
// blocking calls have succeeded and before anything else changes.
func (a *applicationWorkflow) lodge(ctx workflow.Context, by fundflow.Actor, first func()) (Outcome, error) {
	reg, refusal, err := callFund[RegisterSubmissionResult](ctx, a, UpdateRegisterSubmission, RegisterSubmissionRequest{
		Command: a.fundCommand(UpdateRegisterSubmission, by), ApplicationID: a.ApplicationID, OrgCode: a.OrgCode,
	})
	if err != nil {
		return Outcome{}, err
	}
	if refusal != nil {
		return Outcome{}, fundflow.Errorf(fundflow.EINVALIDSTATE, "the fund is not accepting this submission: %s", refusal.Message)
	}
	def := a.Fund
	if reg.Definition.ID == a.FundID {
		def = reg.Definition
		// The fund may have published a new form since; the application
		// is judged by the version it was started on for good.
		def.Form = a.Fund.Form
	}
	now := workflow.Now(ctx).UTC()
	var org activities.OrgLookup
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lookupOptions), acts.LookupOrg,
		activities.LookupOrgInput{Code: a.OrgCode, On: organisation.DateOf(now)}).Get(ctx, &org); err != nil {
		return Outcome{}, err
	}
	div := divisionOf(org.Org)
	stage, err := a.startStage(ctx, application.StatusEligibility, def.SLAs.Eligibility, def.ReminderBefore, div)
	if err != nil {
		return Outcome{}, err
	}

	if first != nil {
		first()
	}
	a.Fund, a.Division, a.SubmittedAt, a.OrgName = def, div, now, org.Org.Name
	// A submission keeps what the applicant was last shown: answers to
	// questions a condition now hides go. Maps are only rebuilt, as in
	// saveDraft.
	a.Content = a.Content.Shown(def.ApplicationForm()) //workflowcheck:ignore
	a.Panel = application.NewPanel(a.OrgCode, def.ReviewersPerApplication)
	a.moveTo(application.StatusSubmitted)
	a.record(ctx, application.AudienceEveryone, by, "submitted", "")
	checks := application.CheckEligibility(application.EligibilityInput{
		Content: a.Content, Fund: def, Org: org.Org, Validity: org.Validity,
		OtherLive: reg.EarlierLiveApplications, SubmittedAt: now,
	})
	a.Eligibility = &Eligibility{Checks: checks, Automatic: application.Overall(checks), CheckedAt: now}
	a.moveTo(application.StatusEligibility)
	a.Stage = stage
	a.record(ctx, application.AudienceEveryone, fundflow.System, "eligibility_checked", eligibilitySummary(checks))
	a.message(ctx, activities.NotificationReceived, audienceApplicant, "received", params("fund", def.Name))
	a.message(ctx, activities.NotificationReceived, audienceReviewers, "awaiting_eligibility", params("fund", def.Name, "due", calendar.LongTime(stage.DueAt)))
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkWithdraw(_ workflow.Context, r WithdrawRequest) error {
	if err := a.canWithdraw(r.Actor); err != nil {
		return err
	}
	return requiredReason(r.Reason)
}

// withdraw undoes what the fund holds for the application. The fund
// refusing an undo means there was nothing to undo (credit already
// released, say), so it never stops a withdrawal.
func (a *applicationWorkflow) withdraw(ctx workflow.Context, r WithdrawRequest) (Outcome, error) {
	const why = "the application was withdrawn"
	if a.Offer != nil && a.Offer.ReleasedAt.IsZero() {
		if err := a.tellFund(ctx, UpdateRelease, ReleaseRequest{Command: a.fundCommand(UpdateRelease, r.Actor), ApplicationID: a.ApplicationID, Reason: why}); err != nil {
			return Outcome{}, err
		}
	}
	if a.Status == application.StatusWaitlisted {
		if err := a.tellFund(ctx, UpdateWaitlistLeave, WaitlistLeaveRequest{Command: a.fundCommand(UpdateWaitlistLeave, r.Actor), ApplicationID: a.ApplicationID}); err != nil {
			return Outcome{}, err
		}
	}
	if err := a.endAssessment(ctx, r.Actor); err != nil {
		return Outcome{}, err
	}
	if err := a.retire(ctx, r.Actor); err != nil {
		return Outcome{}, err
	}
	if a.Offer != nil && a.Offer.ReleasedAt.IsZero() {
		a.Offer.ReleasedAt = workflow.Now(ctx).UTC()
	}
	a.moveTo(application.StatusWithdrawn)
	a.Stage = nil
	a.record(ctx, application.AudienceEveryone, r.Actor, "withdrawn", r.Reason)
	a.message(ctx, activities.NotificationWithdrawn, audienceApplicant, "withdrawn", params("fund", a.Fund.Name))
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkAnswerQuery(_ workflow.Context, r AnswerQueryRequest) error {
	if err := a.canAnswerQuery(r.Actor, r.QueryID); err != nil {
		return err
	}
	if err := a.Queries.CheckAnswer(r.QueryID, r.Actor, a.OrgCode, r.Answer); err != nil {
		return err
	}
	var v fundflow.Invalid
	a.checkDocuments(&v, "documents", r.Documents, nil)
	return v.Err("the answer is invalid")
}

func (a *applicationWorkflow) answerQuery(ctx workflow.Context, r AnswerQueryRequest) (Outcome, error) {
	now := workflow.Now(ctx)
	if err := a.resumeStage(ctx, now); err != nil {
		return Outcome{}, err
	}
	q, err := a.Queries.Answer(r.QueryID, r.Actor, a.OrgCode, r.Answer, now)
	mustHold(err)
	if i := slices.IndexFunc(a.Queries, func(x application.Query) bool { return x.ID == q.ID }); i >= 0 && len(r.Documents) > 0 {
		a.Queries[i].Documents = slices.Clone(r.Documents)
	}
	a.record(ctx, application.AudienceEveryone, r.Actor, "query_answered", "query "+q.ID)
	a.message(ctx, activities.NotificationQueryAnswered, askerAudience(q), "query_answered", params("query", q.ID))
	return a.outcome(), nil
}

// --- Reviewer ---

func (a *applicationWorkflow) checkEligibilityDecision(_ workflow.Context, r EligibilityDecisionRequest) error {
	if err := a.canEligibilityDecision(r.Actor); err != nil {
		return err
	}
	var v fundflow.Invalid
	if r.Decision != application.Pass && r.Decision != application.Fail {
		v.Add("decision", "must be pass or fail")
	}
	reason(&v, r.Reason)
	return v.Err("the eligibility decision is invalid")
}

func (a *applicationWorkflow) eligibilityDecision(ctx workflow.Context, r EligibilityDecisionRequest) (Outcome, error) {
	d := &EligibilityDecision{
		Decision: r.Decision, Reason: r.Reason, By: r.Actor, At: workflow.Now(ctx).UTC(),
		Overrides: (r.Decision == application.Fail) != (a.Eligibility.Automatic == application.Fail),
	}
	if r.Decision == application.Fail {
		if err := a.retire(ctx, r.Actor); err != nil {
			return Outcome{}, err
		}
		a.Eligibility.Decision = d
		a.moveTo(application.StatusIneligible)
		a.Stage = nil
		a.record(ctx, application.AudienceEveryone, r.Actor, "found_ineligible", r.Reason)
		a.ineligibleLetter(ctx, r.Actor, r.Reason)
		a.message(ctx, activities.NotificationDecision, audienceApplicant, "ineligible", params("fund", a.Fund.Name))
		return a.outcome(), nil
	}
	stage, err := a.startStage(ctx, application.StatusAssessment, a.Fund.SLAs.Assessment, a.Fund.ReminderBefore, a.Division)
	if err != nil {
		return Outcome{}, err
	}
	var found staffing
	find := func() (err error) { found, err = a.findReviewers(ctx, r.Actor, a.Panel); return err }
	first := a.blockingCallsFirst(ctx)
	if first {
		if err := find(); err != nil {
			return Outcome{}, err
		}
	}
	a.Eligibility.Decision = d
	a.moveTo(application.StatusAssessment)
	a.Stage = stage
	a.record(ctx, application.AudienceEveryone, r.Actor, "found_eligible", r.Reason)
	if !first {
		if err := find(); err != nil {
			return Outcome{}, err
		}
	}
	assigned := a.staffWith(ctx, r.Actor, found)
	out := a.outcome()
	out.Reviewers = assigned
	return out, nil
}

func (a *applicationWorkflow) checkDeclareConflict(_ workflow.Context, r DeclareConflictRequest) error {
	if err := a.canDeclareConflict(r.Actor); err != nil {
		return err
	}
	return a.Panel.CheckDeclareConflict(reviewerOf(r.Actor), r.Note)
}

// declareConflict records the conflict with the fund first, so that no
// later assignment, for this application or another from the organisation,
// picks the reviewer, and then replaces them here if they were assigned.
func (a *applicationWorkflow) declareConflict(ctx workflow.Context, r DeclareConflictRequest) (Outcome, error) {
	if !r.HasConflict {
		a.record(ctx, application.AudienceStaff, r.Actor, "no_conflict_declared", "")
		return a.outcome(), nil
	}
	if err := a.tellFund(ctx, UpdateReviewerConflict, ReviewerConflictRequest{
		Command: a.fundCommand(UpdateReviewerConflict, r.Actor), ApplicationID: a.ApplicationID, ReviewerID: r.Actor.ID, OrgCode: a.OrgCode,
	}); err != nil {
		return Outcome{}, err
	}
	panel := a.Panel
	panel.Conflicts = slices.Clone(panel.Conflicts)
	replace, err := panel.DeclareConflict(reviewerOf(r.Actor), r.Note, workflow.Now(ctx))
	mustHold(err)
	restaff := replace && a.stage() == application.StatusAssessment
	var found staffing
	find := func() (err error) {
		if restaff {
			found, err = a.findReviewers(ctx, r.Actor, panel)
		}
		return err
	}
	first := a.blockingCallsFirst(ctx)
	if first {
		if err := find(); err != nil {
			return Outcome{}, err
		}
	}
	a.Panel = panel
	detail := "not assigned to this application"
	if replace {
		detail = "stood down from this application"
	}
	a.record(ctx, application.AudienceStaff, r.Actor, "conflict_declared", detail)
	if !first {
		if err := find(); err != nil {
			return Outcome{}, err
		}
	}
	var assigned []application.Reviewer
	if restaff {
		assigned = a.staffWith(ctx, r.Actor, found)
	}
	out := a.outcome()
	out.Reviewers = assigned
	return out, nil
}

func (a *applicationWorkflow) checkSubmitAssessment(ctx workflow.Context, r SubmitAssessmentRequest) error {
	if err := a.canSubmitAssessment(r.Actor); err != nil {
		return err
	}
	return a.Panel.CheckSubmit(assessmentOf(r, workflow.Now(ctx)), a.Fund)
}

// submitAssessment records a score; the last one due closes the stage. The
// blocking calls closing it needs are made on a copy of the panel, before
// anything changes.
func (a *applicationWorkflow) submitAssessment(ctx workflow.Context, r SubmitAssessmentRequest) (Outcome, error) {
	now := workflow.Now(ctx)
	rescore := slices.ContainsFunc(a.Panel.Latest(), func(x application.Assessment) bool { return x.ReviewerID == r.Actor.ID })
	panel := a.Panel
	panel.Assessments = slices.Clone(panel.Assessments)
	mustHold(panel.Submit(assessmentOf(r, now), a.Fund))
	var stage *Stage
	if panel.Complete() {
		var err error
		if stage, err = a.startStage(ctx, application.StatusPanel, a.Fund.SLAs.Panel, a.Fund.ReminderBefore, a.Division); err != nil {
			return Outcome{}, err
		}
		if err := a.endAssessment(ctx, fundflow.System); err != nil {
			return Outcome{}, err
		}
	}
	a.Panel = panel
	action := "assessment_submitted"
	if rescore {
		action = "assessment_revised"
	}
	a.record(ctx, application.AudienceStaff, r.Actor, action, "")
	if stage == nil {
		return a.outcome(), nil
	}
	total, err := a.Panel.WeightedTotal(a.Fund)
	mustHold(err)
	a.WeightedScore = &total
	a.moveTo(application.StatusPanel)
	a.Stage = stage
	a.record(ctx, application.AudienceStaff, fundflow.System, "assessments_complete",
		fmt.Sprintf("weighted score %s against a pass mark of %s", hundredths(total), hundredths(a.Fund.PassMark)))
	a.message(ctx, activities.NotificationAssessmentsComplete, audiencePanelChair, "ready_for_panel", params("due", calendar.LongTime(stage.DueAt)))
	return a.outcome(), nil
}

// --- Reviewer or panel chair ---

func (a *applicationWorkflow) checkRaiseQuery(ctx workflow.Context, r RaiseQueryRequest) error {
	if err := a.canRaiseQuery(r.Actor); err != nil {
		return err
	}
	within := a.respondWithin(r)
	if within.WorkingDays() > maxRespondWithinDays {
		return fundflow.Invalid{{Field: "respond_within", Message: fmt.Sprintf("must be at most %d working days", maxRespondWithinDays)}}.Err("the query is invalid")
	}
	// The calendar is not to hand in a validator, and CheckRaise asks
	// only that the deadline fall after now, which any non-zero span does
	// on any calendar.
	now := workflow.Now(ctx)
	return a.Queries.CheckRaise(a.nextQueryID(), r.Actor, r.Question, now, within.AddCalendar(now))
}

func (a *applicationWorkflow) raiseQuery(ctx workflow.Context, r RaiseQueryRequest) (Outcome, error) {
	now := workflow.Now(ctx)
	var respondBy time.Time
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lookupOptions), acts.WorkingDeadline,
		activities.WorkingDeadlineInput{Division: a.Division, From: now, Within: a.respondWithin(r)}).Get(ctx, &respondBy); err != nil {
		return Outcome{}, err
	}
	q, err := a.Queries.Raise(a.nextQueryID(), r.Actor, r.Question, now, respondBy)
	mustHold(err)
	mustHold(a.Stage.Clock.Pause(now))
	a.Stage.DueAt, a.Stage.ReminderAt = time.Time{}, time.Time{}
	a.PausedStage = a.Status
	a.moveTo(application.StatusInformationRequested)
	a.record(ctx, application.AudienceEveryone, r.Actor, "query_raised", fmt.Sprintf("query %s, to be answered by %s", q.ID, calendar.LongTime(q.RespondBy)))
	a.message(ctx, activities.NotificationQueryRaised, audienceApplicant, "query_raised", params("due", calendar.LongTime(q.RespondBy)))
	out := a.outcome()
	out.QueryID, out.RespondBy = q.ID, q.RespondBy
	return out, nil
}

// --- Panel chair ---

func (a *applicationWorkflow) checkPanelDecision(_ workflow.Context, r PanelDecisionRequest) error {
	if err := a.canPanelDecision(r.Actor); err != nil {
		return err
	}
	var v fundflow.Invalid
	requested := a.Content.RequestedPence
	switch r.Outcome {
	case OutcomeApprove, OutcomeWaitlist:
		switch amount := a.decidedAmount(r); {
		case r.Outcome == OutcomeApprove && r.AmountPence == 0:
			v.Add("amount_pence", "is required to approve")
		case amount <= 0:
			v.Add("amount_pence", "must be more than 0")
		case amount > requested:
			v.Add("amount_pence", "must be at most the %s requested", money.Format(requested))
		case amount > a.Fund.MaxAwardPence:
			v.Add("amount_pence", "must be at most the fund's maximum award of %s", money.Format(a.Fund.MaxAwardPence))
		}
	case OutcomeReject:
		if r.AmountPence != 0 {
			v.Add("amount_pence", "must be left out of a rejection")
		}
		if len(r.Conditions) > 0 {
			v.Add("conditions", "must be left out of a rejection")
		}
		if strings.TrimSpace(r.Feedback) == "" {
			v.Add("feedback", "is required to reject, for the rejection letter")
		}
	default:
		v.Add("outcome", "must be approve, waitlist or reject")
	}
	if len(r.Conditions) > maxConditions {
		v.Add("conditions", "must be at most %d", maxConditions)
	}
	for i, c := range r.Conditions {
		if n := utf8.RuneCountInString(c); strings.TrimSpace(c) == "" || n > maxConditionChars {
			v.Add(fmt.Sprintf("conditions[%d]", i), "must be 1 to %d characters", maxConditionChars)
		}
	}
	if utf8.RuneCountInString(r.Feedback) > application.MaxFeedbackChars {
		v.Add("feedback", "must be at most %d characters", application.MaxFeedbackChars)
	}
	return v.Err("the decision is invalid")
}

// panelDecision carries out the chair's decision with the fund. An approval
// the fund cannot cover (no credit or no award left) joins the waitlist:
// PRODUCT.md makes that an outcome, not a failure.
func (a *applicationWorkflow) panelDecision(ctx workflow.Context, r PanelDecisionRequest) (Outcome, error) {
	d := &Decision{
		Outcome: r.Outcome, AmountPence: a.decidedAmount(r), Conditions: slices.Clone(r.Conditions), Feedback: r.Feedback,
		By: r.Actor, At: workflow.Now(ctx).UTC(),
	}
	switch r.Outcome {
	case OutcomeApprove:
		c := a.fundCommand(UpdateReserve, r.Actor)
		res, refusal, err := callFund[LedgerResult](ctx, a, UpdateReserve, ReserveRequest{Command: c, ApplicationID: a.ApplicationID, AmountPence: d.AmountPence})
		switch {
		case err != nil:
			return Outcome{}, err
		case refusal == nil:
			a.makeOffer(ctx, r.Actor, res.Entry.AmountPence, d.Conditions, c.Key)
			return a.decide(ctx, d, application.StatusOffered, "approved", "offered "+money.Format(res.Entry.AmountPence)), nil
		case refusal.Code != fundflow.EINSUFFICIENTCREDIT && refusal.Code != fundflow.EAWARDLIMIT:
			return Outcome{}, refusal
		}
		d.Reason = refusal.Message
	case OutcomeReject:
		if err := a.retire(ctx, r.Actor); err != nil {
			return Outcome{}, err
		}
		return a.decide(ctx, d, application.StatusRejected, "rejected", ""), nil
	}
	pos, refusal, err := callFund[WaitlistResult](ctx, a, UpdateWaitlistJoin, WaitlistJoinRequest{
		Command: a.fundCommand(UpdateWaitlistJoin, r.Actor), ApplicationID: a.ApplicationID, AmountPence: d.AmountPence, RankScore: *a.WeightedScore,
	})
	switch {
	case err != nil:
		return Outcome{}, err
	case refusal != nil:
		return Outcome{}, refusal
	}
	detail := fmt.Sprintf("waitlisted for %s at position %d", money.Format(d.AmountPence), pos.Position)
	if d.Reason != "" {
		detail = fmt.Sprintf("approved but %s: %s", detail, d.Reason)
	}
	return a.decide(ctx, d, application.StatusWaitlisted, "waitlisted", detail), nil
}

func (a *applicationWorkflow) decide(ctx workflow.Context, d *Decision, to application.Status, action, detail string) Outcome {
	d.Status = to
	a.Decision = d
	a.moveTo(to)
	a.Stage = nil
	a.record(ctx, application.AudienceEveryone, d.By, action, detail)
	switch to {
	case application.StatusRejected:
		a.rejectionLetter(ctx, d.By, a.Content.RequestedPence, d.Feedback)
	case application.StatusWaitlisted:
		a.waitlistLetter(ctx, d.By, d.AmountPence, d.Feedback)
	}
	if to == application.StatusOffered {
		a.message(ctx, activities.NotificationDecision, audienceApplicant, "offer", a.offerParams())
	} else {
		a.message(ctx, activities.NotificationDecision, audienceApplicant, "decision", params("fund", a.Fund.Name, "status", to.ApplicantLabel()))
	}
	out := a.outcome()
	out.Reason = d.Reason
	return out
}

// decidedAmount is what a decision reserves or waitlists for: the amount
// given, or for a waitlisting without one, the amount requested.
func (a *applicationWorkflow) decidedAmount(r PanelDecisionRequest) int64 {
	if r.AmountPence == 0 && r.Outcome == OutcomeWaitlist {
		return a.Content.RequestedPence
	}
	return r.AmountPence
}

// --- From the fund ---

// checkCreditReserved accepts a promotion off the waitlist. Refusing one
// tells the fund to pass the credit on, so a redelivery of a notice already
// taken (after Continue-As-New the server no longer recognises its ID) is
// accepted again rather than refused.
func (a *applicationWorkflow) checkCreditReserved(ctx workflow.Context, r CreditReservedRequest) error {
	if err := a.checkFromFund(r.FundID, r.ApplicationID); err != nil {
		return err
	}
	if a.Offer != nil && a.Offer.Via == workflow.GetCurrentUpdateInfo(ctx).ID {
		return nil
	}
	if err := a.requireStatus(application.StatusWaitlisted); err != nil {
		return err
	}
	if r.AmountPence <= 0 {
		return fundflow.Invalid{{Field: "amount_pence", Message: "must be more than 0"}}.Err("the reservation is invalid")
	}
	return nil
}

func (a *applicationWorkflow) creditReserved(ctx workflow.Context, r CreditReservedRequest) (Outcome, error) {
	via := workflow.GetCurrentUpdateInfo(ctx).ID
	if a.Offer != nil && a.Offer.Via == via {
		return a.outcome(), nil
	}
	a.makeOffer(ctx, fundflow.System, r.AmountPence, a.Decision.Conditions, via)
	a.moveTo(application.StatusOffered)
	a.record(ctx, application.AudienceEveryone, fundflow.System, "credit_reserved", "credit freed up: offered "+money.Format(r.AmountPence)+" from the waitlist")
	a.message(ctx, activities.NotificationDecision, audienceApplicant, "offer_from_waitlist", a.offerParams())
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkFundFinished(_ workflow.Context, r FundFinishedRequest) error {
	if err := a.checkFromFund(r.FundID, r.ApplicationID); err != nil {
		return err
	}
	if a.Closed != nil {
		return nil
	}
	return a.requireStatus(application.StatusWaitlisted)
}

func (a *applicationWorkflow) fundFinished(ctx workflow.Context, _ FundFinishedRequest) (Outcome, error) {
	if a.Closed != nil {
		return a.outcome(), nil
	}
	a.Closed = &Closure{At: workflow.Now(ctx).UTC(), Reason: "the fund finished without credit becoming available for this application"}
	a.record(ctx, application.AudienceEveryone, fundflow.System, "fund_finished", a.Closed.Reason)
	// The waitlist letter said a formal letter would follow either way;
	// this is it. The lifecycle has no status for it, so it is a rejection.
	a.rejectionLetter(ctx, fundflow.System, a.Decision.AmountPence,
		"The fund has now finished, and no credit became available for your application while it was on the waiting list.")
	a.message(ctx, activities.NotificationDecision, audienceApplicant, "fund_finished", params("fund", a.Fund.Name))
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkFromFund(fundID, appID string) error {
	if fundID != a.FundID || appID != a.ApplicationID {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the notice is for application %s of fund %s, not this one", appID, fundID)
	}
	return nil
}

// --- Deadlines ---

// nextDeadline is the earliest deadline still to act on.
func (a *applicationWorkflow) nextDeadline() (time.Time, bool) {
	if a.ended() {
		return time.Time{}, false
	}
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if q, ok := a.Queries.Open(); ok {
		consider(q.RespondBy)
	}
	if s := a.Stage; s != nil {
		if !s.Reminded {
			consider(s.ReminderAt)
		}
		if !s.Escalated {
			consider(s.DueAt)
		}
	}
	consider(a.StaffRetryAt)
	a.considerSignOff(consider)
	a.considerDeployment(consider)
	return next, !next.IsZero()
}

// onDeadlines acts on every deadline that has passed. An expired query
// goes first: resuming the stage moves its SLA, which the reminder and the
// escalation are then judged against.
func (a *applicationWorkflow) onDeadlines(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	passed := func(t time.Time) bool { return !t.IsZero() && !now.Before(t) }
	if q, ok := a.Queries.Open(); ok && passed(q.RespondBy) {
		if err := a.resumeStage(ctx, now); err != nil {
			return err
		}
		_, err := a.Queries.Expire(q.ID, now)
		mustHold(err)
		a.record(ctx, application.AudienceEveryone, fundflow.System, "query_expired", fmt.Sprintf("query %s was not answered by %s; the stage carries on without it", q.ID, calendar.LongTime(q.RespondBy)))
		a.message(ctx, activities.NotificationQueryExpired, askerAudience(q), "query_expired", params("query", q.ID))
	}
	if s := a.Stage; s != nil && !s.Reminded && passed(s.ReminderAt) {
		s.Reminded = true
		a.record(ctx, application.AudienceStaff, fundflow.System, "sla_reminder", fmt.Sprintf("%s is due by %s", s.Stage, calendar.LongTime(s.DueAt)))
		for _, to := range a.stageAudiences() {
			a.message(ctx, activities.NotificationSLAReminder, to, "sla_reminder", params("stage", string(s.Stage), "due", calendar.LongTime(s.DueAt)))
		}
	}
	if s := a.Stage; s != nil && !s.Escalated && passed(s.DueAt) {
		s.Escalated = true
		a.record(ctx, application.AudienceStaff, fundflow.System, "sla_escalated", fmt.Sprintf("%s was due by %s", s.Stage, calendar.LongTime(s.DueAt)))
		a.message(ctx, activities.NotificationSLAEscalation, audienceProgrammeManager, "sla_escalation", params("stage", string(s.Stage), "due", calendar.LongTime(s.DueAt)))
	}
	if passed(a.StaffRetryAt) {
		if _, err := a.staff(ctx, fundflow.System); err != nil {
			return err
		}
	}
	if err := a.onSignOffDeadlines(ctx, now); err != nil {
		return err
	}
	return a.onDeploymentDeadlines(ctx, now)
}

// stageAudiences is who a stage's reminder goes to: the reviewers who have
// yet to score in assessment, the panel chair at panel, and any reviewer at
// eligibility, where nobody is assigned.
func (a *applicationWorkflow) stageAudiences() []string {
	switch a.stage() {
	case application.StatusAssessment:
		var out []string
		for _, r := range a.Panel.Current() {
			if !slices.ContainsFunc(a.Panel.Latest(), func(x application.Assessment) bool { return x.ReviewerID == r.ID }) {
				out = append(out, activities.ReviewerAudience(r.ID))
			}
		}
		return out
	case application.StatusPanel:
		return []string{audiencePanelChair}
	}
	return []string{audienceReviewers}
}

// startStage is a new SLA clock for stage, starting now, with its
// deadlines.
func (a *applicationWorkflow) startStage(ctx workflow.Context, stage application.Status, sla, reminder fund.Duration, div calendar.Division) (*Stage, error) {
	s := &Stage{Stage: stage, Clock: application.NewStageClock(workflow.Now(ctx), sla, div)}
	return s, a.time(ctx, s, reminder)
}

// resumeStage restarts the clock an open query paused and returns the
// application to the stage it paused.
func (a *applicationWorkflow) resumeStage(ctx workflow.Context, now time.Time) error {
	s := *a.Stage
	s.Clock.Pauses = slices.Clone(s.Clock.Pauses)
	mustHold(s.Clock.Resume(now))
	if err := a.time(ctx, &s, a.Fund.ReminderBefore); err != nil {
		return err
	}
	a.Stage = &s
	a.moveTo(a.PausedStage)
	a.PausedStage = ""
	return nil
}

// time sets s's deadlines from its clock.
func (a *applicationWorkflow) time(ctx workflow.Context, s *Stage, reminder fund.Duration) error {
	var d activities.StageDeadlines
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lookupOptions), acts.StageDue,
		activities.StageDueInput{Clock: s.Clock, ReminderBefore: reminder}).Get(ctx, &d); err != nil {
		return err
	}
	s.DueAt, s.ReminderAt = d.DueAt, d.ReminderAt
	return nil
}

// --- Reviewers ---

// staff fills the panel's empty seats with reviewers the fund chooses. It
// never refuses: with too few reviewers free it records the shortfall and
// tries again after staffRetry, because the eligibility decision or
// conflict that needed reviewers stands whether or not anyone can take over
// at once.
func (a *applicationWorkflow) staff(ctx workflow.Context, by fundflow.Actor) ([]application.Reviewer, error) {
	found, err := a.findReviewers(ctx, by, a.Panel)
	if err != nil {
		return nil, err
	}
	return a.staffWith(ctx, by, found), nil
}

// blockingCallsFirst says whether to ask the fund for reviewers before
// recording the decision that needs them. Handlers from before it changed
// state first, and a failed call then left the change behind for the
// retry to be refused on; their histories must replay as they ran, since
// the change woke the main loop and the read model while the call was out.
func (a *applicationWorkflow) blockingCallsFirst(ctx workflow.Context) bool {
	return a.since(ctx, "staff-before-change")
}

// staffing is what the fund answered when asked to fill a panel: the
// reviewers it chose or why it could not.
type staffing struct {
	needed    int
	reviewers []application.Reviewer
	why       string
	// unread is a reviewer list that could not be read.
	unread bool
}

// findReviewers asks the fund for the reviewers panel still needs. It is
// the blocking half of staff, so that a handler can make it before it
// changes anything, and staffWith the other half.
func (a *applicationWorkflow) findReviewers(ctx workflow.Context, by fundflow.Actor, panel application.Panel) (staffing, error) {
	found := staffing{needed: panel.Needed(), why: "the list of reviewers could not be read", unread: true}
	if found.needed == 0 {
		return found, nil
	}
	var pool []application.Reviewer
	err := execute(ctx, a.since(ctx, callsLocally), poolOptions, acts.ReviewerPool, activities.ReviewerPoolInput{FundID: a.FundID}).Get(ctx, &pool)
	if ctx.Err() != nil {
		return found, ctx.Err()
	}
	if err != nil {
		return found, nil
	}
	found.unread = false
	res, refusal, err := callFund[AssignReviewersResult](ctx, a, UpdateAssignReviewers, AssignReviewersRequest{
		Command: a.fundCommand(UpdateAssignReviewers, by), ApplicationID: a.ApplicationID, OrgCode: a.OrgCode,
		N: found.needed, Pool: pool, Exclude: panel.Excluded(),
	})
	switch {
	case err != nil:
		return found, err
	case refusal != nil:
		found.why = refusal.Message
	default:
		found.reviewers, found.why = res.Reviewers, ""
	}
	return found, nil
}

// staffWith assigns the reviewers found or, short of them, records the
// shortfall and when to try again.
func (a *applicationWorkflow) staffWith(ctx workflow.Context, by fundflow.Actor, found staffing) []application.Reviewer {
	switch {
	case found.needed == 0:
		a.StaffRetryAt = time.Time{}
		return nil
	case found.why == "":
		return a.assign(ctx, by, found.reviewers)
	}
	// Runs from before this treated an unreadable list as a shortage, an
	// hour's wait and an admin told; they replay as they ran.
	if found.unread && a.since(ctx, "pool-read-retry") {
		a.StaffRetryAt, a.StaffRetryUnread = workflow.Now(ctx).Add(poolReadRetry), true
		return nil
	}
	if a.StaffRetryAt.IsZero() || a.StaffRetryUnread {
		a.record(ctx, application.AudienceStaff, fundflow.System, "reviewers_short", fmt.Sprintf("%d more reviewers needed: %s", found.needed, found.why))
		a.message(ctx, activities.NotificationReviewersNeeded, audienceAdmin, "reviewers_needed", params("count", fmt.Sprint(found.needed), "fund_id", a.FundID))
	}
	a.StaffRetryAt, a.StaffRetryUnread = workflow.Now(ctx).Add(staffRetry), false
	return nil
}

func (a *applicationWorkflow) assign(ctx workflow.Context, by fundflow.Actor, reviewers []application.Reviewer) []application.Reviewer {
	now := workflow.Now(ctx)
	names := make([]string, len(reviewers))
	for i, r := range reviewers {
		mustHold(a.Panel.Assign(r, now))
		names[i] = r.Name
	}
	a.StaffRetryAt = time.Time{}
	a.record(ctx, application.AudienceStaff, by, "reviewers_assigned", strings.Join(names, ", "))
	for _, r := range reviewers {
		a.message(ctx, activities.NotificationReviewerAssigned, activities.ReviewerAudience(r.ID), "reviewer_assigned", params("fund", a.Fund.Name))
	}
	return reviewers
}

// endAssessment tells the fund the application's reviewers are free, if it
// ever had any, and stops trying to find more.
func (a *applicationWorkflow) endAssessment(ctx workflow.Context, by fundflow.Actor) error {
	a.StaffRetryAt = time.Time{}
	if len(a.Panel.Assignments) == 0 || a.stage() != application.StatusAssessment {
		return nil
	}
	return a.tellFund(ctx, UpdateReleaseReviewers, ReleaseReviewersRequest{Command: a.fundCommand(UpdateReleaseReviewers, by), ApplicationID: a.ApplicationID})
}

// retire tells the fund the application is no longer live, so the
// organisation may apply again; a draft was never registered.
func (a *applicationWorkflow) retire(ctx workflow.Context, by fundflow.Actor) error {
	if a.SubmittedAt.IsZero() {
		return nil
	}
	return a.tellFund(ctx, UpdateRetireSubmission, RetireSubmissionRequest{Command: a.fundCommand(UpdateRetireSubmission, by), ApplicationID: a.ApplicationID})
}

// --- The fund ---

// fundCommand keys an Update to the fund. Keys are numbered per
// application, so each call is its own operation at the fund and a retry of
// the activity is recognised there as the same one.
func (a *applicationWorkflow) fundCommand(name string, by fundflow.Actor) Command {
	a.FundCalls++
	return Command{Key: fmt.Sprintf("application:%s:%d:%s", a.ApplicationID, a.FundCalls, name), Actor: by}
}

// callFund sends the fund an Update and decodes its result. A refusal is an
// answer for the caller to act on; the error is only what stops the
// workflow, since the activity retries everything else.
func callFund[T any](ctx workflow.Context, a *applicationWorkflow, name string, req commandRequest) (T, *fundflow.Error, error) {
	return call[T](ctx, a, FundWorkflowID(a.FundID), name, req)
}

// call is callFund for any workflow the application sends Updates to.
func call[T any](ctx workflow.Context, a *applicationWorkflow, workflowID, name string, req commandRequest) (T, *fundflow.Error, error) {
	var res T
	var reply activities.Reply
	err := execute(ctx, a.since(ctx, callsLocally), deliveryOptions, acts.SendUpdate, activities.SendUpdateInput{
		Delivery: activities.Delivery{WorkflowID: workflowID, UpdateName: name, UpdateID: req.command().Key},
		Payload:  encode(req),
	}).Get(ctx, &reply)
	if err != nil || reply.Refusal != nil {
		return res, reply.Refusal, err
	}
	if len(reply.Result) > 0 {
		decode(reply.Result, &res)
	}
	return res, nil, nil
}

// tellFund sends an Update whose refusal means there was nothing to do,
// such as releasing credit already released. The refusal is logged, not
// acted on.
func (a *applicationWorkflow) tellFund(ctx workflow.Context, name string, req commandRequest) error {
	_, refusal, err := callFund[struct{}](ctx, a, name, req)
	if refusal != nil {
		workflow.GetLogger(ctx).Info("fund refused", "update", name, "application", a.ApplicationID, "code", refusal.Code)
	}
	return err
}

// acts names activities; methods on a nil *Activities resolve to the ones
// the worker registered.
var acts *activities.Activities

// --- State ---

// record adds to the timeline, as every change does, and counts the change.
// Who may read the entry is decided here, with what it says.
func (a *applicationWorkflow) record(ctx workflow.Context, audience application.Audience, by fundflow.Actor, action, detail string) {
	a.Timeline.Append(workflow.Now(ctx), audience, by, action, detail)
	a.Version++
}

// moveTo changes the status. The lifecycle table is the arbiter, and a move
// it forbids is a bug here, never a refusal.
func (a *applicationWorkflow) moveTo(to application.Status) {
	if !application.CanTransition(a.Status, to) {
		mustHold(fmt.Errorf("application %s cannot move from %s to %s", a.ApplicationID, a.Status, to))
	}
	a.Status = to
}

// notify queues a notification whose wording is given, as calls written
// before templates give it; it goes out in the legacy template. New
// messages use message, which keeps the wording in templates/notifications.
func (a *applicationWorkflow) notify(ctx workflow.Context, kind activities.NotificationKind, audience, subject, body string) {
	a.message(ctx, kind, audience, "", nil)
	n := &a.Outbox[len(a.Outbox)-1]
	n.Subject, n.Body = subject, body
}

// deliver sends the outbox, oldest first, one at a time. A notification
// that cannot be delivered within notifyOptions is recorded as failed and
// the next one goes; a record is never removed.
func (a *applicationWorkflow) deliver(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, notifyOptions)
	outcomes := a.since(ctx, notificationOutcomes)
	for {
		i := -1
		if err := workflow.Await(ctx, func() bool { i = a.nextUndelivered(); return i >= 0 }); err != nil {
			return
		}
		a.sending = true
		var res activities.NotifyResult
		err := workflow.ExecuteActivity(ctx, acts.Notify, a.Outbox[i].Notification).Get(ctx, &res)
		a.sending = false
		if ctx.Err() != nil {
			return
		}
		n := &a.Outbox[i]
		if err == nil {
			n.Delivered, n.DeliveredAt = true, workflow.Now(ctx).UTC()
		} else {
			n.Failed = true
			workflow.GetLogger(ctx).Warn("notification not delivered", "key", n.Key, "error", err)
		}
		if outcomes {
			if err == nil {
				a.delivered(ctx, i, res)
			} else {
				a.undeliverable(ctx, i, "delivery failed after retries")
			}
		}
		a.Version++
	}
}

// project keeps the application's read-model row in step with its state,
// writing the newest version whenever it moves on. Lists and dashboards read
// that row; the workflow stays the record, and `fundflow reindex` rebuilds
// any row that a projection failing for ten minutes left behind.
//
// The row is written by a local activity: inside the workflow task that
// made the change, so a command's answer comes after its row is written,
// and at the cost of one marker rather than an activity task through the
// server and a second workflow task to hear that it finished.
func (a *applicationWorkflow) project(ctx workflow.Context) {
	local := a.since(ctx, "project-locally")
	for {
		if err := workflow.Await(ctx, func() bool { return a.Version > a.projected }); err != nil {
			return
		}
		row := a.row(workflow.Now(ctx))
		err := execute(ctx, local, projectOptions, acts.ProjectApplication, row).Get(ctx, nil)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			workflow.GetLogger(ctx).Warn("read model not updated", "version", row.Version, "error", err)
		}
		a.projected = row.Version
	}
}

// row is the application as lists show it, with the view single reads
// answer from.
func (a *applicationWorkflow) row(now time.Time) application.Row {
	v := a.view()
	v.ActionsBy = a.actionsByAudience()
	return ApplicationRow(v, now)
}

func (a *applicationWorkflow) nextUndelivered() int {
	return slices.IndexFunc(a.Outbox, func(n NotificationRecord) bool { return !n.Delivered && !n.Failed })
}

func (a *applicationWorkflow) undelivered() bool { return a.nextUndelivered() >= 0 }

// publish upserts the search attributes when the status or the stage's due
// time has changed. The first time in a run it starts from what the run was
// started with, which for a new draft is everything already, so creating an
// application costs no second visibility write; when the run lacks any of
// them (started some other way than StartApplicationOptions), all of them.
func (a *applicationWorkflow) publish(ctx workflow.Context) {
	now := publishedAttributes{status: a.Status, due: a.deadlines().StageDueAt}
	if a.published == nil && a.since(ctx, "publish-from-start") {
		a.published = a.startedWith(ctx)
	}
	if p := a.published; p != nil && p.status == now.status && p.due.Equal(now.due) {
		return
	}
	attrs := []temporal.SearchAttributeUpdate{SearchAppStatus.ValueSet(string(now.status)), SearchStageDueAt.ValueUnset()}
	if !now.due.IsZero() {
		attrs[1] = SearchStageDueAt.ValueSet(now.due)
	}
	if a.published == nil {
		attrs = append(attrs, SearchEntityKind.ValueSet(KindApplication), SearchFundID.ValueSet(a.FundID), SearchOrgCode.ValueSet(a.OrgCode))
	}
	mustHold(workflow.UpsertTypedSearchAttributes(ctx, attrs...))
	a.published = &now
}

// startedWith is what the run's search attributes already say, or nil when
// any of them is missing or not this application's.
func (a *applicationWorkflow) startedWith(ctx workflow.Context) *publishedAttributes {
	sa := workflow.GetTypedSearchAttributes(ctx)
	kind, _ := sa.GetKeyword(SearchEntityKind)
	fundID, _ := sa.GetKeyword(SearchFundID)
	org, _ := sa.GetKeyword(SearchOrgCode)
	status, ok := sa.GetKeyword(SearchAppStatus)
	if !ok || kind != KindApplication || fundID != a.FundID || org != a.OrgCode {
		return nil
	}
	due, _ := sa.GetTime(SearchStageDueAt)
	return &publishedAttributes{status: application.Status(status), due: due}
}

func (a *applicationWorkflow) outcome() Outcome { return Outcome{Status: a.Status, Version: a.Version} }

// stage is the stage the application is in: its status or, while a query
// is open, the stage the query paused.
func (a *applicationWorkflow) stage() application.Status {
	if a.Status == application.StatusInformationRequested {
		return a.PausedStage
	}
	return a.Status
}

func (a *applicationWorkflow) deadlines() Deadlines {
	var d Deadlines
	if s := a.Stage; s != nil && !a.ended() {
		d.Stage, d.StageDueAt, d.ReminderAt = s.Stage, s.DueAt, s.ReminderAt
	}
	if q, ok := a.Queries.Open(); ok && !a.ended() {
		d.QueryRespondBy = q.RespondBy
	}
	if a.Status == application.StatusOffered && a.Offer != nil {
		d.OfferAcceptBy = a.Offer.AcceptBy
	}
	return d
}

func (a *applicationWorkflow) view() ApplicationView {
	v := ApplicationView{
		ID: a.ApplicationID, Reference: a.Reference, FundID: a.FundID, OrgCode: a.OrgCode, CreatedBy: a.CreatedBy,
		Status: a.Status, StatusLabel: a.Status.Label(), ApplicantStatusLabel: a.Status.ApplicantLabel(), Final: a.ended(),
		Content: a.Content, FormVersion: a.Fund.FormVersion(), RequestedPence: a.Content.RequestedPence,
		Eligibility: a.Eligibility, Reviewers: nonNil(a.Panel.Current()), Panel: a.Panel,
		WeightedScore: a.WeightedScore, PassMark: a.Fund.PassMark, Queries: nonNil(a.Queries),
		Decision: a.Decision, Offer: a.Offer, Closed: a.Closed, Deadlines: a.deadlines(),
		CreatedAt: a.CreatedAt, SubmittedAt: a.SubmittedAt, Notifications: nonNil(a.Outbox), Version: a.Version,
		OrgName: a.OrgName, Acceptance: a.Acceptance, Ending: a.Ending,
		Milestones: a.milestonesView(), Letters: nonNil(slices.Clone(a.Letters)),
		Documents:  nonNil(slices.Clone(a.Documents)),
		DrawnPence: a.drawn(), RAG: a.rag(), OverdueCount: a.overdueCount(), NextMilestone: a.nextMilestone(),
		Partners: nonNil(slices.Clone(a.Partners)), CoApplicants: a.coApplicants(a.clock), Comments: nonNil(slices.Clone(a.Comments)),
		SignOff: a.signOffView(), Changed: maps.Clone(a.Changed),
		Agreement: a.agreementView(), ChangeRequests: nonNil(slices.Clone(a.ChangeRequests)),
		Returns: a.returnsView(), NextReturn: a.nextReturn(), OverdueReturns: a.overdueReturns(),
	}
	if a.Offer != nil && a.Offer.ReleasedAt.IsZero() {
		v.AwardedPence = a.Offer.AmountPence
	}
	return v
}

// timeline is a page of the timeline as q.Role may read it: an applicant
// gets only the entries for everyone, reviewers unnamed.
func (a *applicationWorkflow) timeline(q TimelineQuery) TimelinePage {
	page := TimelinePage{Entries: []application.Entry{}}
	for _, e := range a.Timeline[min(max(q.AfterSeq, 0), len(a.Timeline)):] {
		if q.Role.Applying() {
			var ok bool
			if e, ok = e.ForApplicant(); !ok {
				continue
			}
		}
		if q.Limit > 0 && len(page.Entries) == q.Limit {
			page.NextAfterSeq = page.Entries[q.Limit-1].Seq
			break
		}
		page.Entries = append(page.Entries, e)
	}
	return page
}

// --- Checks ---

func (a *applicationWorkflow) requireApplicant(by fundflow.Actor) error {
	if !by.ApplicantOf(a.OrgCode) {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only the applicant organisation can do this")
	}
	return nil
}

// requireReviewer admits a reviewer who has not declared a conflict of
// interest with the organisation.
func (a *applicationWorkflow) requireReviewer(by fundflow.Actor) error {
	switch {
	case by.Role != fundflow.RoleReviewer:
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a reviewer can do this")
	case a.hasConflict(by.ID):
		return fundflow.Errorf(fundflow.EFORBIDDEN, "you have declared a conflict of interest with this organisation")
	}
	return nil
}

func (a *applicationWorkflow) hasConflict(reviewerID string) bool {
	return slices.ContainsFunc(a.Panel.Conflicts, func(c application.Conflict) bool { return c.Reviewer.ID == reviewerID })
}

func (a *applicationWorkflow) requireStatus(allowed ...application.Status) error {
	if !a.ended() && slices.Contains(allowed, a.Status) {
		return nil
	}
	return a.notNow()
}

func (a *applicationWorkflow) notNow() error {
	if a.Closed != nil {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the application is closed: %s", a.Closed.Reason)
	}
	return fundflow.Errorf(fundflow.EINVALIDSTATE, "this cannot be done while the application's status is %s", a.Status)
}

func (a *applicationWorkflow) respondWithin(r RaiseQueryRequest) fund.Duration {
	if r.RespondWithin.IsZero() {
		return a.Fund.SLAs.QueryResponse
	}
	return r.RespondWithin
}

// nextQueryID numbers queries q1, q2, … so that ids are deterministic.
func (a *applicationWorkflow) nextQueryID() string { return fmt.Sprintf("q%d", len(a.Queries)+1) }

func requiredReason(s string) error {
	var v fundflow.Invalid
	reason(&v, s)
	return v.Err("the request is invalid")
}

func reason(v *fundflow.Invalid, s string) {
	if n := utf8.RuneCountInString(s); strings.TrimSpace(s) == "" || n > maxStatusReasonLen {
		v.Add("reason", "must be 1 to %d characters", maxStatusReasonLen)
	}
}

// --- Helpers ---

func reviewerOf(by fundflow.Actor) application.Reviewer {
	return application.Reviewer{ID: by.ID, Name: by.Name}
}

func assessmentOf(r SubmitAssessmentRequest, at time.Time) application.Assessment {
	return application.Assessment{
		ReviewerID: r.Actor.ID, ReviewerName: r.Actor.Name, Scores: r.Scores,
		Feedback: r.Feedback, InternalComment: r.InternalComment, SubmittedAt: at,
	}
}

// askerAudience is who hears about a query's answer or expiry.
func askerAudience(q application.Query) string {
	if q.AskedBy.Role == fundflow.RoleReviewer {
		return activities.ReviewerAudience(q.AskedBy.ID)
	}
	return string(q.AskedBy.Role)
}

// divisionOf is the bank-holiday division of an organisation's nation. An
// organisation missing from the registry has none; England and Wales is
// then the best guess, and such an application fails eligibility anyway.
func divisionOf(o organisation.Org) calendar.Division {
	if div, ok := calendar.DivisionFor(string(o.Nation)); ok {
		return div
	}
	return calendar.EnglandAndWales
}

// eligibilitySummary is the automatic result and the rules behind anything
// short of a pass.
func eligibilitySummary(checks []application.RuleResult) string {
	s := "automatic result: " + string(application.Overall(checks))
	var flagged []string
	for _, c := range checks {
		if c.Result != application.Pass {
			flagged = append(flagged, c.Rule+" "+string(c.Result))
		}
	}
	if len(flagged) > 0 {
		s += " (" + strings.Join(flagged, ", ") + ")"
	}
	return s
}

// patchFields lists the members a patch sets, in the order the form has
// them, for the timeline. Reading the encoded patch back token by token
// keeps that order, which decoding into a map would lose.
func patchFields(p application.Patch) []string {
	dec := json.NewDecoder(bytes.NewReader(encode(p)))
	var fields []string
	_, err := dec.Token() //workflowcheck:ignore as in encode
	for err == nil && dec.More() {
		var t json.Token
		t, err = dec.Token() //workflowcheck:ignore as in encode
		if err != nil {
			break
		}
		fields = append(fields, fmt.Sprint(t))
		var skip json.RawMessage
		err = dec.Decode(&skip) //workflowcheck:ignore as in encode
	}
	mustHold(err)
	return fields
}

// hundredths writes a score such as 363 as "3.63".
func hundredths(n int) string { return fmt.Sprintf("%d.%02d", n/100, n%100) }
