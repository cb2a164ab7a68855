package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
)

// Monitoring returns: the award's workflow owns the fund's reporting
// schedule on durable timers. Each return opens when the one before it
// falls due, reminds the lead at working-day offsets before it is due, is
// marked overdue at its due date and escalated to the programme manager
// some working days after; with the fund's hold_drawdown, no milestone is
// drawn down while a return that has fallen due is not yet accepted.

func (a *applicationWorkflow) setReturnHandlers(ctx workflow.Context) error {
	return errors.Join(
		setCommand(ctx, a, UpdateSubmitReturn, a.checkSubmitReturn, a.submitReturn),
		setCommand(ctx, a, UpdateSignOffReturn, a.checkSignOffReturn, a.signOffReturn),
		setCommand(ctx, a, UpdateReviewReturn, a.checkReviewReturn, a.reviewReturn),
	)
}

// scheduleReturns lays out the fund's returns from acceptance, their
// working-day reminders and escalations counted in the organisation's
// bank-holiday division, recorded as lookups so later calendar data never
// moves a date under a running award.
func (a *applicationWorkflow) scheduleReturns(ctx workflow.Context, now time.Time) error {
	rep := a.Fund.Reporting
	if rep == nil {
		return nil
	}
	var lastDue time.Time
	for _, m := range a.Milestones {
		lastDue = maxTime(lastDue, m.DueAt)
	}
	lctx := workflow.WithLocalActivityOptions(ctx, lookupOptions)
	opens := now
	for _, s := range rep.Schedule(now, lastDue, calendar.London) {
		r := Return{ID: s.ID, Title: s.Title, Final: s.Final, OpensAt: minTime(opens, s.DueAt), DueAt: s.DueAt, Status: ReturnUpcoming}
		opens = s.DueAt
		if err := workflow.ExecuteLocalActivity(lctx, acts.WorkingDaysBefore,
			activities.WorkingDaysBeforeInput{Division: a.Division, Deadline: r.DueAt, Days: rep.RemindBefore}).Get(ctx, &r.RemindAt); err != nil {
			return err
		}
		r.RemindAt = slices.DeleteFunc(r.RemindAt, func(t time.Time) bool { return t.Before(r.OpensAt) })
		r.EscalateAt = r.DueAt
		if rep.EscalateAfter > 0 {
			if err := workflow.ExecuteLocalActivity(lctx, acts.WorkingDeadline, activities.WorkingDeadlineInput{
				Division: a.Division, From: r.DueAt, Within: fund.MustParseDuration(fmt.Sprintf("P%dD", rep.EscalateAfter)),
			}).Get(ctx, &r.EscalateAt); err != nil {
				return err
			}
		}
		if !r.OpensAt.After(now) {
			r.Status = ReturnOpen
		}
		a.Returns = append(a.Returns, r)
	}
	if n := len(a.Returns); n > 0 {
		a.record(ctx, application.AudienceEveryone, fundflow.System, "returns_scheduled", fmt.Sprintf("%d monitoring returns, the first due by %s", n, calendar.LongTime(a.Returns[0].DueAt)))
	}
	return nil
}

func (a *applicationWorkflow) monitoringReturn(id string) (*Return, error) {
	i := slices.IndexFunc(a.Returns, func(r Return) bool { return r.ID == id })
	if i < 0 {
		return nil, fundflow.Errorf(fundflow.ENOTFOUND, "application %s has no return %q", a.ApplicationID, id)
	}
	return &a.Returns[i], nil
}

// awaitingLead is a return the lead has still to send: open, or sent back.
func (r Return) awaitingLead() bool { return r.Status == ReturnOpen || r.Status == ReturnSentBack }

// in says the lead has sent the return, whatever has happened to it since.
func (r Return) in() bool {
	return r.Status == ReturnSubmitted || r.Status == ReturnAwaitingSignOff || r.Status == ReturnAccepted
}

func (a *applicationWorkflow) template(r *Return) fund.ReturnTemplate {
	return a.Fund.Reporting.Template(r.Final)
}

// --- Deadlines ---

