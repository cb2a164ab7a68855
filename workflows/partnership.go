package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/email"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/internal/partner"
)

// Limits on a bid's team.
const (
	maxTeam         = 20
	maxCommentChars = 2000
	maxComments     = 500
)

func (a *applicationWorkflow) setPartnershipHandlers(ctx workflow.Context) error {
	return errors.Join(
		setCommand(ctx, a, UpdateSetPartners, a.checkSetPartners, a.setPartners),
		setCommand(ctx, a, UpdateInviteCoApplicant, a.checkInvite, a.invite),
		setCommand(ctx, a, UpdateChangeCoApplicant, a.checkChangeCoApplicant, a.changeCoApplicant),
		setCommand(ctx, a, UpdateAcceptInvitation, a.checkAcceptInvitation, a.acceptInvitation),
		setCommand(ctx, a, UpdateAddComment, a.checkAddComment, a.addComment),
		setCommand(ctx, a, UpdateSignOff, a.checkSignOff, a.signOff),
		setCommand(ctx, a, UpdateSendBack, a.checkSendBack, a.sendBack),
	)
}

// --- Who is on the bid ---

// requireTeam admits the lead organisation's applicants, and a
// co-applicant who has accepted and holds at least need.
func (a *applicationWorkflow) requireTeam(by fundflow.Actor, need application.Right) error {
	if by.ApplicantOf(a.OrgCode) {
		return nil
	}
	if m, ok := a.Team.Active(by.ID); ok && by.Role.Applying() {
		if m.Right.Includes(need) {
			return nil
		}
		return fundflow.Errorf(fundflow.EFORBIDDEN, "you were invited to this application to %s only", strings.ToLower(m.Right.Label()))
	}
	return a.requireApplicant(by)
}

// member is by's co-applicant entry, if by is one rather than the lead
// organisation's.
func (a *applicationWorkflow) member(by fundflow.Actor) (application.Member, bool) {
	if by.ApplicantOf(a.OrgCode) {
		return application.Member{}, false
	}
	return a.Team.Active(by.ID)
}

// answersOpen reports whether the answers may change now: in a draft;
// awaiting sign-off, where the certifier signs the answers they were
// shown; and for a signed-off bid before screening has decided anything,
// where the change voids the sign-off.
func (a *applicationWorkflow) answersOpen() error {
	switch {
	case a.ended():
	case a.Status == application.StatusDraft, a.Status == application.StatusAwaitingSignOff:
		return nil
	case a.Status == application.StatusEligibility && a.signedOff() != nil && a.Eligibility != nil && a.Eligibility.Decision == nil:
		return nil
	}
	return a.notNow()
}

// stillOpen refuses a change to a signed-off bid once the fund has closed:
// the change would void the sign-off, and none could come in time.
func (a *applicationWorkflow) stillOpen(ctx workflow.Context) error {
	if a.Status == application.StatusEligibility && !workflow.Now(ctx).Before(a.Fund.ClosesAt) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the fund closed at %s, so the signed-off bid can no longer change", calendar.LongTime(a.Fund.ClosesAt))
	}
	return nil
}

// --- Partners ---

func (a *applicationWorkflow) canSetPartners(by fundflow.Actor) error {
	if err := a.requireTeam(by, application.RightEdit); err != nil {
		return err
	}
	if m, ok := a.member(by); ok && len(m.Sections) > 0 {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "you were assigned sections of the form; the lead organisation sets the partners")
	}
	return a.answersOpen()
}

func (a *applicationWorkflow) checkSetPartners(ctx workflow.Context, r SetPartnersRequest) error {
	if err := a.canSetPartners(r.Actor); err != nil {
		return err
	}
	if err := a.stillOpen(ctx); err != nil {
		return err
	}
	return partner.CheckTotals(r.Partners, a.OrgCode, a.Content.RequestedPence).Err("the partners are invalid")
}

func (a *applicationWorkflow) setPartners(ctx workflow.Context, r SetPartnersRequest) (Outcome, error) {
	ps := make([]partner.Partner, len(r.Partners))
	for i, p := range r.Partners {
		if p.ID == "" || !slices.ContainsFunc(a.Partners, func(x partner.Partner) bool { return x.ID == p.ID }) {
			a.PartnerSeq++
			p.ID = fmt.Sprintf("p%d", a.PartnerSeq)
		}
		ps[i] = p
	}
	a.Partners = ps
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	detail := "no partners"
	if len(names) > 0 {
		detail = "partners: " + strings.Join(names, ", ")
	}
	a.record(ctx, application.AudienceEveryone, r.Actor, "partners_changed", detail)
	return a.outcome(), a.answersChanged(ctx, r.Actor)
}

