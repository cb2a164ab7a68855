package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/internal/partner"
)

// Change requests: after acceptance the lead may ask to vary the award.
// The award's workflow checks the request against the fund's rules and the
// award as it stands, reserves any increase in the fund's ledger before it
// records anything, and starts the request's own workflow for the
// decisions. While the request is open the milestones it touches take no
// evidence and no extension, so what was approved can always be applied,
// and it is applied in one step: the fund's ledger first, then the
// milestones, the award, the partners and the SRO together.

func (a *applicationWorkflow) setChangeHandlers(ctx workflow.Context) error {
	return errors.Join(
		setCommand(ctx, a, UpdateRequestChange, a.checkRequestChange, a.requestChange),
		setCommand(ctx, a, UpdateDecideChange, a.checkDecideChange, a.decideChange),
		setCommand(ctx, a, UpdateWithdrawChange, a.checkWithdrawChange, a.withdrawChange),
		setCommand(ctx, a, UpdateChangeReminder, a.checkChangeReminder, a.changeReminder),
	)
}

// openChange is the change request awaiting a decision, if any.
func (a *applicationWorkflow) openChange() (*ChangeRequest, bool) {
	i := slices.IndexFunc(a.ChangeRequests, func(c ChangeRequest) bool { return c.Status == ChangeOpen })
	if i < 0 {
		return nil, false
	}
	return &a.ChangeRequests[i], true
}

// changing names the open change request that touches a milestone.
func (a *applicationWorkflow) changing(milestoneID string) (string, bool) {
	c, ok := a.openChange()
	if !ok {
		return "", false
	}
	return c.ID, slices.ContainsFunc(c.Milestones, func(m MilestoneChange) bool { return m.ID == milestoneID })
}

func (a *applicationWorkflow) canRequestChange(by fundflow.Actor) error {
	if err := a.requireApplicant(by); err != nil {
		return err
	}
	if err := a.requireStatus(application.StatusInDeployment); err != nil {
		return err
	}
	if c, ok := a.openChange(); ok {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "change request %s is awaiting a decision; only one can be open at a time", c.ID)
	}
	return nil
}

func (a *applicationWorkflow) canDecideChange(by fundflow.Actor, id string) error {
	c, err := a.changeRequest(id)
	if err != nil {
		return err
	}
	next := c.awaiting()
	if by.Role != next {
		if by.Role == fundflow.RoleProgrammeManager || by.Role == fundflow.RolePanelChair {
			return fundflow.Errorf(fundflow.EFORBIDDEN, "change request %s awaits the %s's decision", c.ID, roleName(next))
		}
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only the programme manager, and for some changes the panel chair, can decide a change request")
	}
	return nil
}

func (a *applicationWorkflow) canWithdrawChange(by fundflow.Actor, id string) error {
	if err := a.requireApplicant(by); err != nil {
		return err
	}
	_, err := a.changeRequest(id)
	return err
}

// changeRequest is the open change request with id.
func (a *applicationWorkflow) changeRequest(id string) (*ChangeRequest, error) {
	if err := a.requireStatus(application.StatusInDeployment); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(a.ChangeRequests, func(c ChangeRequest) bool { return c.ID == id })
	if i < 0 {
		return nil, fundflow.Errorf(fundflow.ENOTFOUND, "application %s has no change request %q", a.ApplicationID, id)
	}
	c := &a.ChangeRequests[i]
	if c.Status != ChangeOpen {
		return nil, fundflow.Errorf(fundflow.EINVALIDSTATE, "change request %s is %s", c.ID, c.Status)
	}
	return c, nil
}

// variation is a change request worked out against the award: the new
// milestones, the new total, and the lines people read.
type variation struct {
	milestones []Milestone
	award      int64
	lines      []ChangeLine
	// moved is the credit taken off milestones, or off the award, which
	// the fund's percentage rule is judged on.
	moved int64
}

