package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/web/apiclient"
)

// Who is working on a bid besides the lead organisation: the people it
// invited, what each may do, and the forms the lead uses to invite,
// change and remove them.

// teamPage is the team with the invitation form, or the form that changes
// one co-applicant (Editing), or asks to confirm removing them.
type teamPage struct {
	applicantApp
	Editing *apiclient.CoApplicant
	Rights  []rightChoice
	// Values are the form's inputs: as saved, or as typed when refused.
	Values url.Values
	// InvitationDays is how long an invitation stands unanswered.
	InvitationDays int
}

// rightChoice is a right as the form offers it: the domain's name for it,
// and what it lets a person do.
type rightChoice struct{ Value, Label, Hint string }

var rightHints = map[application.Right]string{
	application.RightView:    "They can read the bid and its partners.",
	application.RightComment: "They can read the bid and add notes for the team.",
	application.RightEdit:    "They can change the answers: every section and the partners, or only the sections you choose.",
}

func rightChoices() []rightChoice {
	var out []rightChoice
	for _, r := range []application.Right{application.RightView, application.RightComment, application.RightEdit} {
		out = append(out, rightChoice{Value: string(r), Label: r.Label(), Hint: rightHints[r]})
	}
	return out
}

var teamTitles = map[string]string{
	"applicant/team":        "Who is working on this bid",
	"applicant/team-member": "Change what a co-applicant can do",
	"applicant/team-remove": "Remove a co-applicant",
}

var teamLabels = fieldLabels{
	"email": {"Email address", "email"}, "name": {"Full name", "name"},
	"right": {"What they can do", "right"}, "sections": {"Sections", "sections"},
}

func (s *server) team(w http.ResponseWriter, r *http.Request) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderTeam(w, r, http.StatusOK, "applicant/team", p, -1, url.Values{}, nil)
}

func (s *server) memberForm(w http.ResponseWriter, r *http.Request) {
	p, i, ok := s.loadMember(w, r)
	if !ok {
		return
	}
	m := p.App.CoApplicants[i]
	s.renderTeam(w, r, http.StatusOK, "applicant/team-member", p, i, url.Values{"right": {string(m.Right)}, "sections": m.Sections}, nil)
}

func (s *server) removeMemberForm(w http.ResponseWriter, r *http.Request) {
	if p, i, ok := s.loadMember(w, r); ok {
		s.renderTeam(w, r, http.StatusOK, "applicant/team-remove", p, i, nil, nil)
	}
}

// renderTeam shows one of the team's pages, about the co-applicant at
// index editing (-1 for none).
func (s *server) renderTeam(w http.ResponseWriter, r *http.Request, status int, page string, p applicantApp, editing int, vals url.Values, errs []fieldError) {
	d := teamPage{applicantApp: p, Rights: rightChoices(), Values: vals, InvitationDays: int(application.InvitationLifetime.Hours() / 24)}
	if editing >= 0 {
		d.Editing = &p.App.CoApplicants[editing]
	}
	s.render(w, r, status, page, view{Title: teamTitles[page], Errors: errs, Data: d})
}

// loadMember reads the bid and finds the co-applicant the path names,
// answering itself when there is no such person on the team.
func (s *server) loadMember(w http.ResponseWriter, r *http.Request) (applicantApp, int, bool) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return p, -1, false
	}
	i := slices.IndexFunc(p.App.CoApplicants, func(c apiclient.CoApplicant) bool { return c.ID == mux.Vars(r)["member_id"] })
	if i < 0 {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct.")
		return p, -1, false
	}
	return p, i, true
}

// chosenSections are the sections ticked, which count only for the edit
// right: they are asked inside its choice, and a person who ticked some
// and then chose another right has not assigned them.
func chosenSections(form url.Values) []string {
	if form.Get("right") != string(application.RightEdit) {
		return nil
	}
	return form["sections"]
}

func (s *server) invite(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := s.api.InviteCoApplicantWithResponse(r.Context(), id, nil, apiclient.InviteCoApplicantJSONRequestBody{
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Right: apiclient.Right(r.PostFormValue("right")), Sections: chosenSections(r.PostForm),
	}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		p, lerr := s.loadApplicantApp(r.Context(), id)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		s.renderTeam(w, r, problemStatus(err), "applicant/team", p, -1, r.PostForm, explainErrors(errs, teamLabels))
		return
	}
	s.done(w, r, err, "Invitation sent to "+r.PostFormValue("name"), appPath(id)+"/team")
}

func (s *server) changeMember(w http.ResponseWriter, r *http.Request) {
	p, i, ok := s.loadMember(w, r)
	if !ok {
		return
	}
	m := p.App.CoApplicants[i]
	res, err := s.api.ChangeCoApplicantWithResponse(r.Context(), p.App.ID, m.ID, nil, apiclient.ChangeCoApplicantJSONRequestBody{
		Right: apiclient.Right(r.PostFormValue("right")), Sections: chosenSections(r.PostForm),
	}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderTeam(w, r, problemStatus(err), "applicant/team-member", p, i, r.PostForm, explainErrors(errs, teamLabels))
		return
	}
	s.done(w, r, err, "Changed what "+m.Name+" can do", p.Path()+"/team")
}

func (s *server) removeMember(w http.ResponseWriter, r *http.Request) {
	p, i, ok := s.loadMember(w, r)
	if !ok {
		return
	}
	m := p.App.CoApplicants[i]
	res, err := s.api.RemoveCoApplicantWithResponse(r.Context(), p.App.ID, m.ID, nil, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderTeam(w, r, problemStatus(err), "applicant/team-remove", p, i, nil, explainErrors(errs, teamLabels))
		return
	}
	s.done(w, r, err, m.Name+" removed from the bid", p.Path()+"/team")
}