// --- Co-applicants ---

func (a *applicationWorkflow) canManageTeam(by fundflow.Actor) error {
	if err := a.requireApplicant(by); err != nil {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only the lead organisation can change who is on the bid")
	}
	if a.ended() {
		return a.notNow()
	}
	return nil
}

func (a *applicationWorkflow) checkInvite(ctx workflow.Context, r InviteCoApplicantRequest) error {
	if err := a.canManageTeam(r.Actor); err != nil {
		return err
	}
	var v fundflow.Invalid
	addr := directory.NormalEmail(r.Email)
	if !email.Valid(addr) {
		v.Add("email", "must be a work email address such as name@bristol.gov.uk")
	} else if a.Fund.Invitations == fund.InviteLeadDomain {
		switch d := domainOf(r.InviterEmail); {
		case d == "":
			v.Add("email", "this fund admits co-applicants from the inviting lead's own email domain only, so the invitation must come from a person signed in, not a service token")
		case domainOf(addr) != d:
			v.Add("email", "this fund admits co-applicants from the lead's own email domain only (%s)", d)
		}
	}
	v.Text("name", r.Name, application.MaxNameChars, true)
	if !r.Right.Valid() {
		v.Add("right", "must be view, comment or edit")
	}
	a.checkSections(&v, r.Sections, r.Right)
	if m, ok := a.Team.Member(directory.UserID(addr)); ok && email.Valid(addr) {
		switch m.Status(workflow.Now(ctx)) {
		case application.MemberInvited, application.MemberActive:
			v.Add("email", "%s is already on this application's team", addr)
		}
	}
	if len(a.Team.Current()) >= maxTeam {
		v.Add("email", "a bid's team has at most %d co-applicants", maxTeam)
	}
	return v.Err("the invitation is invalid")
}

// checkSections checks sections assigned with right: sections of the
// form, each once, and only to someone who may edit.
func (a *applicationWorkflow) checkSections(v *fundflow.Invalid, sections []string, right application.Right) {
	f := a.Fund.ApplicationForm()
	for i, s := range sections {
		switch {
		case !slices.ContainsFunc(f.Sections, func(x form.Section) bool { return x.ID == s }):
			v.Add(fmt.Sprintf("sections[%d]", i), "is not a section of the form")
		case slices.Index(sections, s) != i:
			v.Add(fmt.Sprintf("sections[%d]", i), "is listed twice")
		}
	}
	if len(sections) > 0 && right != application.RightEdit {
		v.Add("sections", "sections are assigned to co-applicants who can edit")
	}
}

func (a *applicationWorkflow) invite(ctx workflow.Context, r InviteCoApplicantRequest) (Outcome, error) {
	now := workflow.Now(ctx).UTC()
	addr := directory.NormalEmail(r.Email)
	m := application.Member{
		ID: directory.UserID(addr), Email: addr, Name: strings.TrimSpace(r.Name), Right: r.Right, Sections: slices.Clone(r.Sections),
		InvitedBy: r.Actor, InvitedAt: now, ExpiresAt: now.Add(application.InvitationLifetime),
	}
	a.Team = append(a.Team, m)
	a.record(ctx, application.AudienceEveryone, r.Actor, "co_applicant_invited", fmt.Sprintf("%s invited: %s%s", m.Name, strings.ToLower(m.Right.Label()), a.sectionsText(m.Sections)))
	a.message(ctx, activities.NotificationInvitation, activities.InviteeAudience, "invitation",
		params("fund", a.Fund.Name, "by", r.Actor.Name, "right", strings.ToLower(m.Right.Label()), "sections", a.sectionsText(m.Sections), "expires", calendar.LongTime(m.ExpiresAt)))
	n := &a.Outbox[len(a.Outbox)-1]
	n.InviteeName, n.InviteeEmail = m.Name, m.Email
	return a.outcome(), nil
}