// plan checks a change request against the fund's rules and the award,
// reporting every problem against its field, and works out what it would
// change. now is the request's time; zero, for a request being applied,
// takes an approved date that has since passed as it stands.
func (a *applicationWorkflow) plan(r RequestChangeRequest, now time.Time) (variation, fundflow.Invalid) {
	var v fundflow.Invalid
	x := variation{milestones: slices.Clone(a.Milestones), award: a.Offer.AmountPence}
	seen := map[string]bool{} // looked up, never ranged over
	for i, mc := range r.Milestones {
		field := fmt.Sprintf("milestones[%d]", i)
		j := slices.IndexFunc(x.milestones, func(m Milestone) bool { return m.ID == mc.ID })
		switch {
		case j < 0:
			v.Add(field+".id", "is not a milestone of this award")
			continue
		case seen[mc.ID]:
			v.Add(field+".id", "names milestone %s twice", mc.ID)
			continue
		}
		seen[mc.ID] = true
		m := &x.milestones[j]
		switch {
		case m.Status == MilestoneVerified:
			v.Add(field, "milestone %s is verified and drawn down; drawn credit and its dates never change", m.ID)
			continue
		case m.Status == MilestoneSubmitted:
			v.Add(field, "milestone %s has evidence awaiting verification and cannot be changed until it is decided", m.ID)
			continue
		case m.openExtension() != nil:
			v.Add(field, "milestone %s has an extension request awaiting a decision", m.ID)
			continue
		}
		if !mc.DueAt.IsZero() && !mc.DueAt.Equal(m.DueAt) {
			switch end := a.Fund.DeliveryEndsAt; {
			case !now.IsZero() && !mc.DueAt.After(now):
				v.Add(field+".due_at", "must be in the future")
			case !end.IsZero() && mc.DueAt.After(end):
				v.Add(field+".due_at", "must be inside the fund's delivery window, by %s", calendar.LongTime(end))
			case mc.DueAt.Sub(m.DueAt) > maxExtension:
				v.Add(field+".due_at", "must be at most two years after the current due date")
			default:
				x.lines = append(x.lines, ChangeLine{What: m.Title + ": due date", Before: calendar.LongTime(m.DueAt), After: calendar.LongTime(mc.DueAt)})
				m.DueAt = mc.DueAt.UTC()
				m.ReminderAt = a.Fund.ReminderBefore.SubCalendar(m.DueAt.In(calendar.London)).UTC()
				m.Reminded, m.Overdue = false, false
			}
		}
		if d := mc.DrawdownPence; d != nil && *d != m.DrawdownPence {
			if *d < 0 {
				v.Add(field+".drawdown_pence", "must not be negative")
				continue
			}
			x.lines = append(x.lines, ChangeLine{What: m.Title + ": drawdown", Before: money.Format(m.DrawdownPence), After: money.Format(*d)})
			x.moved += max(m.DrawdownPence-*d, 0)
			m.DrawdownPence = *d
		}
	}
	if r.AwardPence != 0 && r.AwardPence != x.award {
		drawn := a.drawn()
		switch {
		case r.AwardPence < drawn || r.AwardPence <= 0:
			v.Add("award_pence", "must be more than 0 and at least the %s already drawn down", money.Format(drawn))
		case r.AwardPence > a.Fund.MaxAwardPence:
			v.Add("award_pence", "must be at most the fund's maximum award of %s", money.Format(a.Fund.MaxAwardPence))
		default:
			x.lines = append(x.lines, ChangeLine{What: "Total award", Before: money.Format(x.award), After: money.Format(r.AwardPence)})
			x.moved = max(x.moved, x.award-r.AwardPence)
			x.award = r.AwardPence
		}
	}
	var sum int64
	for _, m := range x.milestones {
		sum += m.DrawdownPence
	}
	if sum != x.award && !slices.ContainsFunc(v, func(f fundflow.FieldError) bool { return f.Field == "award_pence" }) {
		v.Add("milestones", "the drawdowns add up to %s but the award would be %s; move credit so they match", money.Format(sum), money.Format(x.award))
	}
	if r.Partners != nil {
		v = append(v, partner.CheckTotals(*r.Partners, a.OrgCode, x.award)...)
		x.lines = append(x.lines, ChangeLine{What: "Partners", Before: partnerNames(a.Partners), After: partnerNames(*r.Partners)})
	}
	if s := r.SRO; s != nil {
		limited(&v, "sro.name", s.Name, maxSignatoryChars, true)
		limited(&v, "sro.role", s.Role, maxSignatoryChars, true)
		x.lines = append(x.lines, ChangeLine{What: "Senior responsible officer", Before: personLine(a.Content.SRO.Name, a.Content.SRO.Role), After: personLine(s.Name, s.Role)})
	}
	if len(x.lines) == 0 && len(v) == 0 {
		v.Add("milestones", "the request changes nothing; ask for at least one change")
	}
	return x, v
}

