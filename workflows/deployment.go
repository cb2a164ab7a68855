package workflows

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/money"
)

// Limits on what applicants and programme managers write about milestones.
const (
	maxSignatoryChars  = 200
	maxEvidenceChars   = 10_000
	maxNoteChars       = 2000
	maxMetrics         = 50
	maxMetricNameChars = 100
	maxLinks           = 20
	maxLinkChars       = 2000
	// maxExtension stops one extension pushing a milestone out of sight.
	maxExtension = 2 * 365 * 24 * time.Hour
)

// verifyPath is where a letter's reference can be checked. It is relative
// because a workflow does not know the public URL; GenerateLetter puts the
// configured one in front, so every letter a deployment prints names the same
// address.
const verifyPath = "/v1/letters/{ref}/verify"

// letterOptions retry a letter without end: rendering is deterministic and
// storage content-addressed, so only an outage or a bug stops one, and a
// decision must never go without its letter. A bug shows up in the
// activity's failures until a fix is deployed. A letter takes a second or
// two to render and store, and an offer cannot be accepted until its letter
// exists, so an attempt lost with a worker is retried after seconds, and
// the backoff stays short: a store back from an outage is used within half
// a minute.
var letterOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 20 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

func (a *applicationWorkflow) setDeploymentHandlers(ctx workflow.Context) error {
	return errors.Join(
		setCommand(ctx, a, UpdateAcceptOffer, a.checkAcceptOffer, a.acceptOffer),
		setCommand(ctx, a, UpdateDeclineOffer, a.checkDeclineOffer, a.declineOffer),
		setCommand(ctx, a, UpdateSubmitEvidence, a.checkSubmitEvidence, a.submitEvidence),
		setCommand(ctx, a, UpdateVerifyMilestone, a.checkVerifyMilestone, a.verifyMilestone),
		setCommand(ctx, a, UpdateRequestExtension, a.checkRequestExtension, a.requestExtension),
		setCommand(ctx, a, UpdateDecideExtension, a.checkDecideExtension, a.decideExtension),
		setCommand(ctx, a, UpdateTerminate, a.checkTerminate, a.terminate),
	)
}

// --- The offer ---

// makeOffer records credit reserved for the application, by an approval or
// from the waitlist, starts the acceptance deadline and queues the offer
// letter. Its milestone dates are counted from the acceptance deadline, the
// latest the applicant can accept, and the letter says so.
func (a *applicationWorkflow) makeOffer(ctx workflow.Context, by fundflow.Actor, amount int64, conditions []string, via string) {
	now := workflow.Now(ctx).UTC()
	acceptBy := a.Fund.OfferAcceptanceWindow.AddCalendar(now.In(calendar.London)).UTC()
	a.Offer = &Offer{AmountPence: amount, Conditions: conditions, ReservedAt: now, Via: via, AcceptBy: acceptBy}
	s := a.snapshot(ctx, letters.KindOffer, by, "Chair of the assessment panel")
	// Offers made before the rule could be accepted ahead of their letter,
	// and replay must let them.
	if a.since(ctx, "offer-awaits-letter") {
		a.Offer.Letter = s.Ref
	}
	s.AmountPence, s.Conditions, s.AcceptBy = amount, conditions, &acceptBy
	s.Targets = a.letterTargets()
	a.pinTerms(ctx, &s)
	for _, m := range a.schedule(acceptBy, amount) {
		s.Milestones = append(s.Milestones, letters.Milestone{Title: m.Title, DueAt: m.DueAt, DrawdownPence: m.DrawdownPence})
	}
	a.queueLetter(s)
}

func (a *applicationWorkflow) checkAcceptOffer(_ workflow.Context, r AcceptOfferRequest) error {
	if err := a.canAcceptOffer(r.Actor); err != nil {
		return err
	}
	var v fundflow.Invalid
	limited(&v, "signatory_name", r.SignatoryName, maxSignatoryChars, true)
	_, certifier := a.signatory(r.Actor)
	limited(&v, "signatory_role", r.SignatoryRole, maxSignatoryChars, !certifier)
	if a.Offer.Terms != nil {
		if err := a.checkSignature(&v, r); err != nil {
			return err
		}
	}
	return v.Err("the acceptance is invalid")
}