func (a *applicationWorkflow) sectionsText(sections []string) string {
	if len(sections) == 0 {
		return ""
	}
	f := a.Fund.ApplicationForm()
	titles := make([]string, len(sections))
	for i, id := range sections {
		titles[i] = id
		if j := slices.IndexFunc(f.Sections, func(s form.Section) bool { return s.ID == id }); j >= 0 {
			titles[i] = f.Sections[j].Title
		}
	}
	return ", for " + strings.Join(titles, ", ")
}

func (a *applicationWorkflow) checkChangeCoApplicant(ctx workflow.Context, r ChangeCoApplicantRequest) error {
	if err := a.canManageTeam(r.Actor); err != nil {
		return err
	}
	m, ok := a.Team.Member(r.MemberID)
	if !ok || !m.RemovedAt.IsZero() {
		return fundflow.Errorf(fundflow.ENOTFOUND, "no co-applicant %q on this application", r.MemberID)
	}
	if r.Remove {
		return nil
	}
	var v fundflow.Invalid
	if !r.Right.Valid() {
		v.Add("right", "must be view, comment or edit")
	}
	a.checkSections(&v, r.Sections, r.Right)
	if err := v.Err("the change is invalid"); err != nil {
		return err
	}
	if m.Right == r.Right && slices.Equal(m.Sections, r.Sections) {
		return fundflow.Errorf(fundflow.ECONFLICT, "%s already has exactly this right and these sections", m.Name)
	}
	return nil
}

func (a *applicationWorkflow) changeCoApplicant(ctx workflow.Context, r ChangeCoApplicantRequest) (Outcome, error) {
	m := &a.Team[a.Team.Latest(r.MemberID)]
	if r.Remove {
		m.RemovedAt = workflow.Now(ctx).UTC()
		a.record(ctx, application.AudienceEveryone, r.Actor, "co_applicant_removed", m.Name+" removed from the bid")
		return a.outcome(), nil
	}
	m.Right, m.Sections = r.Right, slices.Clone(r.Sections)
	a.record(ctx, application.AudienceEveryone, r.Actor, "co_applicant_changed", fmt.Sprintf("%s now %s%s", m.Name, strings.ToLower(m.Right.Label()), a.sectionsText(m.Sections)))
	return a.outcome(), nil
}

func (a *applicationWorkflow) canAcceptInvitation(by fundflow.Actor) error {
	m, ok := a.Team.Member(by.ID)
	if !ok || !m.RemovedAt.IsZero() || !by.Role.Applying() {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "there is no invitation to this application for you")
	}
	if !m.AcceptedAt.IsZero() {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "you have already accepted this invitation")
	}
	if a.ended() {
		return a.notNow()
	}
	return nil
}

func (a *applicationWorkflow) checkAcceptInvitation(ctx workflow.Context, r AcceptInvitationRequest) error {
	if err := a.canAcceptInvitation(r.Actor); err != nil {
		return err
	}
	if m, _ := a.Team.Member(r.Actor.ID); m.Status(workflow.Now(ctx)) == application.MemberExpired {
		return &fundflow.Error{Code: fundflow.EVALIDATION, Message: "the invitation has expired",
			Fields: []fundflow.FieldError{{Field: "invitation", Message: fmt.Sprintf("expired at %s; ask the lead to invite you again", calendar.LongTime(m.ExpiresAt))}}}
	}
	return nil
}

func (a *applicationWorkflow) acceptInvitation(ctx workflow.Context, r AcceptInvitationRequest) (Outcome, error) {
	i := a.Team.Latest(r.Actor.ID)
	a.Team[i].AcceptedAt = workflow.Now(ctx).UTC()
	a.record(ctx, application.AudienceEveryone, r.Actor, "invitation_accepted", a.Team[i].Name+" joined the bid: "+strings.ToLower(a.Team[i].Right.Label()))
	return a.outcome(), nil
}

func (a *applicationWorkflow) canAddComment(by fundflow.Actor) error {
	if err := a.requireTeam(by, application.RightComment); err != nil {
		return err
	}
	if a.ended() {
		return a.notNow()
	}
	return nil
}

func (a *applicationWorkflow) checkAddComment(_ workflow.Context, r AddCommentRequest) error {
	if err := a.canAddComment(r.Actor); err != nil {
		return err
	}
	var v fundflow.Invalid
	v.Text("text", r.Text, maxCommentChars, true)
	if r.Section != "" && !slices.ContainsFunc(a.Fund.ApplicationForm().Sections, func(s form.Section) bool { return s.ID == r.Section }) {
		v.Add("section", "is not a section of the form")
	}
	if len(a.Comments) >= maxComments {
		v.Add("text", "the bid has reached its %d comments", maxComments)
	}
	return v.Err("the comment is invalid")
}

