package workflows

import (
	"slices"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/letters"
)

// The rules of who may do what, and when. Each can… check is what an
// Update's validator asks of the actor and the application before it looks
// at the request itself, and actions asks the same checks what a caller
// may do now, so that a page showing a button and the Update refusing it
// cannot disagree.

// actionRules are the application's Updates a person sends, in the order
// pages show them, each with its check.
func (a *applicationWorkflow) actionRules() []struct {
	name string
	can  func(fundflow.Actor) error
} {
	return []struct {
		name string
		can  func(fundflow.Actor) error
	}{
		{UpdateSaveDraft, a.canEditDraft},
		{UpdateSubmit, a.canSubmit},
		{UpdateSetPartners, a.canSetPartners},
		{UpdateInviteCoApplicant, a.canManageTeam},
		{UpdateAcceptInvitation, a.canAcceptInvitation},
		{UpdateAddComment, a.canAddComment},
		{UpdateSignOff, a.canCertify},
		{UpdateSendBack, a.canCertify},
		{UpdateEligibilityDecision, a.canEligibilityDecision},
		{UpdateSubmitAssessment, a.canSubmitAssessment},
		{UpdateRaiseQuery, a.canRaiseQuery},
		{UpdatePanelDecision, a.canPanelDecision},
		{UpdateDeclareConflict, a.canDeclareConflict},
		{UpdateAcceptOffer, a.canAcceptOffer},
		{UpdateDeclineOffer, a.canDeclineOffer},
		{UpdateTerminate, a.canTerminate},
		{UpdateRequestChange, a.canRequestChange},
		{UpdateWithdraw, a.canWithdraw},
		{UpdateAttachDocument, a.canAttachDocument},
	}
}

// milestoneRules are the Updates about one milestone.
func (a *applicationWorkflow) milestoneRules() []struct {
	name string
	can  func(fundflow.Actor, string) error
} {
	return []struct {
		name string
		can  func(fundflow.Actor, string) error
	}{
		{UpdateSubmitEvidence, a.canSubmitEvidence},
		{UpdateRequestExtension, a.canRequestExtension},
		{UpdateVerifyMilestone, a.canVerifyMilestone},
		{UpdateDecideExtension, a.canDecideExtension},
	}
}

// actions is what by may do to the application now.
func (a *applicationWorkflow) actions(by fundflow.Actor) []Action {
	out := []Action{}
	for _, r := range a.actionRules() {
		if r.can(by) == nil {
			out = append(out, Action{Name: r.name})
		}
	}
	if q, ok := a.Queries.Open(); ok && a.canAnswerQuery(by, q.ID) == nil {
		out = append(out, Action{Name: UpdateAnswerQuery, QueryID: q.ID})
	}
	for _, d := range a.Documents {
		if a.canRemoveDocument(by) == nil {
			out = append(out, Action{Name: UpdateRemoveDocument, DocumentID: d.ID})
		}
	}
	for _, m := range a.Milestones {
		for _, r := range a.milestoneRules() {
			if r.can(by, m.ID) == nil {
				out = append(out, Action{Name: r.name, MilestoneID: m.ID})
			}
		}
	}
	for _, x := range a.Returns {
		for _, r := range a.returnRules() {
			if r.can(by, x.ID) == nil {
				out = append(out, Action{Name: r.name, ReturnID: x.ID})
			}
		}
	}
	if c, ok := a.openChange(); ok {
		for _, r := range a.changeRules() {
			if r.can(by, c.ID) == nil {
				out = append(out, Action{Name: r.name, ChangeID: c.ID})
			}
		}
	}
	return out
}

// returnRules are the Updates about one monitoring return.
func (a *applicationWorkflow) returnRules() []struct {
	name string
	can  func(fundflow.Actor, string) error
} {
	return []struct {
		name string
		can  func(fundflow.Actor, string) error
	}{
		{UpdateSubmitReturn, a.canSubmitReturn},
		{UpdateSignOffReturn, a.canSignOffReturn},
		{UpdateReviewReturn, a.canReviewReturn},
	}
}