func (a *applicationWorkflow) considerReturns(consider func(time.Time)) {
	if a.Status != application.StatusInDeployment {
		return
	}
	for _, r := range a.Returns {
		switch {
		case r.Status == ReturnUpcoming:
			consider(r.OpensAt)
		case r.Status == ReturnAccepted:
			continue
		}
		if !r.in() && r.Reminders < len(r.RemindAt) {
			consider(r.RemindAt[r.Reminders])
		}
		if !r.Overdue {
			consider(r.DueAt)
		}
		if r.Overdue && !r.Escalated && !r.in() {
			consider(r.EscalateAt)
		}
	}
}

// onReturnDeadlines opens returns, reminds the lead of those not in, and
// marks overdue and escalates those the lead has not sent by their dates.
// Overdue marks the due date passing for every return, in or not: it is
// what holds the drawdown until the return is accepted.
func (a *applicationWorkflow) onReturnDeadlines(ctx workflow.Context, now time.Time) {
	if a.Status != application.StatusInDeployment {
		return
	}
	passed := func(t time.Time) bool { return !t.IsZero() && !now.Before(t) }
	for i := range a.Returns {
		r := &a.Returns[i]
		if r.Status == ReturnUpcoming && passed(r.OpensAt) {
			r.Status = ReturnOpen
			a.record(ctx, application.AudienceEveryone, fundflow.System, "return_opened", fmt.Sprintf("%s is due by %s", r.Title, calendar.LongTime(r.DueAt)))
			a.message(ctx, activities.NotificationReturn, audienceApplicant, "return_opened", params("return", r.Title, "due", calendar.LongTime(r.DueAt), "fund", a.Fund.Name))
		}
		if r.Status == ReturnUpcoming || r.Status == ReturnAccepted {
			continue
		}
		for !r.in() && r.Reminders < len(r.RemindAt) && passed(r.RemindAt[r.Reminders]) {
			r.Reminders++
			if r.Reminders < len(r.RemindAt) && passed(r.RemindAt[r.Reminders]) {
				continue // only the latest of reminders missed together is worth sending
			}
			a.record(ctx, application.AudienceEveryone, fundflow.System, "return_reminder", fmt.Sprintf("%s is due by %s", r.Title, calendar.LongTime(r.DueAt)))
			a.message(ctx, activities.NotificationReturnReminder, audienceApplicant, "return_reminder", params("return", r.Title, "due", calendar.LongTime(r.DueAt)))
		}
		if !r.Overdue && passed(r.DueAt) {
			r.Overdue = true
			if !r.in() {
				r.Reminders = len(r.RemindAt)
				a.record(ctx, application.AudienceEveryone, fundflow.System, "return_overdue", fmt.Sprintf("%s was due by %s", r.Title, calendar.LongTime(r.DueAt)))
				a.message(ctx, activities.NotificationReturnOverdue, audienceApplicant, "return_overdue", params("return", r.Title, "due", calendar.LongTime(r.DueAt), "held", a.holdsDrawdown()))
			}
		}
		if r.Overdue && !r.Escalated && !r.in() && passed(r.EscalateAt) {
			r.Escalated = true
			a.record(ctx, application.AudienceStaff, fundflow.System, "return_escalated", fmt.Sprintf("%s was due by %s and is not in", r.Title, calendar.LongTime(r.DueAt)))
			a.message(ctx, activities.NotificationReturnOverdue, audienceProgrammeManager, "return_escalated", params("return", r.Title, "due", calendar.LongTime(r.DueAt), "org", a.orgName()))
		}
	}
}

// holdsDrawdown says, as a notification parameter, whether the fund holds
// drawdowns for overdue returns.
func (a *applicationWorkflow) holdsDrawdown() string {
	if a.Fund.Reporting != nil && a.Fund.Reporting.HoldDrawdown {
		return "yes"
	}
	return ""
}

// drawdownHold is the first return that holds the award's drawdowns: one
// fallen due and not yet accepted, on a fund paying by results.
func (a *applicationWorkflow) drawdownHold() (Return, bool) {
	if a.Fund.Reporting == nil || !a.Fund.Reporting.HoldDrawdown {
		return Return{}, false
	}
	i := slices.IndexFunc(a.Returns, func(r Return) bool { return r.Overdue && r.Status != ReturnAccepted })
	if i < 0 {
		return Return{}, false
	}
	return a.Returns[i], true
}