func (a *applicationWorkflow) addComment(ctx workflow.Context, r AddCommentRequest) (Outcome, error) {
	a.Comments = append(a.Comments, application.Comment{
		ID: fmt.Sprintf("c%d", len(a.Comments)+1), Section: r.Section, By: r.Actor, At: workflow.Now(ctx).UTC(), Text: strings.TrimSpace(r.Text),
	})
	a.Version++
	return a.outcome(), nil
}

// --- Editing sections ---

// checkSaveSections holds a save to its sections: a co-applicant assigned sections saves only
// those, and a save from an older copy of a section someone else has
// changed since is refused, naming who and when, so nobody's answers are
// lost without their knowing.
func (a *applicationWorkflow) checkSaveSections(r SaveDraftRequest) error {
	touched := a.sectionsOf(patchFields(r.Patch))
	if m, ok := a.member(r.Actor); ok {
		for _, s := range touched {
			if !m.MayEdit(s) {
				return &fundflow.Error{Code: fundflow.EFORBIDDEN, Message: "you may change only the sections assigned to you",
					Fields: []fundflow.FieldError{{Field: s, Message: "is not assigned to you"}}}
			}
		}
	}
	if r.BaseVersion <= 0 {
		return nil
	}
	var fields []fundflow.FieldError
	for _, s := range touched {
		if c, ok := a.Changed[s]; ok && c.Version > r.BaseVersion && c.By.ID != r.Actor.ID {
			fields = append(fields, fundflow.FieldError{Field: s, Message: fmt.Sprintf("was changed by %s at %s after you opened it; reload the page to see their answers, then make your change again", c.By.Name, calendar.LongTime(c.At))})
		}
	}
	if len(fields) > 0 {
		return &fundflow.Error{Code: fundflow.ECONFLICT, Message: "someone else changed this section while you were editing it", Fields: fields}
	}
	return nil
}

// sectionsOf are the form sections the given top-level answers belong to,
// each once, in form order; an answer outside the form counts as its own.
func (a *applicationWorkflow) sectionsOf(fields []string) []string {
	f := a.Fund.ApplicationForm()
	var out []string
	for _, s := range f.Sections {
		if slices.ContainsFunc(s.Questions, func(q form.Question) bool { return slices.Contains(fields, q.ID) }) {
			out = append(out, s.ID)
		}
	}
	for _, field := range fields {
		if _, ok := f.Question(field); !ok && !slices.Contains(out, field) {
			out = append(out, field)
		}
	}
	return out
}

// markChanged records the sections a save changed.
func (a *applicationWorkflow) markChanged(ctx workflow.Context, by fundflow.Actor, sections []string) {
	if len(sections) == 0 {
		return
	}
	if a.Changed == nil {
		a.Changed = map[string]SectionChange{}
	}
	for _, s := range sections {
		a.Changed[s] = SectionChange{Version: a.Version, By: by, At: workflow.Now(ctx).UTC()}
	}
}

// --- Sign-off ---

// signedOff is the sign-off that stands, if any.
func (a *applicationWorkflow) signedOff() *application.SignOff {
	if a.SignOff == nil || len(a.SignOff.History) == 0 {
		return nil
	}
	last := &a.SignOff.History[len(a.SignOff.History)-1]
	if last.Voided != nil {
		return nil
	}
	return last
}

// answersHash is the SHA-256 of what a certifier signs: the answers as
// the form shows them, and the partners.
func (a *applicationWorkflow) answersHash() string {
	// Shown and the encoder range over maps only to build and sort them.
	return application.AnswersHash(signedAnswers{Content: a.Content.Shown(a.Fund.ApplicationForm()), Partners: nonNil(a.Partners)}) //workflowcheck:ignore
}

type signedAnswers struct {
	Content  application.Content `json:"content"`
	Partners []partner.Partner   `json:"partners"`
}

