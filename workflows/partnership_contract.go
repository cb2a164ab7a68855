package workflows

import (
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/partner"
)

// Updates of a partnership bid: its partner organisations, its
// co-applicants, and its certifier's sign-off. Refusals are as for the
// application's other Updates.
const (
	// UpdateSetPartners (SetPartnersRequest) replaces the bid's partner
	// organisations, by the lead organisation or a co-applicant with the
	// edit right and no sections assigned, while the answers may change.
	UpdateSetPartners = "set_partners"
	// UpdateInviteCoApplicant (InviteCoApplicantRequest), by the lead
	// organisation, invites a person by email with a right.
	UpdateInviteCoApplicant = "invite_co_applicant"
	// UpdateChangeCoApplicant (ChangeCoApplicantRequest), by the lead
	// organisation, changes a co-applicant's right or sections, or removes
	// them.
	UpdateChangeCoApplicant = "change_co_applicant"
	// UpdateAcceptInvitation (AcceptInvitationRequest), by the person
	// invited, before the invitation expires.
	UpdateAcceptInvitation = "accept_invitation"
	// UpdateAddComment (AddCommentRequest), by anyone on the bid's team
	// with at least the comment right.
	UpdateAddComment = "add_comment"
	// UpdateSignOff (SignOffRequest), by a certifier of the organisation
	// who did not submit the bid, while it awaits sign-off: it then counts
	// as submitted, unless the fund has closed.
	UpdateSignOff = "sign_off"
	// UpdateSendBack (SendBackRequest), by a certifier, returns the bid
	// to draft with reasons.
	UpdateSendBack = "send_back"
)

// SetPartnersRequest is the whole list of partners, each checked by the
// API against the registry; the workflow checks the totals and keeps each
// partner's id, giving new ones the next.
type SetPartnersRequest struct {
	Command
	Partners []partner.Partner `json:"partners"`
}

// InviteCoApplicantRequest invites a person. InviterEmail is the inviting
// user's email, from the directory, for a fund that admits only the lead's
// own domain.
type InviteCoApplicantRequest struct {
	Command
	Email        string            `json:"email"`
	Name         string            `json:"name"`
	Right        application.Right `json:"right"`
	Sections     []string          `json:"sections,omitempty"`
	InviterEmail string            `json:"inviter_email,omitempty"`
}

// ChangeCoApplicantRequest changes a co-applicant, or removes them.
type ChangeCoApplicantRequest struct {
	Command
	MemberID string            `json:"member_id"`
	Right    application.Right `json:"right,omitempty"`
	Sections []string          `json:"sections,omitempty"`
	Remove   bool              `json:"remove,omitempty"`
}

// AcceptInvitationRequest accepts the caller's own invitation.
type AcceptInvitationRequest struct {
	Command
}

// AddCommentRequest is a note for the bid's team, on a section or on the
// whole bid.
type AddCommentRequest struct {
	Command
	Section string `json:"section,omitempty"`
	Text    string `json:"text"`
}

// SignOffRequest is a certifier's sign-off of exactly the answers whose
// SHA-256 they were shown, making the fund's declaration.
type SignOffRequest struct {
	Command
	AnswersSHA256 string `json:"answers_sha256"`
	Declare       bool   `json:"declare"`
}

// SendBackRequest returns the bid to its team.
type SendBackRequest struct {
	Command
	Reason string `json:"reason"`
}

// SignOffStatus is where a bid's sign-off stands.
type SignOffStatus string

const (
	SignOffNotRequired SignOffStatus = "not_required"
	// SignOffNotRequested: a draft not yet sent for sign-off.
	SignOffNotRequested SignOffStatus = "not_requested"
	SignOffAwaiting     SignOffStatus = "awaiting"
	SignOffSignedOff    SignOffStatus = "signed_off"
	// SignOffTooLate: the fund closed before a certifier signed it off.
	SignOffTooLate SignOffStatus = "too_late"
)

// SignOffView is a bid's sign-off as pages show it: whether the fund
// requires one, the declaration, who may give it, what the answers hash
// to now, and every sign-off and send-back so far, oldest first.
type SignOffView struct {
	Status      SignOffStatus `json:"status"`
	Required    bool          `json:"required"`
	Declaration string        `json:"declaration,omitempty"`
	// Deadline is when the fund closes: a sign-off after it is too late.
	Deadline      time.Time                  `json:"deadline,omitzero"`
	RequestedBy   *fundflow.Actor            `json:"requested_by,omitempty"`
	RequestedAt   time.Time                  `json:"requested_at,omitzero"`
	Certifiers    []activities.CertifierInfo `json:"certifiers"`
	AnswersSHA256 string                     `json:"answers_sha256"`
	// Current is the sign-off that stands, if any.
	Current   *application.SignOff   `json:"current,omitempty"`
	History   []application.SignOff  `json:"history"`
	SentBack  []application.SendBack `json:"sent_back"`
	Reminders []time.Time            `json:"reminders,omitempty"`
}

// CoApplicant is a team member as the view shows them.
type CoApplicant struct {
	application.Member
	Status application.MemberStatus `json:"status"`
}

// Admitted reports whether c may open the application: invited and not
// yet expired, or joined.
func (c CoApplicant) Admitted() bool {
	return c.Status == application.MemberInvited || c.Status == application.MemberActive
}

// signOffState is what the workflow keeps of a bid's sign-off.
type signOffState struct {
	RequestedBy fundflow.Actor `json:"requested_by"`
	RequestedAt time.Time      `json:"requested_at"`
	// Certifiers are the organisation's certifiers when sign-off was last
	// asked for or a reminder went, who are those who may sign.
	Certifiers []activities.CertifierInfo `json:"certifiers"`
	History    []application.SignOff      `json:"history,omitempty"`
	SentBack   []application.SendBack     `json:"sent_back,omitempty"`
	// Reminders are when the reminders fall due; Reminded how many went.
	Reminders []time.Time `json:"reminders,omitempty"`
	Reminded  int         `json:"reminded,omitempty"`
	// TooLate is set when the fund closed with the bid unsigned.
	TooLate bool `json:"too_late,omitempty"`
}
