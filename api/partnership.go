package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/internal/partner"
	"github.com/fundflow/fundflow/workflows"
)

// A partnership bid's routes: its partners, its co-applicants and its
// certifier's sign-off. Each is an application command; the API adds
// what only it can check (the registry, the directory).

type (
	partnersBody struct {
		Partners []partner.Partner `json:"partners"`
	}
	coApplicantBody struct {
		Email    string            `json:"email"`
		Name     string            `json:"name"`
		Right    application.Right `json:"right"`
		Sections []string          `json:"sections"`
	}
	changeMemberBody struct {
		Right    application.Right `json:"right"`
		Sections []string          `json:"sections"`
	}
	commentBody struct {
		Section string `json:"section"`
		Text    string `json:"text"`
	}
	signOffBody struct {
		AnswersSHA256 string `json:"answers_sha256"`
		Declare       bool   `json:"declare"`
	}
	sendBackBody struct {
		Reason string `json:"reason"`
	}
)

// setPartners checks each partner against the registry (an NHS body by
// its ODS code today) and sends the list as the registry spells it.
func (s *server) setPartners() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body partnersBody
		cmd, id, ok := s.readApplicationCommand(w, r, &body)
		if !ok {
			return
		}
		v, err := s.queryView(r, id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ps, problems := partner.Check(body.Partners, v.OrgCode, v.Content.RequestedPence, s.Orgs, organisation.DateOf(s.Now()))
		if err := problems.Err("the partners are invalid"); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.commandAnswer(w, r, id, workflows.UpdateSetPartners, cmd.Key, workflows.SetPartnersRequest{Command: cmd, Partners: ps})
	}
}

// inviteCoApplicant records the invitation in the application, then
// admits the person to the directory as a co-applicant unless they are
// in it already, so the normal sign-in lets them in. A retry with the same
// key finds the invitation remembered and admits them if the first try
// stopped short.
func (s *server) inviteCoApplicant() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body coApplicantBody
		cmd, id, ok := s.readApplicationCommand(w, r, &body)
		if !ok {
			return
		}
		inviter, _, err := s.Tokens.User(r.Context(), cmd.Actor.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		known, found, err := s.Tokens.UserByEmail(r.Context(), directory.NormalEmail(body.Email))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		switch u := known; {
		case found && u.Role() == fundflow.RoleApplicant && u.OrgCode == cmd.Actor.OrgCode:
			s.writeError(w, r, fundflow.Invalid{{Field: "email", Message: u.Name + " is already an applicant of your organisation and can work on its bids"}}.Err("the invitation is invalid"))
			return
		case found && u.Role().Staff():
			// Fund staff judge bids; one on a bid's team could not.
			s.writeError(w, r, fundflow.Invalid{{Field: "email", Message: "this address belongs to fund staff, who cannot work on a bid"}}.Err("the invitation is invalid"))
			return
		}
		req := workflows.InviteCoApplicantRequest{Command: cmd, Email: body.Email, Name: body.Name, Right: body.Right, Sections: body.Sections, InviterEmail: inviter.Email}
		var out workflows.Outcome
		if err := s.update(r.Context(), workflows.ApplicationWorkflowID(id), workflows.UpdateInviteCoApplicant, cmd.Key, req, &out); err != nil {
			s.writeError(w, r, s.refusedWhenClosed(r, id, err))
			return
		}
		if !found {
			invite := workflows.InviteUserRequest{
				Command: workflows.Command{Key: cmd.Key + ":directory", Actor: fundflow.System},
				Invite: directory.Invite{Email: body.Email, Name: strings.TrimSpace(body.Name), Roles: []fundflow.Role{fundflow.RoleCoApplicant},
					Reason: "invited to work on a bid by " + cmd.Actor.Name},
			}
			var u directory.User
			err := s.update(r.Context(), workflows.DirectoryWorkflowID, workflows.UpdateInviteUser, invite.Key, invite, &u)
			if err != nil && fundflow.ErrorCode(err) != fundflow.ECONFLICT {
				s.writeError(w, r, err)
				return
			}
		}
		s.answerWith(w, r, id, out)
	}
}

func (s *server) changeCoApplicant(remove bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		member := mux.Vars(r)["member_id"]
		applicationCommand(s, workflows.UpdateChangeCoApplicant, func(c workflows.Command, b changeMemberBody) any {
			return workflows.ChangeCoApplicantRequest{Command: c, MemberID: member, Right: b.Right, Sections: b.Sections, Remove: remove}
		})(w, r)
	}
}

func (s *server) acceptInvitation() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateAcceptInvitation, func(c workflows.Command, _ noBody) any {
		return workflows.AcceptInvitationRequest{Command: c}
	})
}

func (s *server) addComment() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateAddComment, func(c workflows.Command, b commentBody) any {
		return workflows.AddCommentRequest{Command: c, Section: b.Section, Text: b.Text}
	})
}

func (s *server) signOff() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateSignOff, func(c workflows.Command, b signOffBody) any {
		return workflows.SignOffRequest{Command: c, AnswersSHA256: b.AnswersSHA256, Declare: b.Declare}
	})
}

func (s *server) sendBack() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateSendBack, func(c workflows.Command, b sendBackBody) any {
		return workflows.SendBackRequest{Command: c, Reason: b.Reason}
	})
}

// baseVersion is the version a save started from, from If-Match: the
// ETag the page or client read. Absent, the save is judged on its own.
func baseVersion(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil || n < 1 {
		return 0, fundflow.Invalid{{Field: "If-Match", Message: `must be the application's ETag, such as "12"`}}.Err("the request is invalid")
	}
	return n, nil
}

// onTeam reports whether the caller is on v's team (invited, or joined):
// the co-applicant's way in, application by application.
func onTeam(v workflows.ApplicationView, userID string) bool {
	return slices.ContainsFunc(v.CoApplicants, func(m workflows.CoApplicant) bool { return m.ID == userID && m.Admitted() })
}