// answersChanged voids a standing sign-off: any change to what was signed
// undoes it, and a bid already being screened goes back to await a new
// one, so what the fund assesses is always what a certifier signed.
func (a *applicationWorkflow) answersChanged(ctx workflow.Context, by fundflow.Actor) error {
	so := a.signedOff()
	if so == nil {
		return nil
	}
	so.Voided = &application.Voiding{At: workflow.Now(ctx).UTC(), By: by, Reason: "the answers changed after sign-off"}
	a.record(ctx, application.AudienceEveryone, by, "sign_off_voided", fmt.Sprintf("the sign-off by %s was voided: %s changed the answers after it", so.By.Name, by.Name))
	if a.Status == application.StatusEligibility {
		a.Stage, a.Eligibility = nil, nil
		a.moveTo(application.StatusAwaitingSignOff)
	}
	return a.askForSignOff(ctx, by, "sign_off_voided")
}

// certifiers are the organisation's certifiers today, from the directory.
func (a *applicationWorkflow) certifiers(ctx workflow.Context) ([]activities.CertifierInfo, error) {
	var res activities.CertifiersResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lookupOptions), acts.Certifiers,
		activities.CertifiersInput{OrgCode: a.OrgCode, On: organisation.DateOf(workflow.Now(ctx))}).Get(ctx, &res)
	return res.Certifiers, err
}

// checkCanBeSignedOff refuses to send a bid for sign-off that nobody could
// sign: an organisation with no certifier today, or whose only certifier
// is the one sending it.
func checkCanBeSignedOff(cs []activities.CertifierInfo, by fundflow.Actor) error {
	others := slices.ContainsFunc(cs, func(c activities.CertifierInfo) bool { return c.UserID != by.ID })
	switch {
	case len(cs) == 0:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the fund requires your organisation's certifier to sign the bid off, and your organisation has no certifier in the directory; ask your administrator to name one")
	case !others:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "you are your organisation's only certifier, and a certifier cannot sign off a bid they submitted; ask your administrator to name a deputy")
	}
	return nil
}

// requestSignOff is submitting a bid the fund wants signed off: it waits
// for a certifier, who is told, and the deadline still counts to the
// sign-off.
func (a *applicationWorkflow) requestSignOff(ctx workflow.Context, by fundflow.Actor) (Outcome, error) {
	cs, err := a.certifiers(ctx)
	if err != nil {
		return Outcome{}, err
	}
	if err := checkCanBeSignedOff(cs, by); err != nil {
		return Outcome{}, err
	}
	reminders, err := a.signOffReminders(ctx)
	if err != nil {
		return Outcome{}, err
	}
	a.SubmittedBy = &by
	if a.SignOff == nil {
		a.SignOff = &signOffState{}
	}
	a.SignOff.RequestedBy, a.SignOff.RequestedAt, a.SignOff.Certifiers = by, workflow.Now(ctx).UTC(), cs
	a.SignOff.Reminders, a.SignOff.Reminded = reminders, 0
	a.moveTo(application.StatusAwaitingSignOff)
	a.record(ctx, application.AudienceEveryone, by, "sent_for_sign_off", "sent to "+certifierNames(cs)+" to sign off")
	a.message(ctx, activities.NotificationSignOff, activities.CertifiersAudience, "sign_off_requested",
		params("fund", a.Fund.Name, "by", by.Name, "deadline", calendar.LongTime(a.Fund.ClosesAt)))
	return a.outcome(), nil
}

// askForSignOff asks the certifiers again after a voided sign-off.
func (a *applicationWorkflow) askForSignOff(ctx workflow.Context, by fundflow.Actor, why string) error {
	cs, err := a.certifiers(ctx)
	if err != nil {
		return err
	}
	if len(cs) > 0 {
		a.SignOff.Certifiers = cs
	}
	a.message(ctx, activities.NotificationSignOff, activities.CertifiersAudience, why,
		params("fund", a.Fund.Name, "by", by.Name, "deadline", calendar.LongTime(a.Fund.ClosesAt)))
	return nil
}