// --- Submitting and deciding ---

func (a *applicationWorkflow) canSubmitReturn(by fundflow.Actor, id string) error {
	r, err := a.deploymentReturn(by, a.requireApplicant, id)
	if err != nil {
		return err
	}
	switch {
	case r.Status == ReturnUpcoming:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "%s opens on %s", r.Title, calendar.LongTime(r.OpensAt))
	case !r.awaitingLead():
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "%s is %s and takes no answers now", r.Title, r.Status)
	}
	return nil
}

func (a *applicationWorkflow) canSignOffReturn(by fundflow.Actor, id string) error {
	r, err := a.deploymentReturn(by, a.requireApplicant, id)
	if err != nil {
		return err
	}
	if r.Status != ReturnAwaitingSignOff {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "%s is %s, not awaiting sign-off", r.Title, r.Status)
	}
	if !slices.ContainsFunc(r.Certifiers, func(c activities.CertifierInfo) bool { return c.UserID == by.ID }) {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a certifier of the organisation who did not send the return can sign it off")
	}
	return nil
}

func (a *applicationWorkflow) canReviewReturn(by fundflow.Actor, id string) error {
	r, err := a.deploymentReturn(by, requireProgrammeManager, id)
	if err != nil {
		return err
	}
	if r.Status != ReturnSubmitted {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "%s is %s; only a submitted return can be accepted or sent back", r.Title, r.Status)
	}
	return nil
}

func (a *applicationWorkflow) deploymentReturn(by fundflow.Actor, role func(fundflow.Actor) error, id string) (*Return, error) {
	if err := role(by); err != nil {
		return nil, err
	}
	if err := a.requireStatus(application.StatusInDeployment); err != nil {
		return nil, err
	}
	return a.monitoringReturn(id)
}

func (a *applicationWorkflow) checkSubmitReturn(_ workflow.Context, q SubmitReturnRequest) error {
	if err := a.canSubmitReturn(q.Actor, q.ReturnID); err != nil {
		return err
	}
	r, _ := a.monitoringReturn(q.ReturnID)
	t := a.template(r)
	v := t.Form.Validate(q.Answers, form.Env{Routes: a.Content.DeploymentRoutes}, form.Submission) //workflowcheck:ignore as in checkSaveDraft
	a.Fund.ValidateReturnFigures(&v, "outcomes", t.Measures, a.Content.DeploymentRoutes, q.Outcomes)
	return v.Err("the return is invalid")
}

// submitReturn takes the lead's answers to the certifier where the fund
// asks for a sign-off and the organisation has a certifier, otherwise
// straight to the programme manager.
func (a *applicationWorkflow) submitReturn(ctx workflow.Context, q SubmitReturnRequest) (Outcome, error) {
	var cs []activities.CertifierInfo
	if a.Fund.Reporting.SignOff {
		var err error
		if cs, err = a.certifiers(ctx); err != nil {
			return Outcome{}, err
		}
	}
	r, _ := a.monitoringReturn(q.ReturnID)
	r.Certifiers = slices.DeleteFunc(cs, func(c activities.CertifierInfo) bool { return c.UserID == q.Actor.ID })
	r.Submission = &ReturnSubmission{Answers: q.Answers, Outcomes: slices.Clone(q.Outcomes), By: q.Actor, At: workflow.Now(ctx).UTC()}
	r.SignedOff = nil
	a.record(ctx, application.AudienceEveryone, q.Actor, "return_submitted", r.Title)
	if len(r.Certifiers) > 0 {
		r.Status = ReturnAwaitingSignOff
		for _, c := range r.Certifiers {
			a.message(ctx, activities.NotificationReturn, certifierAudience(c.UserID), "return_sign_off", params("return", r.Title, "fund", a.Fund.Name))
		}
		return a.outcome(), nil
	}
	a.returnIn(ctx, r)
	return a.outcome(), nil
}

// returnIn puts a return before the programme manager.
func (a *applicationWorkflow) returnIn(ctx workflow.Context, r *Return) {
	r.Status = ReturnSubmitted
	a.message(ctx, activities.NotificationReturn, audienceProgrammeManager, "return_to_review", params("org", a.orgName(), "return", r.Title))
}

