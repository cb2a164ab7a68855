package notify

import (
	"slices"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

// Address says whom an outbox message is for: its audience, and what the
// audience is relative to.
type Address struct {
	// Audience is a role, one reviewer as "reviewer:<id>", or
	// CertifiersAudience.
	Audience  string
	FundID    string
	OrgCode   string
	LeadName  string
	LeadEmail string
	// Invitee is the one person an InviteeAudience message is for, who
	// may not be in the directory yet.
	InviteeName, InviteeEmail string
}

// InviteeAudience addresses a message to the person invited onto a bid.
const InviteeAudience = "invitee"

// ReviewerPrefix starts the audience of a message to one reviewer.
const ReviewerPrefix = "reviewer:"

// CertifiersAudience addresses the people who may sign off the
// organisation's bid on the day the message goes.
const CertifiersAudience = "certifiers"

// Resolve is who a message delivered on the day reaches, from the
// directory as it stands:
//
//   - applicant: the application's lead contact and every active applicant
//     user of the organisation (a lead contact whose account has been
//     deactivated has left, and is not written to);
//   - reviewer:<id>: that reviewer, while active;
//   - reviewer: the fund's pool, or every active reviewer if it has none;
//   - panel_chair, programme_manager: the members of the fund's panel with
//     that role, or every active holder of it if none is on the panel;
//   - admin: every active admin;
//   - certifiers: the organisation's certifiers whose delegation covers
//     the day, while active people of the organisation.
//
// Each person appears once. An empty result means nobody can be reached,
// which the caller records rather than drops.
func Resolve(st *directory.State, a Address, on organisation.Date) []Recipient {
	var out []Recipient
	add := func(r Recipient) {
		if r.Email == "" || slices.ContainsFunc(out, func(x Recipient) bool { return strings.EqualFold(x.Email, r.Email) }) {
			return
		}
		out = append(out, r)
	}
	user := func(u directory.User, role fundflow.Role) {
		if u.Active && slices.Contains(u.Roles, role) {
			add(Recipient{UserID: u.ID, Name: u.Name, Email: u.Email, Role: role})
		}
	}
	holders := func(role fundflow.Role) {
		for _, u := range st.Users {
			user(u, role)
		}
	}
	switch role := fundflow.Role(a.Audience); {
	case a.Audience == InviteeAudience:
		if u, ok := st.UserByEmail(a.InviteeEmail); ok && u.Active {
			add(Recipient{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role()})
		} else if !ok {
			add(Recipient{Name: a.InviteeName, Email: directory.NormalEmail(a.InviteeEmail)})
		}
	case strings.HasPrefix(a.Audience, ReviewerPrefix):
		if u, ok := st.User(strings.TrimPrefix(a.Audience, ReviewerPrefix)); ok {
			user(u, fundflow.RoleReviewer)
		}
	case role == fundflow.RoleApplicant:
		if a.LeadEmail != "" {
			switch u, ok := st.UserByEmail(a.LeadEmail); {
			case !ok:
				add(Recipient{Name: a.LeadName, Email: directory.NormalEmail(a.LeadEmail), Role: role})
			case u.OrgCode == a.OrgCode:
				user(u, role)
			}
		}
		for _, u := range st.Users {
			if u.OrgCode == a.OrgCode {
				user(u, role)
			}
		}
	case role == fundflow.RoleReviewer:
		for _, u := range st.PoolReviewers(a.FundID) {
			user(u, role)
		}
		if len(out) == 0 {
			holders(role)
		}
	case role == fundflow.RolePanelChair, role == fundflow.RoleProgrammeManager:
		for _, id := range st.Pool(a.FundID).Panel {
			if u, ok := st.User(id); ok {
				user(u, role)
			}
		}
		if len(out) == 0 {
			holders(role)
		}
	case role == fundflow.RoleAdmin:
		holders(role)
	case a.Audience == CertifiersAudience:
		for _, u := range st.CertifiersOn(a.OrgCode, on) {
			user(u, fundflow.RoleApplicant)
		}
	}
	return out
}