// signOffReminders are when to remind, the fund's working days before it
// closes in the organisation's nation, leaving out those already past.
func (a *applicationWorkflow) signOffReminders(ctx workflow.Context) ([]time.Time, error) {
	var org activities.OrgLookup
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lookupOptions), acts.LookupOrg,
		activities.LookupOrgInput{Code: a.OrgCode, On: organisation.DateOf(workflow.Now(ctx))}).Get(ctx, &org); err != nil {
		return nil, err
	}
	var at []time.Time
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lookupOptions), acts.WorkingDaysBefore,
		activities.WorkingDaysBeforeInput{Division: divisionOf(org.Org), Deadline: a.Fund.ClosesAt, Days: a.Fund.SignOff.RemindBefore}).Get(ctx, &at); err != nil {
		return nil, err
	}
	now := workflow.Now(ctx)
	return slices.DeleteFunc(at, func(t time.Time) bool { return !t.After(now) }), nil
}

func certifierNames(cs []activities.CertifierInfo) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// canCertify admits a certifier of the organisation named when sign-off
// was asked for, who did not send the bid themselves.
func (a *applicationWorkflow) canCertify(by fundflow.Actor) error {
	if a.SignOff == nil || !by.ApplicantOf(a.OrgCode) || !slices.ContainsFunc(a.SignOff.Certifiers, func(c activities.CertifierInfo) bool { return c.UserID == by.ID }) {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a certifier of the organisation can sign off its bid")
	}
	if a.SubmittedBy != nil && a.SubmittedBy.ID == by.ID {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "you sent this bid for sign-off, so another certifier must sign it off")
	}
	return a.requireStatus(application.StatusAwaitingSignOff)
}

func (a *applicationWorkflow) checkSignOff(ctx workflow.Context, r SignOffRequest) error {
	if err := a.canCertify(r.Actor); err != nil {
		return err
	}
	var v fundflow.Invalid
	if !r.Declare {
		v.Add("declare", "confirm the declaration to sign off")
	}
	if r.AnswersSHA256 == "" {
		v.Add("answers_sha256", "is required: the hash of the answers you read")
	}
	if err := v.Err("the sign-off is incomplete"); err != nil {
		return err
	}
	if r.AnswersSHA256 != a.answersHash() {
		return &fundflow.Error{Code: fundflow.ECONFLICT, Message: "the answers changed after you opened them; read the bid again before you sign it off",
			Fields: []fundflow.FieldError{{Field: "answers_sha256", Message: "is not the hash of the answers as they stand"}}}
	}
	if !workflow.Now(ctx).Before(a.Fund.ClosesAt) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "sign-off came too late: the fund closed for submissions at %s", calendar.LongTime(a.Fund.ClosesAt))
	}
	return a.known().ValidateSubmission(a.Content, a.Fund) //workflowcheck:ignore as in checkSaveDraft
}

// signOff records the sign-off and lodges the bid: it counts as
// submitted now. The fund may still refuse it (closed a moment ago), and
// then nothing is recorded.
func (a *applicationWorkflow) signOff(ctx workflow.Context, r SignOffRequest) (Outcome, error) {
	i := slices.IndexFunc(a.SignOff.Certifiers, func(c activities.CertifierInfo) bool { return c.UserID == r.Actor.ID })
	so := application.SignOff{
		By: r.Actor, Capacity: a.SignOff.Certifiers[i].CapacityLabel, At: workflow.Now(ctx).UTC(),
		Declaration: a.Fund.SignOff.Declaration, AnswersSHA256: r.AnswersSHA256,
	}
	return a.lodge(ctx, r.Actor, func() {
		a.SignOff.History = append(a.SignOff.History, so)
		a.record(ctx, application.AudienceEveryone, r.Actor, "signed_off",
			fmt.Sprintf("signed off by %s, %s; answers SHA-256 %s", so.By.Name, so.Capacity, so.AnswersSHA256))
	})
}

func (a *applicationWorkflow) checkSendBack(_ workflow.Context, r SendBackRequest) error {
	if err := a.canCertify(r.Actor); err != nil {
		return err
	}
	return requiredReason(r.Reason)
}

func (a *applicationWorkflow) sendBack(ctx workflow.Context, r SendBackRequest) (Outcome, error) {
	a.SignOff.SentBack = append(a.SignOff.SentBack, application.SendBack{By: r.Actor, At: workflow.Now(ctx).UTC(), Reason: r.Reason})
	a.SignOff.Reminders = nil
	a.moveTo(application.StatusDraft)
	a.record(ctx, application.AudienceEveryone, r.Actor, "sent_back", r.Reason)
	a.message(ctx, activities.NotificationSignOff, audienceApplicant, "sent_back", params("fund", a.Fund.Name, "by", r.Actor.Name, "reason", r.Reason))
	return a.outcome(), nil
}