func partnerNames(ps []partner.Partner) string {
	if len(ps) == 0 {
		return "None"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

func personLine(name, role string) string {
	if role == "" {
		return name
	}
	return name + ", " + role
}

// approvers are the roles a variation needs, in order: the programme
// manager, and the panel chair as well for an increase or a large move
// where the fund says so.
func (a *applicationWorkflow) approvers(x variation) []fundflow.Role {
	out := []fundflow.Role{fundflow.RoleProgrammeManager}
	rules := a.Fund.Variations
	before := a.Offer.AmountPence
	if (rules.ChairForIncrease && x.award > before) ||
		(rules.ChairAbovePercent > 0 && before > 0 && x.moved*100 > int64(rules.ChairAbovePercent)*before) {
		out = append(out, fundflow.RolePanelChair)
	}
	return out
}

func (a *applicationWorkflow) checkRequestChange(ctx workflow.Context, r RequestChangeRequest) error {
	if err := a.canRequestChange(r.Actor); err != nil {
		return err
	}
	_, v := a.plan(r, workflow.Now(ctx))
	reason(&v, r.Reason)
	a.checkDocuments(&v, "documents", r.Documents, nil)
	return v.Err("the change request is invalid")
}

// requestChange reserves an increase in the fund before anything else: a
// fund without the credit refuses, naming what it has, and the request is
// then never recorded.
func (a *applicationWorkflow) requestChange(ctx workflow.Context, r RequestChangeRequest) (Outcome, error) {
	now := workflow.Now(ctx).UTC()
	x, _ := a.plan(r, now)
	id := fmt.Sprintf("cr%d", len(a.ChangeRequests)+1)
	if up := x.award - a.Offer.AmountPence; up > 0 {
		_, refusal, err := callFund[LedgerResult](ctx, a, UpdateReserveVariation, ReserveVariationRequest{
			Command: a.fundCommand(UpdateReserveVariation, r.Actor), ApplicationID: a.ApplicationID, ChangeID: id, AmountPence: up,
		})
		if err != nil {
			return Outcome{}, err
		}
		if refusal != nil {
			return Outcome{}, refusal
		}
	}
	c := ChangeRequest{
		ID: id, Status: ChangeOpen, Reason: r.Reason, Milestones: slices.Clone(r.Milestones), AwardPence: x.award,
		Partners: r.Partners, SRO: r.SRO, Documents: slices.Clone(r.Documents), Lines: x.lines,
		AwardBeforePence: a.Offer.AmountPence, Approvers: a.approvers(x), Decisions: []ChangeDecision{},
		RequestedBy: r.Actor, RequestedAt: now,
	}
	child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: ChangeRequestWorkflowID(a.ApplicationID, id),
		// The request outlives a Continue-As-New of its award, which talks
		// to it by ID; an award that ends cancels it itself.
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	started := workflow.ExecuteChildWorkflow(child, ChangeRequestWorkflow, ChangeRequestInput{
		ApplicationID: a.ApplicationID, ChangeID: id, Division: a.Division, DecideWithin: a.Fund.Variations.DecideWithin,
	}).GetChildWorkflowExecution()
	// Its ID is new to this award, so only a stopping workflow fails here.
	if err := started.Get(ctx, nil); err != nil {
		return Outcome{}, err
	}
	a.ChangeRequests = append(a.ChangeRequests, c)
	a.record(ctx, application.AudienceEveryone, r.Actor, "change_requested", fmt.Sprintf("change request %s: %s; reason: %s", id, changeSummary(c.Lines), r.Reason))
	a.message(ctx, activities.NotificationChange, audienceProgrammeManager, "change_requested", params("org", a.orgName(), "change", id, "summary", changeSummary(c.Lines)))
	return a.outcome(), nil
}

func changeSummary(lines []ChangeLine) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = fmt.Sprintf("%s from %s to %s", l.What, l.Before, l.After)
	}
	return strings.Join(out, "; ")
}

func (a *applicationWorkflow) checkDecideChange(_ workflow.Context, r DecideChangeRequest) error {
	if err := a.canDecideChange(r.Actor, r.ChangeID); err != nil {
		return err
	}
	var v fundflow.Invalid
	limited(&v, "note", r.Note, maxNoteChars, !r.Approve)
	return v.Err("the decision is invalid")
}