func (a *applicationWorkflow) checkSignOffReturn(_ workflow.Context, q SignOffReturnRequest) error {
	if err := a.canSignOffReturn(q.Actor, q.ReturnID); err != nil {
		return err
	}
	if !q.Declare {
		return &fundflow.Error{Code: fundflow.EVALIDATION, Message: "the sign-off is incomplete",
			Fields: []fundflow.FieldError{{Field: "declare", Message: "confirm that the return is accurate to sign it off"}}}
	}
	return nil
}

func (a *applicationWorkflow) signOffReturn(ctx workflow.Context, q SignOffReturnRequest) (Outcome, error) {
	r, _ := a.monitoringReturn(q.ReturnID)
	r.SignedOff = &ReturnSignOff{By: q.Actor, At: workflow.Now(ctx).UTC()}
	a.record(ctx, application.AudienceEveryone, q.Actor, "return_signed_off", r.Title)
	a.returnIn(ctx, r)
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkReviewReturn(_ workflow.Context, q ReviewReturnRequest) error {
	if err := a.canReviewReturn(q.Actor, q.ReturnID); err != nil {
		return err
	}
	var v fundflow.Invalid
	switch q.Decision {
	case MilestoneVerify:
		limited(&v, "note", q.Note, maxNoteChars, false)
	case MilestoneReturn:
		limited(&v, "note", q.Note, maxNoteChars, true)
	default:
		v.Add("decision", "must be verify (accept) or return (send back)")
	}
	return v.Err("the review is invalid")
}

// reviewReturn accepts a return, which may release a held drawdown and,
// for the last thing outstanding, complete the award; or sends it back.
func (a *applicationWorkflow) reviewReturn(ctx workflow.Context, q ReviewReturnRequest) (Outcome, error) {
	r, _ := a.monitoringReturn(q.ReturnID)
	review := Review{Decision: q.Decision, Note: q.Note, By: q.Actor, At: workflow.Now(ctx).UTC()}
	r.Reviews = append(r.Reviews, review)
	if q.Decision == MilestoneReturn {
		r.Status = ReturnSentBack
		a.record(ctx, application.AudienceEveryone, q.Actor, "return_sent_back", fmt.Sprintf("%s: %s", r.Title, q.Note))
		a.message(ctx, activities.NotificationReturn, audienceApplicant, "return_sent_back", params("return", r.Title, "note", q.Note))
		return a.outcome(), nil
	}
	r.Status, r.AcceptedAt = ReturnAccepted, review.At
	a.record(ctx, application.AudienceEveryone, q.Actor, "return_accepted", r.Title)
	a.message(ctx, activities.NotificationReturn, audienceApplicant, "return_accepted", params("return", r.Title))
	if a.awardDelivered() {
		if err := a.complete(ctx, q.Actor, q.Note); err != nil {
			return Outcome{}, err
		}
	}
	return a.outcome(), nil
}

// --- Tracking ---

// returnsView shows overdue for a return the lead has not sent by its due
// date, and what each return asks.
func (a *applicationWorkflow) returnsView() []Return {
	out := slices.Clone(a.Returns)
	for i := range out {
		if out[i].Overdue && out[i].awaitingLead() {
			out[i].Status = ReturnOverdue
		}
		t := a.template(&out[i])
		out[i].Questions, out[i].Measures = &t.Form, t.Measures
		out[i].OutcomesRequired = a.Fund.ReturnRequired(t.Measures, a.Content.DeploymentRoutes)
	}
	return nonNil(out)
}

func (a *applicationWorkflow) overdueReturns() int {
	n := 0
	for _, r := range a.Returns {
		if r.Overdue && r.awaitingLead() {
			n++
		}
	}
	return n
}

func (a *applicationWorkflow) nextReturn() *NextReturn {
	var next *NextReturn
	for _, r := range a.Returns {
		if !r.in() && (next == nil || r.DueAt.Before(next.DueAt)) {
			next = &NextReturn{ID: r.ID, Title: r.Title, DueAt: r.DueAt}
		}
	}
	return next
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