// considerSignOff adds the reminders and the fund's close to the deadlines
// of a bid awaiting sign-off.
func (a *applicationWorkflow) considerSignOff(consider func(time.Time)) {
	if a.Status != application.StatusAwaitingSignOff || a.SignOff == nil {
		return
	}
	if n := a.SignOff.Reminded; n < len(a.SignOff.Reminders) {
		consider(a.SignOff.Reminders[n])
	}
	consider(a.Fund.ClosesAt)
}

// onSignOffDeadlines reminds the lead and the certifiers, and once the
// fund has closed says plainly that sign-off came too late and closes the
// bid, telling the fund if it had been lodged before a change voided it.
func (a *applicationWorkflow) onSignOffDeadlines(ctx workflow.Context, now time.Time) error {
	if a.Status != application.StatusAwaitingSignOff || a.SignOff == nil {
		return nil
	}
	if !now.Before(a.Fund.ClosesAt) {
		if err := a.retire(ctx, fundflow.System); err != nil {
			return err
		}
		a.SignOff.TooLate = true
		why := fmt.Sprintf("the fund closed at %s before a certifier signed the bid off", calendar.LongTime(a.Fund.ClosesAt))
		a.Closed = &Closure{At: now.UTC(), Reason: why}
		a.record(ctx, application.AudienceEveryone, fundflow.System, "sign_off_too_late", why)
		for _, to := range []string{audienceApplicant, activities.CertifiersAudience} {
			a.message(ctx, activities.NotificationSignOff, to, "sign_off_too_late", params("fund", a.Fund.Name, "deadline", calendar.LongTime(a.Fund.ClosesAt)))
		}
		return nil
	}
	n := a.SignOff.Reminded
	if n >= len(a.SignOff.Reminders) || now.Before(a.SignOff.Reminders[n]) {
		return nil
	}
	for a.SignOff.Reminded < len(a.SignOff.Reminders) && !now.Before(a.SignOff.Reminders[a.SignOff.Reminded]) {
		a.SignOff.Reminded++
	}
	if cs, err := a.certifiers(ctx); err == nil && len(cs) > 0 {
		a.SignOff.Certifiers = cs
	}
	a.record(ctx, application.AudienceEveryone, fundflow.System, "sign_off_reminder", "still awaiting sign-off; the fund closes at "+calendar.LongTime(a.Fund.ClosesAt))
	for _, to := range []string{audienceApplicant, activities.CertifiersAudience} {
		a.message(ctx, activities.NotificationSignOff, to, "sign_off_reminder", params("fund", a.Fund.Name, "deadline", calendar.LongTime(a.Fund.ClosesAt)))
	}
	return nil
}

// --- Views ---

func (a *applicationWorkflow) signOffView() SignOffView {
	v := SignOffView{Status: SignOffNotRequired, Required: a.Fund.SignOff.Required, Certifiers: []activities.CertifierInfo{},
		History: []application.SignOff{}, SentBack: []application.SendBack{}}
	if v.Required {
		v.Status, v.Declaration, v.Deadline = SignOffNotRequested, a.Fund.SignOff.Declaration, a.Fund.ClosesAt
		v.AnswersSHA256 = a.answersHash()
	}
	if s := a.SignOff; s != nil {
		by := s.RequestedBy
		v.RequestedBy, v.RequestedAt = &by, s.RequestedAt
		v.Certifiers = nonNil(slices.Clone(s.Certifiers))
		v.History, v.SentBack = nonNil(slices.Clone(s.History)), nonNil(slices.Clone(s.SentBack))
		v.Reminders = slices.Clone(s.Reminders[min(s.Reminded, len(s.Reminders)):])
		switch {
		case s.TooLate:
			v.Status = SignOffTooLate
		case a.Status == application.StatusAwaitingSignOff:
			v.Status = SignOffAwaiting
		}
	}
	if so := a.signedOff(); so != nil {
		c := *so
		v.Current, v.Status = &c, SignOffSignedOff
	}
	return v
}

func (a *applicationWorkflow) coApplicants(now time.Time) []CoApplicant {
	out := []CoApplicant{}
	for _, m := range a.Team.Current() {
		out = append(out, CoApplicant{Member: m, Status: m.Status(now)})
	}
	return out
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(directory.NormalEmail(addr), "@")
	return d
}