// decideChange records the decision and acts on where it leaves the
// request, then tells the request's workflow.
func (a *applicationWorkflow) decideChange(ctx workflow.Context, r DecideChangeRequest) (Outcome, error) {
	c, _ := a.changeRequest(r.ChangeID)
	decision := ChangeDecision{Role: r.Actor.Role, Approve: r.Approve, Note: r.Note, By: r.Actor, At: workflow.Now(ctx).UTC()}
	switch {
	case !r.Approve:
		if err := a.closeChange(ctx, c, ChangeRefused, r.Actor, "the change request was refused"); err != nil {
			return Outcome{}, err
		}
		c.Decisions = append(c.Decisions, decision)
		a.record(ctx, application.AudienceEveryone, r.Actor, "change_refused", fmt.Sprintf("change request %s refused by the %s: %s", c.ID, roleName(r.Actor.Role), r.Note))
		a.message(ctx, activities.NotificationChange, audienceApplicant, "change_refused", params("change", c.ID, "note", r.Note))
	case len(c.Decisions)+1 == len(c.Approvers):
		c.Decisions = append(c.Decisions, decision)
		if err := a.applyChange(ctx, c, r.Actor); err != nil {
			c.Decisions = c.Decisions[:len(c.Decisions)-1]
			return Outcome{}, err
		}
	default:
		c.Decisions = append(c.Decisions, decision)
		next := c.Approvers[len(c.Decisions)]
		a.record(ctx, application.AudienceEveryone, r.Actor, "change_endorsed", fmt.Sprintf("change request %s approved by the %s; it awaits the %s", c.ID, roleName(r.Actor.Role), roleName(next)))
		a.message(ctx, activities.NotificationChange, string(next), "change_requested", params("org", a.orgName(), "change", c.ID, "summary", changeSummary(c.Lines)))
	}
	a.tellChange(ctx, c)
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkWithdrawChange(_ workflow.Context, r WithdrawChangeRequest) error {
	if err := a.canWithdrawChange(r.Actor, r.ChangeID); err != nil {
		return err
	}
	var v fundflow.Invalid
	limited(&v, "reason", r.Reason, maxStatusReasonLen, false)
	return v.Err("the withdrawal is invalid")
}

func (a *applicationWorkflow) withdrawChange(ctx workflow.Context, r WithdrawChangeRequest) (Outcome, error) {
	c, _ := a.changeRequest(r.ChangeID)
	if err := a.closeChange(ctx, c, ChangeWithdrawn, r.Actor, "the change request was withdrawn"); err != nil {
		return Outcome{}, err
	}
	a.tellChange(ctx, c)
	a.record(ctx, application.AudienceEveryone, r.Actor, "change_withdrawn", fmt.Sprintf("change request %s withdrawn", c.ID))
	a.message(ctx, activities.NotificationChange, audienceProgrammeManager, "change_withdrawn", params("org", a.orgName(), "change", c.ID))
	return a.outcome(), nil
}

func (a *applicationWorkflow) checkChangeReminder(_ workflow.Context, r ChangeReminderRequest) error {
	if r.Actor.Role != fundflow.RoleSystem {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a change request's own workflow sends its reminder")
	}
	_, err := a.changeRequest(r.ChangeID)
	return err
}

func (a *applicationWorkflow) changeReminder(ctx workflow.Context, r ChangeReminderRequest) (Outcome, error) {
	c, _ := a.changeRequest(r.ChangeID)
	c.Reminded = true
	next := c.awaiting()
	a.record(ctx, application.AudienceStaff, fundflow.System, "change_late", fmt.Sprintf("change request %s has waited since %s for the %s's decision", c.ID, calendar.LongTime(c.RequestedAt), roleName(next)))
	a.message(ctx, activities.NotificationChange, string(next), "change_reminder", params("org", a.orgName(), "change", c.ID, "since", calendar.LongTime(c.RequestedAt)))
	return a.outcome(), nil
}

// tellChange tells the request's workflow where the request now stands.
// The Signal is fire-and-forget: the decision is already the award's, and a
// workflow that could not be told only sends a reminder the award ignores.
func (a *applicationWorkflow) tellChange(ctx workflow.Context, c *ChangeRequest) {
	_ = workflow.SignalExternalWorkflow(ctx, ChangeRequestWorkflowID(a.ApplicationID, c.ID), "", SignalChangeProgress,
		ChangeProcess{Status: c.Status, Decisions: c.Decisions})
}

// applyChange makes an approved variation the award: the fund's ledger
// first, so a refusal there changes nothing here, then everything else in
// one step, then the variation letter.
func (a *applicationWorkflow) applyChange(ctx workflow.Context, c *ChangeRequest, by fundflow.Actor) error {
	x, v := a.plan(RequestChangeRequest{Milestones: c.Milestones, AwardPence: c.AwardPence, Partners: c.Partners, SRO: c.SRO}, time.Time{})
	// The milestones a request touches take no evidence while it is open,
	// so what was checked when it was made still holds.
	mustHold(v.Err("the approved change no longer applies"))
	switch delta := x.award - c.AwardBeforePence; {
	case delta > 0:
		if err := a.mustFund(ctx, UpdateCommitVariation, CommitVariationRequest{Command: a.fundCommand(UpdateCommitVariation, by), ApplicationID: a.ApplicationID, ChangeID: c.ID}); err != nil {
			return err
		}
	case delta < 0:
		if err := a.mustFund(ctx, UpdateReduceAward, ReduceAwardRequest{
			Command: a.fundCommand(UpdateReduceAward, by), ApplicationID: a.ApplicationID, ChangeID: c.ID, AmountPence: -delta,
			Reason: "variation " + c.ID, Promote: a.Fund.Variations.PromoteOnDecrease,
		}); err != nil {
			return err
		}
	}
	now := workflow.Now(ctx).UTC()
	a.Milestones, a.Offer.AmountPence = x.milestones, x.award
	if c.Partners != nil {
		a.Partners = a.numberPartners(*c.Partners)
	}
	if c.SRO != nil {
		a.Content.SRO = *c.SRO
	}
	c.Status, c.ClosedAt = ChangeApproved, now
	s := a.snapshot(ctx, letters.KindVariation, by, roleTitle(by.Role))
	c.Letter = s.Ref
	s.AmountPence = x.award
	s.Variation = &letters.Variation{ID: c.ID, Reason: c.Reason, AmountBeforePence: c.AwardBeforePence, RequestedAt: c.RequestedAt}
	for _, l := range c.Lines {
		s.Variation.Changes = append(s.Variation.Changes, letters.Change{What: l.What, Before: l.Before, After: l.After})
	}
	for _, d := range c.Decisions {
		s.Variation.Decisions = append(s.Variation.Decisions, letters.VariationSigner{Name: d.By.Name, Role: roleTitle(d.Role), At: d.At})
	}
	for _, m := range a.Milestones {
		s.Milestones = append(s.Milestones, letters.Milestone{Title: m.Title, DueAt: m.DueAt, DrawdownPence: m.DrawdownPence})
	}
	a.queueLetter(s)
	a.record(ctx, application.AudienceEveryone, by, "change_approved", fmt.Sprintf("change request %s approved: %s", c.ID, changeSummary(c.Lines)))
	a.message(ctx, activities.NotificationChange, audienceApplicant, "change_approved", params("change", c.ID, "summary", changeSummary(c.Lines)))
	return nil
}

// numberPartners gives partners new to the award the next ids, as
// set_partners does.
func (a *applicationWorkflow) numberPartners(ps []partner.Partner) []partner.Partner {
	out := make([]partner.Partner, len(ps))
	for i, p := range ps {
		if p.ID == "" || !slices.ContainsFunc(a.Partners, func(x partner.Partner) bool { return x.ID == p.ID }) {
			a.PartnerSeq++
			p.ID = fmt.Sprintf("p%d", a.PartnerSeq)
		}
		out[i] = p
	}
	return out
}

// closeChange ends a request without changing the award, releasing any
// credit it reserved.
func (a *applicationWorkflow) closeChange(ctx workflow.Context, c *ChangeRequest, to ChangeStatus, by fundflow.Actor, why string) error {
	if c.AwardPence > c.AwardBeforePence {
		if err := a.tellFund(ctx, UpdateReleaseVariation, ReleaseVariationRequest{Command: a.fundCommand(UpdateReleaseVariation, by), ApplicationID: a.ApplicationID, ChangeID: c.ID, Reason: why}); err != nil {
			return err
		}
	}
	c.Status, c.ClosedAt = to, workflow.Now(ctx).UTC()
	return nil
}

// cancelChange ends the open request of an award that is ending: the
// ending releases all the credit the award holds, reserved increase and
// all, and the request's workflow is cancelled.
func (a *applicationWorkflow) cancelChange(ctx workflow.Context) {
	c, ok := a.openChange()
	if !ok {
		return
	}
	c.Status, c.ClosedAt = ChangeCancelled, workflow.Now(ctx).UTC()
	a.tellChange(ctx, c)
	a.record(ctx, application.AudienceEveryone, fundflow.System, "change_cancelled", fmt.Sprintf("change request %s ended with the award", c.ID))
}

// mustFund sends the fund an Update that cannot be refused when the award
// is as this workflow knows it, such as committing credit it reserved.
func (a *applicationWorkflow) mustFund(ctx workflow.Context, name string, req commandRequest) error {
	_, refusal, err := callFund[LedgerResult](ctx, a, name, req)
	if refusal != nil {
		mustHold(fmt.Errorf("the fund refused %s: %s", name, refusal.Message))
	}
	return err
}

func roleTitle(r fundflow.Role) string {
	t := roleName(r)
	return strings.ToUpper(t[:1]) + t[1:]
}

// awaiting is the role whose decision the request waits for.
func (c *ChangeRequest) awaiting() fundflow.Role {
	return c.Approvers[min(len(c.Decisions), len(c.Approvers)-1)]
}
