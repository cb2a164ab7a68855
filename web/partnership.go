package web

import (
	"errors"
	"html/template"
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/web/apiclient"
)

// What every page about a partnership bid reads: who the signed-in person
// is on its team, what they may change, and the team's notes.

// Member is the signed-in person's entry among the bid's co-applicants;
// nil for the lead organisation's own people, who are not on that list.
func (p applicantApp) Member() *apiclient.CoApplicant {
	if p.me == nil {
		return nil
	}
	i := slices.IndexFunc(p.App.CoApplicants, func(c apiclient.CoApplicant) bool { return c.ID == p.me.ID })
	if i < 0 {
		return nil
	}
	return &p.App.CoApplicants[i]
}

// MayEdit reports whether the signed-in person may change section now:
// the API lets them save the answers at all, and a co-applicant given
// sections keeps to those, by the domain's rule for a team member.
func (p applicantApp) MayEdit(section string) bool {
	if !can(p.App, "save_draft") {
		return false
	}
	m := p.Member()
	return m == nil || application.Member{Right: application.Right(m.Right), Sections: m.Sections}.MayEdit(section)
}

// OrgName names the organisation that leads the bid: as the application
// names it, or as its own people are signed in, or by its code.
func (p applicantApp) OrgName() string {
	switch {
	case p.App.OrgName != "":
		return p.App.OrgName
	case p.me != nil && p.me.OrgCode == p.App.OrgCode && p.me.OrgName != "":
		return p.me.OrgName
	}
	return p.App.OrgCode
}

// Sections are the form's sections that have a page, for the pages that
// name or choose them.
func (p applicantApp) Sections() []form.Section { return p.Form.tasks() }

// SectionTitle names a section by its id, or gives the id when the form
// has no such section.
func (p applicantApp) SectionTitle(id string) string {
	if sec, ok := p.Form.task(id); ok {
		return sec.Title
	}
	return id
}

// SectionTitles names each of ids.
func (p applicantApp) SectionTitles(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = p.SectionTitle(id)
	}
	return out
}

// noteForm is what was typed into the team's notes form, kept when the
// API refused it.
type noteForm struct{ Text, Section string }

// addNote adds a note for the bid's team, on the whole bid or one section.
func (s *server) addNote(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := s.api.AddTeamCommentWithResponse(r.Context(), id, nil,
		apiclient.AddTeamCommentJSONRequestBody{Text: r.PostFormValue("note"), Section: r.PostFormValue("note_section")}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderApplicant(w, r, id, problemStatus(err), explainErrors(errs, fieldLabels{
			"text": {"Your note", "note"}, "section": {"The section", "note_section"}}))
		return
	}
	s.done(w, r, err, "Note added for the team", appPath(id))
}

// invitationPage is an invitation to work on a bid, as the person invited
// reads it.
type invitationPage struct {
	applicantApp
	Invitation *apiclient.CoApplicant
}

func (s *server) invitation(w http.ResponseWriter, r *http.Request) {
	s.renderInvitation(w, r, http.StatusOK, nil)
}

func (s *server) renderInvitation(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	var pr *problem
	// The API shows a bid only to those invited onto it while their
	// invitation stands, so one that expired or was withdrawn looks to
	// the invitee like no bid at all.
	if (errors.As(err, &pr) && pr.Status == http.StatusNotFound) || (err == nil && p.Member() == nil) {
		s.renderError(w, r, http.StatusNotFound, "This invitation is not available",
			"It may have expired or been withdrawn. Ask the person who invited you to invite you again.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "applicant/invitation", view{Title: "Your invitation to work on a bid", Errors: errs,
		Data: invitationPage{applicantApp: p, Invitation: p.Member()}})
}

func (s *server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := s.api.AcceptInvitationWithResponse(r.Context(), id, nil, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderInvitation(w, r, problemStatus(err), explainErrors(errs, fieldLabels{"invitation": {"Your invitation", ""}}))
		return
	}
	s.done(w, r, err, "Invitation accepted: you are now on the team for this bid", appPath(id))
}

// memberStatuses name where a co-applicant's invitation stands.
var memberStatuses = map[apiclient.CoApplicantStatus]string{
	apiclient.CoApplicantStatusInvited: "Invited",
	apiclient.CoApplicantStatusActive:  "Joined",
	apiclient.CoApplicantStatusExpired: "Invitation expired",
	apiclient.CoApplicantStatusRemoved: "Removed",
}

// signOffStatuses name where a bid's sign-off stands, where the fund asks
// for one.
var signOffStatuses = map[apiclient.SignOffStatus]string{
	apiclient.NotRequested: "Not sent for sign-off yet",
	apiclient.Awaiting:     "Awaiting sign-off",
	apiclient.SignedOff:    "Signed off",
	apiclient.TooLate:      "Too late: the fund closed",
}

// lastVoided is the latest sign-off when a change to the answers voided
// it and none has been given since.
func lastVoided(so apiclient.SignOff) *apiclient.SignOffRecord {
	if n := len(so.History); so.Current == nil && n > 0 && so.History[n-1].Voided != nil {
		return &so.History[n-1]
	}
	return nil
}

// lastSentBack is why a certifier last sent the bid back, while it waits
// to be sent for sign-off again.
func lastSentBack(so apiclient.SignOff) *apiclient.SendBack {
	if n := len(so.SentBack); so.Status == apiclient.NotRequested && n > 0 {
		return &so.SentBack[n-1]
	}
	return nil
}

// partnershipFuncs are the helpers above and the partners', for
// templates.
var partnershipFuncs = template.FuncMap{
	"rightLabel":    func(r apiclient.Right) string { return application.Right(r).Label() },
	"memberStatus":  func(s apiclient.CoApplicantStatus) string { return memberStatuses[s] },
	"signOffStatus": func(s apiclient.SignOffStatus) string { return signOffStatuses[s] },
	"lastVoided":    lastVoided,
	"lastSentBack":  lastSentBack,
	"partnerRows":   partnerRows,
	"partnerTotals": partnerTotals,
}