// changeRules are the Updates about the open change request.
func (a *applicationWorkflow) changeRules() []struct {
	name string
	can  func(fundflow.Actor, string) error
} {
	return []struct {
		name string
		can  func(fundflow.Actor, string) error
	}{
		{UpdateDecideChange, a.canDecideChange},
		{UpdateWithdrawChange, a.canWithdrawChange},
	}
}

// --- Applicant ---

// canEditDraft admits the bid's team with the edit right while the
// answers may change; checkSaveSections then holds a co-applicant to the
// sections assigned.
func (a *applicationWorkflow) canEditDraft(by fundflow.Actor) error {
	if err := a.requireTeam(by, application.RightEdit); err != nil {
		return err
	}
	return a.answersOpen()
}

// canSubmit is for the lead organisation alone: co-applicants write parts
// of a bid, the organisation that leads it sends it.
func (a *applicationWorkflow) canSubmit(by fundflow.Actor) error {
	if err := a.requireApplicant(by); err != nil {
		return err
	}
	return a.requireStatus(application.StatusDraft)
}

func (a *applicationWorkflow) canWithdraw(by fundflow.Actor) error {
	if err := a.requireApplicant(by); err != nil {
		return err
	}
	if a.ended() || !a.Status.Open() {
		return a.notNow()
	}
	return nil
}

func (a *applicationWorkflow) canAnswerQuery(by fundflow.Actor, queryID string) error {
	if err := a.requireApplicant(by); err != nil {
		return err
	}
	if err := a.requireStatus(application.StatusInformationRequested); err != nil {
		return err
	}
	return a.Queries.CheckAnswerable(queryID)
}

func (a *applicationWorkflow) canAcceptOffer(by fundflow.Actor) error {
	if err := a.canDeclineOffer(by); err != nil {
		return err
	}
	if ref := a.Offer.Letter; ref != "" && !slices.ContainsFunc(a.Letters, func(l letters.Record) bool { return l.Ref == ref }) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the offer letter is still being prepared; it sets out the terms being accepted, so try again in a minute")
	}
	return a.canSign(by)
}

func (a *applicationWorkflow) canDeclineOffer(by fundflow.Actor) error {
	if err := a.requireApplicant(by); err != nil {
		return err
	}
	return a.requireStatus(application.StatusOffered)
}

func (a *applicationWorkflow) canSubmitEvidence(by fundflow.Actor, milestoneID string) error {
	m, err := a.deploymentMilestone(by, a.requireApplicant, milestoneID)
	if err != nil {
		return err
	}
	if !m.awaitingEvidence() {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "milestone %s is %s and takes no evidence now", m.ID, m.Status)
	}
	return a.unchanging(m.ID)
}

// unchanging refuses to touch a milestone an open change request would
// change, so the change can be applied as it was approved.
func (a *applicationWorkflow) unchanging(milestoneID string) error {
	if id, ok := a.changing(milestoneID); ok {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "milestone %s is part of change request %s, awaiting a decision; wait for it or withdraw it first", milestoneID, id)
	}
	return nil
}

func (a *applicationWorkflow) canRequestExtension(by fundflow.Actor, milestoneID string) error {
	m, err := a.deploymentMilestone(by, a.requireApplicant, milestoneID)
	if err != nil {
		return err
	}
	switch {
	case m.Status == MilestoneVerified:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "milestone %s is already verified", m.ID)
	case m.openExtension() != nil:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "milestone %s already has an extension request awaiting a decision", m.ID)
	}
	return a.unchanging(m.ID)
}

// --- Reviewer ---

func (a *applicationWorkflow) canEligibilityDecision(by fundflow.Actor) error {
	if err := a.requireReviewer(by); err != nil {
		return err
	}
	return a.requireStatus(application.StatusEligibility)
}