// acceptOffer commits the credit first: until the fund has it committed,
// nothing here changes.
func (a *applicationWorkflow) acceptOffer(ctx workflow.Context, r AcceptOfferRequest) (Outcome, error) {
	_, refusal, err := callFund[LedgerResult](ctx, a, UpdateCommit, CommitRequest{Command: a.fundCommand(UpdateCommit, r.Actor), ApplicationID: a.ApplicationID})
	if err != nil {
		return Outcome{}, err
	}
	if refusal != nil {
		return Outcome{}, refusal
	}
	now := workflow.Now(ctx).UTC()
	a.Acceptance = &Acceptance{SignatoryName: r.SignatoryName, SignatoryRole: r.SignatoryRole, By: r.Actor, At: now}
	a.moveTo(application.StatusAccepted)
	a.Milestones = a.schedule(now, a.Offer.AmountPence)
	if a.Offer.Terms != nil {
		a.sign(ctx, r)
		a.Acceptance.SignatoryRole = a.Agreement.Capacity
		a.record(ctx, application.AudienceEveryone, r.Actor, "agreement_signed", fmt.Sprintf("%s version %d (SHA-256 %s) signed for %s by %s, %s; accepts offer %s",
			a.Agreement.Terms.Title, a.Agreement.Terms.Version, a.Agreement.Terms.SHA256, a.orgName(), r.SignatoryName, a.Agreement.Capacity, a.Agreement.OfferRef))
	}
	a.record(ctx, application.AudienceEveryone, r.Actor, "offer_accepted", fmt.Sprintf("%s accepted for %s by %s, %s", money.Format(a.Offer.AmountPence), a.orgName(), r.SignatoryName, a.Acceptance.SignatoryRole))
	a.moveTo(application.StatusInDeployment)
	a.record(ctx, application.AudienceEveryone, fundflow.System, "deployment_started", fmt.Sprintf("%d milestones, the first due by %s", len(a.Milestones), calendar.LongTime(a.Milestones[0].DueAt)))
	if err := a.scheduleReturns(ctx, now); err != nil {
		return Outcome{}, err
	}
	a.message(ctx, activities.NotificationOfferAccepted, audienceProgrammeManager, "offer_accepted", params("org", a.orgName(), "amount", money.Format(a.Offer.AmountPence), "fund", a.Fund.Name))
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkDeclineOffer(_ workflow.Context, r DeclineOfferRequest) error {
	if err := a.canDeclineOffer(r.Actor); err != nil {
		return err
	}
	return requiredReason(r.Reason)
}

func (a *applicationWorkflow) declineOffer(ctx workflow.Context, r DeclineOfferRequest) (Outcome, error) {
	if err := a.endOffer(ctx, r.Actor, application.StatusDeclined, "the offer was declined", r.Reason); err != nil {
		return Outcome{}, err
	}
	return a.outcome(), nil
}

// endOffer hands the credit back to the fund, which offers it to the head of
// its waitlist, and ends the application as declined, offer_expired or
// terminated. The fund refusing the release means nothing was left to
// release, so it never stops the ending.
func (a *applicationWorkflow) endOffer(ctx workflow.Context, by fundflow.Actor, to application.Status, why, reason string) error {
	if a.Offer != nil && a.Offer.ReleasedAt.IsZero() {
		if err := a.tellFund(ctx, UpdateRelease, ReleaseRequest{Command: a.fundCommand(UpdateRelease, by), ApplicationID: a.ApplicationID, Reason: why}); err != nil {
			return err
		}
	}
	if err := a.retire(ctx, by); err != nil {
		return err
	}
	a.cancelChange(ctx)
	now := workflow.Now(ctx).UTC()
	if a.Offer != nil && a.Offer.ReleasedAt.IsZero() {
		a.Offer.ReleasedAt = now
	}
	a.moveTo(to)
	a.Ending = &Ending{Status: string(to), Reason: reason, By: by, At: now}
	a.record(ctx, application.AudienceEveryone, by, string(to), reason)
	a.message(ctx, activities.NotificationOfferEnded, audienceProgrammeManager, "award_ended_staff", params("status", to.Label(), "org", a.orgName(), "fund", a.Fund.Name, "reason", reason))
	if by.Role != fundflow.RoleApplicant {
		a.message(ctx, activities.NotificationOfferEnded, audienceApplicant, "award_ended", params("status", to.ApplicantLabel(), "fund", a.Fund.Name, "reason", reason))
	}
	return nil
}

// --- Milestones ---

// schedule is the fund's milestone template made absolute: due dates
// counted in calendar days on the London wall clock from from, and the
// award split by DrawdownSchedule so the last milestone takes the rounding.
func (a *applicationWorkflow) schedule(from time.Time, award int64) []Milestone {
	amounts := a.Fund.DrawdownSchedule(award)
	out := make([]Milestone, len(a.Fund.Milestones))
	for i, m := range a.Fund.Milestones {
		due := m.DueAfter.AddCalendar(from.In(calendar.London)).UTC()
		out[i] = Milestone{
			ID: m.ID, Title: m.Title, EvidenceRequired: m.EvidenceRequired, DocumentsRequired: m.DocumentsRequired,
			DueAt: due, ReminderAt: a.Fund.ReminderBefore.SubCalendar(due.In(calendar.London)).UTC(), DrawdownPence: amounts[i], Status: MilestonePending,
		}
	}
	return out
}

// letterTargets are the application's outcome targets as a letter prints
// them: measure and route by title, figures at the measure's places.
func (a *applicationWorkflow) letterTargets() []letters.Target {
	var out []letters.Target
	for _, t := range a.Content.Targets {
		m, ok := a.Fund.Measure(t.Measure)
		if !ok {
			continue
		}
		route := t.Route
		if i := slices.IndexFunc(a.Fund.DeploymentRoutes, func(r fund.Route) bool { return r.ID == t.Route }); i >= 0 {
			route = a.Fund.DeploymentRoutes[i].Title
		}
		out = append(out, letters.Target{Measure: m.Title, Unit: m.Unit, Route: route,
			Baseline: t.Baseline.Format(m.DecimalPlaces), Target: t.Target.Format(m.DecimalPlaces)})
	}
	return out
}

// letterResults are the targets with the last verified figure for each.
func (a *applicationWorkflow) letterResults() []letters.Target {
	out := a.letterTargets()
	i := 0
	for _, t := range a.Content.Targets {
		m, ok := a.Fund.Measure(t.Measure)
		if !ok {
			continue
		}
		out[i].Achieved, out[i].Met = "Not reported", "–"
		for _, ms := range a.Milestones {
			if ms.Status != MilestoneVerified || ms.Evidence == nil {
				continue
			}
			j := slices.IndexFunc(ms.Evidence.Outcomes, func(f fund.Figure) bool { return f.Measure == t.Measure && f.Route == t.Route })
			if j < 0 {
				continue
			}
			if x, ok := m.Achieved(ms.Evidence.Outcomes[j]); ok {
				out[i].Achieved, out[i].Met = x.Format(m.DecimalPlaces), "No"
				if m.Met(x, t.Target) {
					out[i].Met = "Yes"
				}
			}
		}
		i++
	}
	return out
}

func (a *applicationWorkflow) milestone(id string) (*Milestone, error) {
	i := slices.IndexFunc(a.Milestones, func(m Milestone) bool { return m.ID == id })
	if i < 0 {
		return nil, fundflow.Errorf(fundflow.ENOTFOUND, "application %s has no milestone %q", a.ApplicationID, id)
	}
	return &a.Milestones[i], nil
}

// awaitingEvidence is a milestone the applicant still has to report on, the
// only kind that can be reminded about or fall overdue.
func (m Milestone) awaitingEvidence() bool {
	return m.Status == MilestonePending || m.Status == MilestoneReturned
}

// openExtension is the undecided extension request, if any.
func (m *Milestone) openExtension() *Extension {
	if n := len(m.Extensions); n > 0 && m.Extensions[n-1].Approved == nil {
		return &m.Extensions[n-1]
	}
	return nil
}

func (a *applicationWorkflow) checkSubmitEvidence(_ workflow.Context, r SubmitEvidenceRequest) error {
	if err := a.canSubmitEvidence(r.Actor, r.MilestoneID); err != nil {
		return err
	}
	var v fundflow.Invalid
	limited(&v, "summary", r.Summary, maxEvidenceChars, true)
	if len(r.Metrics) > maxMetrics {
		v.Add("metrics", "must be at most %d", maxMetrics)
	}
	names := sortedKeys(r.Metrics) //workflowcheck:ignore sortedKeys sorts what it reads off the map
	for _, name := range names {
		if n := utf8.RuneCountInString(name); strings.TrimSpace(name) == "" || n > maxMetricNameChars {
			v.Add("metrics", "names must be 1 to %d characters", maxMetricNameChars)
			break
		}
	}
	if len(r.Outcomes) > len(a.Fund.Measures)*len(a.Content.DeploymentRoutes) {
		v.Add("outcomes", "must have at most one figure per measure and route")
	} else {
		a.Fund.ValidateFigures(&v, "outcomes", r.MilestoneID, a.Content.DeploymentRoutes, r.Outcomes)
	}
	if len(r.Links) > maxLinks {
		v.Add("links", "must be at most %d", maxLinks)
	}
	for i, l := range r.Links {
		u, err := url.Parse(l) //workflowcheck:ignore parsing is pure; the checker follows netip's interning cache
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(l) > maxLinkChars {
			v.Add(fmt.Sprintf("links[%d]", i), "must be an http or https URL of at most %d characters", maxLinkChars)
		}
	}
	m, _ := a.milestone(r.MilestoneID)
	a.checkDocuments(&v, "documents", r.Documents, m.DocumentsRequired)
	return v.Err("the evidence is invalid")
}

func (a *applicationWorkflow) submitEvidence(ctx workflow.Context, r SubmitEvidenceRequest) (Outcome, error) {
	m, _ := a.milestone(r.MilestoneID)
	m.Evidence = &Evidence{Summary: r.Summary, Metrics: r.Metrics, Outcomes: slices.Clone(r.Outcomes), Links: slices.Clone(r.Links), Documents: slices.Clone(r.Documents), By: r.Actor, At: workflow.Now(ctx).UTC()}
	m.Status = MilestoneSubmitted
	a.record(ctx, application.AudienceEveryone, r.Actor, "evidence_submitted", "milestone "+m.ID)
	a.message(ctx, activities.NotificationMilestone, audienceProgrammeManager, "evidence_to_verify", params("org", a.orgName(), "milestone", m.Title))
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkVerifyMilestone(_ workflow.Context, r VerifyMilestoneRequest) error {
	if err := a.canVerifyMilestone(r.Actor, r.MilestoneID); err != nil {
		return err
	}
	var v fundflow.Invalid
	switch r.Decision {
	case MilestoneVerify:
		limited(&v, "note", r.Note, maxNoteChars, false)
	case MilestoneReturn:
		limited(&v, "note", r.Note, maxNoteChars, true)
	default:
		v.Add("decision", "must be verify or return")
	}
	return v.Err("the verification is invalid")
}

// verifyMilestone draws the milestone's share down before it changes
// anything, so a refusal from the fund leaves the milestone as it was.
func (a *applicationWorkflow) verifyMilestone(ctx workflow.Context, r VerifyMilestoneRequest) (Outcome, error) {
	m, _ := a.milestone(r.MilestoneID)
	review := Review{Decision: r.Decision, Note: r.Note, By: r.Actor, At: workflow.Now(ctx).UTC()}
	if r.Decision == MilestoneReturn {
		m.Status = MilestoneReturned
		m.Reviews = append(m.Reviews, review)
		a.record(ctx, application.AudienceEveryone, r.Actor, "milestone_returned", fmt.Sprintf("milestone %s: %s", m.ID, r.Note))
		a.message(ctx, activities.NotificationMilestone, audienceApplicant, "evidence_returned", params("milestone", m.Title, "note", r.Note))
		return a.outcome(), nil
	}
	// A share that rounds to nothing has nothing to draw, and the ledger
	// refuses zero amounts.
	if m.DrawdownPence > 0 {
		_, refusal, err := callFund[LedgerResult](ctx, a, UpdateDrawdown, DrawdownRequest{
			Command: a.fundCommand(UpdateDrawdown, r.Actor), ApplicationID: a.ApplicationID, MilestoneID: m.ID, AmountPence: m.DrawdownPence,
		})
		if err != nil {
			return Outcome{}, err
		}
		if refusal != nil {
			return Outcome{}, refusal
		}
	}
	m.Status, m.VerifiedAt, m.DrawnPence, m.VerifiedBy = MilestoneVerified, review.At, m.DrawdownPence, &r.Actor
	m.Reviews = append(m.Reviews, review)
	a.record(ctx, application.AudienceEveryone, r.Actor, "milestone_verified", fmt.Sprintf("milestone %s: drew %s", m.ID, money.Format(m.DrawdownPence)))
	a.message(ctx, activities.NotificationMilestone, audienceApplicant, "milestone_verified", params("milestone", m.Title, "amount", money.Format(m.DrawdownPence)))
	if !a.awardDelivered() {
		return a.outcome(), nil
	}
	if err := a.complete(ctx, r.Actor, r.Note); err != nil {
		return Outcome{}, err
	}
	return a.outcome(), nil
}

// awardDelivered says nothing is left of the award: every milestone verified
// and every return accepted.
func (a *applicationWorkflow) awardDelivered() bool {
	return !slices.ContainsFunc(a.Milestones, func(m Milestone) bool { return m.Status != MilestoneVerified }) &&
		!slices.ContainsFunc(a.Returns, func(r Return) bool { return r.Status != ReturnAccepted })
}

// complete ends a delivered award with its completion letter.
func (a *applicationWorkflow) complete(ctx workflow.Context, by fundflow.Actor, note string) error {
	if err := a.retire(ctx, by); err != nil {
		return err
	}
	a.moveTo(application.StatusCompleted)
	what := "every milestone verified"
	if len(a.Returns) > 0 {
		what += " and every return accepted"
	}
	a.record(ctx, application.AudienceEveryone, fundflow.System, "completed", fmt.Sprintf("%s; %s drawn", what, money.Format(a.drawn())))
	s := a.snapshot(ctx, letters.KindCompletion, by, "Programme manager")
	s.AmountPence, s.Feedback = a.drawn(), note
	s.Targets = a.letterResults()
	for _, m := range a.Milestones {
		s.Milestones = append(s.Milestones, letters.Milestone{Title: m.Title, DueAt: m.DueAt, DrawdownPence: m.DrawnPence})
	}
	a.queueLetter(s)
	a.message(ctx, activities.NotificationAwardEnded, audienceApplicant, "award_completed", params("fund", a.Fund.Name))
	return nil
}

func (a *applicationWorkflow) checkRequestExtension(ctx workflow.Context, r RequestExtensionRequest) error {
	if err := a.canRequestExtension(r.Actor, r.MilestoneID); err != nil {
		return err
	}
	m, _ := a.milestone(r.MilestoneID)
	var v fundflow.Invalid
	switch {
	case !r.NewDueAt.After(m.DueAt) || !r.NewDueAt.After(workflow.Now(ctx)):
		v.Add("new_due_at", "must be after the current due date, %s, and in the future", m.DueAt.Format(time.RFC3339))
	case r.NewDueAt.Sub(m.DueAt) > maxExtension:
		v.Add("new_due_at", "must be at most two years after the current due date")
	}
	reason(&v, r.Reason)
	return v.Err("the extension request is invalid")
}

func (a *applicationWorkflow) requestExtension(ctx workflow.Context, r RequestExtensionRequest) (Outcome, error) {
	m, _ := a.milestone(r.MilestoneID)
	m.Extensions = append(m.Extensions, Extension{
		FromDueAt: m.DueAt, NewDueAt: r.NewDueAt.UTC(), Reason: r.Reason, RequestedBy: r.Actor, RequestedAt: workflow.Now(ctx).UTC(),
	})
	a.record(ctx, application.AudienceEveryone, r.Actor, "extension_requested", fmt.Sprintf("milestone %s to %s: %s", m.ID, calendar.LongTime(r.NewDueAt), r.Reason))
	a.message(ctx, activities.NotificationExtension, audienceProgrammeManager, "extension_requested", params("org", a.orgName(), "milestone", m.Title, "due", calendar.LongTime(r.NewDueAt)))
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkDecideExtension(_ workflow.Context, r DecideExtensionRequest) error {
	if err := a.canDecideExtension(r.Actor, r.MilestoneID); err != nil {
		return err
	}
	var v fundflow.Invalid
	limited(&v, "note", r.Note, maxNoteChars, false)
	return v.Err("the extension decision is invalid")
}

// decideExtension moves an approved milestone's due date and reminder; the
// main loop re-arms their timers, and the reminder and overdue flags start
// again for the new date.
func (a *applicationWorkflow) decideExtension(ctx workflow.Context, r DecideExtensionRequest) (Outcome, error) {
	m, _ := a.milestone(r.MilestoneID)
	x := m.openExtension()
	approved := r.Approve
	x.Approved, x.Note, x.DecidedBy, x.DecidedAt = &approved, r.Note, &r.Actor, workflow.Now(ctx).UTC()
	if !approved {
		a.record(ctx, application.AudienceEveryone, r.Actor, "extension_refused", fmt.Sprintf("milestone %s stays due by %s: %s", m.ID, calendar.LongTime(m.DueAt), r.Note))
		a.message(ctx, activities.NotificationExtension, audienceApplicant, "extension_refused", params("milestone", m.Title, "due", calendar.LongTime(m.DueAt)))
		return a.outcome(), nil
	}
	m.DueAt, m.ReminderAt = x.NewDueAt, a.Fund.ReminderBefore.SubCalendar(x.NewDueAt.In(calendar.London)).UTC()
	m.Reminded, m.Overdue = false, false
	a.record(ctx, application.AudienceEveryone, r.Actor, "extension_approved", fmt.Sprintf("milestone %s moved from %s to %s; reason: %s", m.ID, calendar.LongTime(x.FromDueAt), calendar.LongTime(x.NewDueAt), x.Reason))
	a.message(ctx, activities.NotificationExtension, audienceApplicant, "extension_approved", params("milestone", m.Title, "due", calendar.LongTime(m.DueAt)))
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkTerminate(_ workflow.Context, r TerminateRequest) error {
	if err := a.canTerminate(r.Actor); err != nil {
		return err
	}
	return requiredReason(r.Reason)
}

func (a *applicationWorkflow) terminate(ctx workflow.Context, r TerminateRequest) (Outcome, error) {
	if err := a.endOffer(ctx, r.Actor, application.StatusTerminated, "the award was terminated", r.Reason); err != nil {
		return Outcome{}, err
	}
	return a.outcome(), nil
}

func requireProgrammeManager(by fundflow.Actor) error {
	if by.Role != fundflow.RoleProgrammeManager {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a programme manager can do this")
	}
	return nil
}

// --- Deadlines ---

// considerDeployment offers the offer's and the milestones' deadlines to
// nextDeadline.
func (a *applicationWorkflow) considerDeployment(consider func(time.Time)) {
	switch a.Status {
	case application.StatusOffered:
		if a.Offer != nil {
			consider(a.Offer.AcceptBy)
		}
	case application.StatusInDeployment:
		for _, m := range a.Milestones {
			if !m.awaitingEvidence() {
				continue
			}
			if !m.Reminded {
				consider(m.ReminderAt)
			}
			if !m.Overdue {
				consider(m.DueAt)
			}
		}
		a.considerReturns(consider)
	}
}

// onDeploymentDeadlines expires an offer not accepted in time, and reminds
// about and flags milestones the applicant has not reported on.
func (a *applicationWorkflow) onDeploymentDeadlines(ctx workflow.Context, now time.Time) error {
	passed := func(t time.Time) bool { return !t.IsZero() && !now.Before(t) }
	if a.Status == application.StatusOffered && a.Offer != nil && passed(a.Offer.AcceptBy) {
		return a.endOffer(ctx, fundflow.System, application.StatusOfferExpired, "the offer expired",
			"the offer was not accepted by "+calendar.LongTime(a.Offer.AcceptBy))
	}
	if a.Status != application.StatusInDeployment {
		return nil
	}
	for i := range a.Milestones {
		m := &a.Milestones[i]
		if !m.awaitingEvidence() {
			continue
		}
		if !m.Reminded && passed(m.ReminderAt) {
			m.Reminded = true
			a.record(ctx, application.AudienceEveryone, fundflow.System, "milestone_reminder", fmt.Sprintf("milestone %s is due by %s", m.ID, calendar.LongTime(m.DueAt)))
			a.message(ctx, activities.NotificationMilestoneReminder, audienceApplicant, "milestone_reminder", params("milestone", m.Title, "due", calendar.LongTime(m.DueAt)))
		}
		if !m.Overdue && passed(m.DueAt) {
			m.Overdue, m.Reminded = true, true
			a.record(ctx, application.AudienceEveryone, fundflow.System, "milestone_overdue", fmt.Sprintf("milestone %s was due by %s", m.ID, calendar.LongTime(m.DueAt)))
			for _, to := range []string{audienceApplicant, audienceProgrammeManager} {
				a.message(ctx, activities.NotificationMilestoneOverdue, to, "milestone_overdue", params("milestone", m.Title, "due", calendar.LongTime(m.DueAt)))
			}
		}
	}
	a.onReturnDeadlines(ctx, now)
	return nil
}

// --- Tracking ---

// milestonesView shows overdue for a milestone awaiting evidence past its
// due date. The flag comes from the durable timer, not the clock, so the view
// is the same on every replay.
func (a *applicationWorkflow) milestonesView() []Milestone {
	out := slices.Clone(a.Milestones)
	for i := range out {
		if out[i].Overdue && out[i].awaitingEvidence() {
			out[i].Status = MilestoneOverdue
		}
		out[i].OutcomesRequired = a.Fund.Required(out[i].ID, a.Content.DeploymentRoutes)
	}
	return nonNil(out)
}

// rag rates a deployment: red with anything overdue, amber with a milestone
// returned or inside its reminder window without evidence, green otherwise.
// Only awards in deployment, or completed, have a rating.
func (a *applicationWorkflow) rag() RAG {
	switch a.Status {
	case application.StatusCompleted:
		return RAGGreen
	case application.StatusInDeployment:
	default:
		return ""
	}
	rating := RAGGreen
	if a.overdueReturns() > 0 {
		return RAGRed
	}
	for _, m := range a.Milestones {
		switch {
		case m.Overdue && m.awaitingEvidence():
			return RAGRed
		case m.Status == MilestoneReturned, m.Reminded && m.awaitingEvidence():
			rating = RAGAmber
		}
	}
	return rating
}

func (a *applicationWorkflow) overdueCount() int {
	n := 0
	for _, m := range a.Milestones {
		if m.Overdue && m.awaitingEvidence() {
			n++
		}
	}
	return n
}

func (a *applicationWorkflow) drawn() int64 {
	var sum int64
	for _, m := range a.Milestones {
		sum += m.DrawnPence
	}
	return sum
}

// nextMilestone is the earliest-due milestone not yet verified.
func (a *applicationWorkflow) nextMilestone() *NextMilestone {
	var next *NextMilestone
	for _, m := range a.Milestones {
		if m.Status != MilestoneVerified && (next == nil || m.DueAt.Before(next.DueAt)) {
			next = &NextMilestone{ID: m.ID, Title: m.Title, DueAt: m.DueAt}
		}
	}
	return next
}

// --- Letters ---

// snapshot starts a letter of kind, numbered after any earlier letter of the
// same kind, so each (application, kind, revision) names one letter.
func (a *applicationWorkflow) snapshot(ctx workflow.Context, kind letters.Kind, by fundflow.Actor, role string) letters.Snapshot {
	rev := 1
	for _, l := range a.Letters {
		if l.Kind == kind {
			rev++
		}
	}
	for _, s := range a.PendingLetters {
		if s.Kind == kind {
			rev++
		}
	}
	name := a.Content.LeadContact.Name
	if name == "" {
		name = a.orgName()
	}
	signatory := letters.Signatory{Name: by.Name, Role: role}
	if by.Name == "" || by.Role == fundflow.RoleSystem {
		signatory = letters.Signatory{Name: a.Fund.Sponsor, Role: "On behalf of the " + a.Fund.Name}
	}
	// Letters are drawn by the renderer their snapshot names, for good: a
	// history replays with the renderer it recorded, so a letter first
	// issued under renderer 0 keeps it. Renderer 1, which letter-renderer
	// chose, is retired; letterMetadata moves every run, at any revision,
	// on to renderer 2 (see letterMetadata for why it is asked of
	// GetVersion rather than folded into a revision).
	renderer := letters.RendererGofpdf
	switch {
	case a.since(ctx, letterMetadata):
		renderer = letters.RendererMetadata
	case a.since(ctx, "letter-renderer"):
		renderer = letters.RendererSubset
	}
	return letters.Snapshot{
		Kind: kind, Ref: LetterRef(a.Reference, a.ApplicationID, kind, rev), Revision: rev, IssuedAt: workflow.Now(ctx).UTC(),
		Fund:          letters.Fund{ID: a.FundID, Name: a.Fund.Name, Sponsor: a.Fund.Sponsor},
		ApplicationID: a.ApplicationID, Reference: a.Reference,
		Addressee: letters.Addressee{Name: name, Role: a.Content.LeadContact.Role, OrgName: a.orgName(), OrgCode: a.OrgCode},
		Signatory: signatory,
		VerifyURL: verifyPath,
		Renderer:  renderer,
		Partners:  a.letterPartners(),
	}
}

// letterPartners are the partners as letters name them; nil for a bid
// with none, so its letters render as before partnerships.
func (a *applicationWorkflow) letterPartners() []letters.Partner {
	var out []letters.Partner
	for _, p := range a.Partners {
		out = append(out, letters.Partner{Name: p.Name, Kind: p.Kind.Label(), Role: p.Role, SharePence: p.SharePence, MatchPence: p.MatchPence})
	}
	return out
}

// letterMetadata is the change from which new letters are drawn by
// renderer 2 (gofpdf with the language and title metadata) instead of
// renderer 1. It is asked of GetVersion by every run, revision 1 too,
// rather than folded into a new revision: a revision must be known to
// every worker before the API starts runs at it, which would take a
// release of its own, while GetVersion costs a run one marker and one
// search-attribute upsert at its first letter, a decision's background
// work that no request waits on. A later release may fold it in.
//
// A run that snapshotted a letter before this change replays that
// snapshot without the marker, and GetVersion then answers the default for
// the rest of the run: such a run (development data only) keeps choosing
// renderer 1, and writeLetters gives each of its letters up.
const letterMetadata = "letter-metadata"

// refusal is what an activity said when it refused for good, without the
// SDK's wrapping.
func refusal(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// queueLetter leaves a letter for writeLetters. Letters are written apart
// from the decision that asked for them, so a decision stands even while
// the letter store is down, and the letter follows once it is back.
func (a *applicationWorkflow) queueLetter(s letters.Snapshot) {
	a.PendingLetters = append(a.PendingLetters, s)
	a.Version++
}

// writeLetters renders and stores queued letters, oldest first, keeping
// only each one's record: the bytes live in the letter store under their
// SHA-256.
func (a *applicationWorkflow) writeLetters(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, letterOptions)
	for {
		if err := workflow.Await(ctx, func() bool { return len(a.PendingLetters) > 0 }); err != nil {
			return
		}
		s := a.PendingLetters[0]
		a.writing = true
		var rec letters.Record
		err := workflow.ExecuteActivity(ctx, acts.GenerateLetter, s).Get(ctx, &rec)
		a.writing = false
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// letterOptions retry without end, so this is a letter the
			// activity refused for good (activities.LetterRefused: a
			// snapshot naming the retired renderer 1, in development data
			// only). Trying it again would spin, and a letter is only ever
			// drawn by the renderer its snapshot names, so it is given up
			// where staff can see why; the decision that asked for it
			// stands, and the letters queued behind it are written.
			workflow.GetLogger(ctx).Error("letter refused", "ref", s.Ref, "error", err)
			a.PendingLetters = a.PendingLetters[1:]
			a.record(ctx, application.AudienceStaff, fundflow.System, "letter_refused",
				fmt.Sprintf("%s letter %s not written: %s", s.Kind, s.Ref, refusal(err)))
			continue
		}
		a.PendingLetters = a.PendingLetters[1:]
		a.Letters = append(a.Letters, rec)
		a.record(ctx, application.AudienceEveryone, fundflow.System, "letter_issued", fmt.Sprintf("%s letter %s", s.Kind, rec.Ref))
	}
}

// rejectionLetter tells the applicant they will not be funded, with the
// panel's feedback and the moderated scores.
func (a *applicationWorkflow) rejectionLetter(ctx workflow.Context, by fundflow.Actor, amount int64, feedback string) {
	s := a.snapshot(ctx, letters.KindRejection, by, "Chair of the assessment panel")
	s.AmountPence, s.Feedback = amount, feedback
	s.Scores = a.letterScores()
	if a.WeightedScore != nil {
		s.WeightedScore = scorePoints(*a.WeightedScore)
	}
	s.PassMark = scorePoints(a.Fund.PassMark)
	a.queueLetter(s)
}

func (a *applicationWorkflow) waitlistLetter(ctx workflow.Context, by fundflow.Actor, amount int64, feedback string) {
	s := a.snapshot(ctx, letters.KindWaitlist, by, "Chair of the assessment panel")
	s.AmountPence, s.Feedback = amount, feedback
	if a.WeightedScore != nil {
		s.WeightedScore = scorePoints(*a.WeightedScore)
	}
	a.queueLetter(s)
}

// ineligibleLetter gives the rules the application failed or, where the
// reviewer overrode a pass, the reviewer's reason.
func (a *applicationWorkflow) ineligibleLetter(ctx workflow.Context, by fundflow.Actor, reason string) {
	s := a.snapshot(ctx, letters.KindIneligible, by, "Eligibility reviewer")
	s.AmountPence = a.Content.RequestedPence
	if a.Eligibility != nil {
		for _, c := range a.Eligibility.Checks {
			if c.Result == application.Fail {
				s.FailedRules = append(s.FailedRules, letters.FailedRule{Rule: c.Rule, Reason: c.Reason})
			}
		}
	}
	if len(s.FailedRules) == 0 {
		s.FailedRules = []letters.FailedRule{{Rule: "Reviewer's eligibility decision", Reason: reason}}
	}
	a.queueLetter(s)
}

// letterScores averages the reviewers' latest scores per criterion. The
// average is worked in integer hundredths, rounded half up as the weighted
// score is, and only becomes a float in the snapshot the letter prints.
func (a *applicationWorkflow) letterScores() []letters.Score {
	latest := a.Panel.Latest()
	var out []letters.Score
	for _, c := range a.Fund.Criteria {
		var sum, n int
		for _, as := range latest {
			for _, sc := range as.Scores {
				if sc.CriterionID == c.ID {
					sum += sc.Score
					n++
				}
			}
		}
		if n == 0 {
			continue
		}
		out = append(out, letters.Score{Criterion: c.Title, Score: scorePoints((200*sum + n) / (2 * n)), Max: c.Scale.Max, Weight: float64(c.Weight)})
	}
	return out
}

// scorePoints turns hundredths of a scale point into the points a letter
// prints; the letter boundary is the only place scores become floats.
func scorePoints(hundredths int) float64 { return float64(hundredths) / 100 }

// orgName is the organisation's registry name, fixed at submission; an
// application submitted before names were kept shows its code.
func (a *applicationWorkflow) orgName() string {
	if a.OrgName != "" {
		return a.OrgName
	}
	return a.OrgCode
}

func limited(v *fundflow.Invalid, field, s string, limit int, required bool) {
	n := utf8.RuneCountInString(s)
	if (required && strings.TrimSpace(s) == "") || n > limit {
		if required {
			v.Add(field, "must be 1 to %d characters", limit)
		} else {
			v.Add(field, "must be at most %d characters", limit)
		}
	}
}

// sortedKeys lists a map's keys in order, so validation reports the same
// first problem on every replay.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