// canDeclareConflict admits any reviewer without a conflict already on
// record, during eligibility screening and assessment; the declaration
// cannot be withdrawn, so there is nothing more for one with a conflict to
// declare.
func (a *applicationWorkflow) canDeclareConflict(by fundflow.Actor) error {
	if by.Role != fundflow.RoleReviewer {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a reviewer can declare a conflict of interest")
	}
	if s := a.stage(); a.ended() || (s != application.StatusEligibility && s != application.StatusAssessment) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE,
			"conflicts are declared during eligibility screening and assessment; the application is %s, so raise it with the panel chair", a.Status)
	}
	if a.hasConflict(by.ID) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "you have already declared a conflict of interest, and a declaration cannot be withdrawn")
	}
	return nil
}

func (a *applicationWorkflow) canSubmitAssessment(by fundflow.Actor) error {
	if err := a.requireReviewer(by); err != nil {
		return err
	}
	if err := a.requireStatus(application.StatusAssessment); err != nil {
		return err
	}
	return a.requireAssigned(by)
}

func (a *applicationWorkflow) requireAssigned(by fundflow.Actor) error {
	if !slices.ContainsFunc(a.Panel.Current(), func(x application.Reviewer) bool { return x.ID == by.ID }) {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a reviewer assigned to this application can do this now")
	}
	return nil
}

// --- Reviewer or panel chair ---

// canRaiseQuery admits the panel chair, and a reviewer without a conflict:
// any at eligibility, where nobody is assigned yet, and after that only
// those assigned.
func (a *applicationWorkflow) canRaiseQuery(by fundflow.Actor) error {
	switch by.Role {
	case fundflow.RolePanelChair:
	case fundflow.RoleReviewer:
		if err := a.requireReviewer(by); err != nil {
			return err
		}
	default:
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a reviewer or the panel chair can raise a query")
	}
	if err := a.requireStatus(application.StatusEligibility, application.StatusAssessment, application.StatusPanel); err != nil {
		return err
	}
	if by.Role == fundflow.RoleReviewer && a.Status != application.StatusEligibility {
		return a.requireAssigned(by)
	}
	return nil
}

// --- Panel chair ---

func (a *applicationWorkflow) canPanelDecision(by fundflow.Actor) error {
	if by.Role != fundflow.RolePanelChair {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only the panel chair can decide")
	}
	return a.requireStatus(application.StatusPanel)
}

// --- Programme manager ---

func (a *applicationWorkflow) canVerifyMilestone(by fundflow.Actor, milestoneID string) error {
	m, err := a.deploymentMilestone(by, requireProgrammeManager, milestoneID)
	if err != nil {
		return err
	}
	if m.Status != MilestoneSubmitted {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "milestone %s is %s; only submitted evidence can be verified or returned", m.ID, m.Status)
	}
	if r, held := a.drawdownHold(); held {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "drawdowns are held until %s, due by %s, is in and accepted", r.Title, calendar.LongTime(r.DueAt))
	}
	return nil
}

func (a *applicationWorkflow) canDecideExtension(by fundflow.Actor, milestoneID string) error {
	m, err := a.deploymentMilestone(by, requireProgrammeManager, milestoneID)
	if err != nil {
		return err
	}
	if m.openExtension() == nil {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "milestone %s has no extension request awaiting a decision", m.ID)
	}
	return nil
}

func (a *applicationWorkflow) canTerminate(by fundflow.Actor) error {
	if err := requireProgrammeManager(by); err != nil {
		return err
	}
	return a.requireStatus(application.StatusInDeployment)
}

// deploymentMilestone is the milestone an Update in deployment is about,
// once role has admitted by.
func (a *applicationWorkflow) deploymentMilestone(by fundflow.Actor, role func(fundflow.Actor) error, id string) (*Milestone, error) {
	if err := role(by); err != nil {
		return nil, err
	}
	if err := a.requireStatus(application.StatusInDeployment); err != nil {
		return nil, err
	}
	return a.milestone(id)
}
