package workflows

import (
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/partner"
)

// Updates for an award's life after acceptance: change requests and
// monitoring returns. Like the others they take a request embedding
// Command, return an Outcome, and are idempotent by key.
const (
	// UpdateRequestChange (RequestChangeRequest), by the lead: asks to vary
	// the award. An increase reserves the extra credit in the fund first;
	// the request's decisions then run in its own workflow,
	// ChangeRequestWorkflowID. One request per award is open at a time.
	UpdateRequestChange = "request_change"
	// UpdateDecideChange (DecideChangeRequest), by the programme manager
	// and then, where the fund's rules ask, the panel chair: the last
	// approval changes the award, a refusal ends the request.
	UpdateDecideChange = "decide_change"
	// UpdateWithdrawChange (WithdrawChangeRequest), by the lead.
	UpdateWithdrawChange = "withdraw_change"
	// UpdateChangeReminder is sent by a change request's own workflow when
	// its decision is late; people cannot send it.
	UpdateChangeReminder = "change_reminder"

	// UpdateSubmitReturn (SubmitReturnRequest), by the lead: a monitoring
	// return's answers and outcome figures.
	UpdateSubmitReturn = "submit_return"
	// UpdateSignOffReturn (SignOffReturnRequest), by the organisation's
	// certifier, where the fund asks for it.
	UpdateSignOffReturn = "sign_off_return"
	// UpdateReviewReturn (ReviewReturnRequest), by the programme manager:
	// accept, or send back with a note.
	UpdateReviewReturn = "review_return"
)

// MilestoneChange proposes a milestone's new due date, drawdown, or both;
// a zero field keeps what the milestone has.
type MilestoneChange struct {
	ID            string    `json:"id"`
	DueAt         time.Time `json:"due_at,omitzero"`
	DrawdownPence *int64    `json:"drawdown_pence,omitempty"`
}

// RequestChangeRequest is a change request. Every field but Reason is
// optional, and at least one must change something: milestones' dates and
// drawdowns, the award's total (which the drawdowns must then add up to),
// the partners (the whole new list) and the SRO.
type RequestChangeRequest struct {
	Command
	Reason     string             `json:"reason"`
	Milestones []MilestoneChange  `json:"milestones,omitempty"`
	AwardPence int64              `json:"award_pence,omitempty"`
	Partners   *[]partner.Partner `json:"partners,omitempty"`
	SRO        *application.SRO   `json:"sro,omitempty"`
	// Documents are attached documents' ids supporting the request.
	Documents []string `json:"documents,omitempty"`
}

// DecideChangeRequest approves or refuses the open change request.
type DecideChangeRequest struct {
	Command
	ChangeID string `json:"change_id"`
	Approve  bool   `json:"approve"`
	Note     string `json:"note,omitempty"`
}

// WithdrawChangeRequest withdraws the open change request.
type WithdrawChangeRequest struct {
	Command
	ChangeID string `json:"change_id"`
	Reason   string `json:"reason,omitempty"`
}

// ChangeReminderRequest is the change workflow saying a decision is late.
type ChangeReminderRequest struct {
	Command
	ChangeID string `json:"change_id"`
}

// ChangeStatus is where a change request is.
type ChangeStatus string

const (
	ChangeOpen      ChangeStatus = "open"
	ChangeApproved  ChangeStatus = "approved"
	ChangeRefused   ChangeStatus = "refused"
	ChangeWithdrawn ChangeStatus = "withdrawn"
	// ChangeCancelled is a request the award ended under.
	ChangeCancelled ChangeStatus = "cancelled"
)

// ChangeRequest is one request to vary the award, as the award keeps it.
type ChangeRequest struct {
	ID     string       `json:"id"`
	Status ChangeStatus `json:"status"`
	Reason string       `json:"reason"`
	// Proposed is what was asked for; Lines what it changes, before and
	// after, as people read it.
	Milestones []MilestoneChange  `json:"milestones,omitempty"`
	AwardPence int64              `json:"award_pence"`
	Partners   *[]partner.Partner `json:"partners,omitempty"`
	SRO        *application.SRO   `json:"sro,omitempty"`
	Documents  []string           `json:"documents,omitempty"`
	Lines      []ChangeLine       `json:"lines"`
	// AwardBeforePence is the award when the request was made; the
	// difference is reserved in the fund for an increase.
	AwardBeforePence int64 `json:"award_before_pence"`
	// Approvers are the roles that must approve, in order.
	Approvers   []fundflow.Role  `json:"approvers"`
	Decisions   []ChangeDecision `json:"decisions"`
	RequestedBy fundflow.Actor   `json:"requested_by"`
	RequestedAt time.Time        `json:"requested_at"`
	ClosedAt    time.Time        `json:"closed_at,omitzero"`
	// Reminded says the change workflow found the decision late.
	Reminded bool `json:"reminded,omitempty"`
	// Letter is the variation letter's reference, once approved.
	Letter string `json:"letter,omitempty"`
}

// ChangeLine is one thing a change request changes.
type ChangeLine struct {
	What   string `json:"what"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// ChangeDecision is one approver's decision, or the lead's withdrawal.
type ChangeDecision struct {
	Role    fundflow.Role  `json:"role"`
	Approve bool           `json:"approve"`
	Note    string         `json:"note,omitempty"`
	By      fundflow.Actor `json:"by"`
	At      time.Time      `json:"at"`
}

// ReturnStatus is where a monitoring return is. Overdue is not stored: it
// is a return not yet in whose overdue timer fired, and the view says so.
type ReturnStatus string

const (
	ReturnUpcoming        ReturnStatus = "upcoming"
	ReturnOpen            ReturnStatus = "open"
	ReturnAwaitingSignOff ReturnStatus = "awaiting_sign_off"
	ReturnSubmitted       ReturnStatus = "submitted"
	ReturnAccepted        ReturnStatus = "accepted"
	ReturnSentBack        ReturnStatus = "sent_back"
	ReturnOverdue         ReturnStatus = "overdue"
)

// Return is one monitoring return of the award's schedule.
type Return struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	Final   bool      `json:"final,omitempty"`
	OpensAt time.Time `json:"opens_at"`
	DueAt   time.Time `json:"due_at"`
	// RemindAt are the fund's working-day reminders before DueAt;
	// Reminders counts those sent. EscalateAt is when an overdue return is
	// escalated to the programme manager.
	RemindAt   []time.Time       `json:"remind_at,omitempty"`
	Reminders  int               `json:"reminders,omitempty"`
	EscalateAt time.Time         `json:"escalate_at"`
	Overdue    bool              `json:"overdue,omitempty"`
	Escalated  bool              `json:"escalated,omitempty"`
	Status     ReturnStatus      `json:"status"`
	Submission *ReturnSubmission `json:"submission,omitempty"`
	SignedOff  *ReturnSignOff    `json:"signed_off,omitempty"`
	// Certifiers are who may sign the latest submission off: the
	// organisation's certifiers when it came in, less whoever sent it.
	Certifiers []activities.CertifierInfo `json:"certifiers,omitempty"`
	Reviews    []Review                   `json:"reviews,omitempty"`
	AcceptedAt time.Time                  `json:"accepted_at,omitzero"`
	// Questions, Measures and OutcomesRequired are only in the view: what
	// the return asks, down to the figures for each measure on each of the
	// award's routes, so a form asks for exactly those.
	Questions        *form.Form          `json:"questions,omitempty"`
	Measures         []string            `json:"measures,omitempty"`
	OutcomesRequired []fund.MeasureRoute `json:"outcomes_required,omitempty"`
}

// ReturnSubmission is the lead's latest answers to a return.
type ReturnSubmission struct {
	Answers  form.Answers   `json:"answers"`
	Outcomes []fund.Figure  `json:"outcomes,omitempty"`
	By       fundflow.Actor `json:"by"`
	At       time.Time      `json:"at"`
}

// ReturnSignOff is the certifier's sign-off of a return.
type ReturnSignOff struct {
	By fundflow.Actor `json:"by"`
	At time.Time      `json:"at"`
}

// SubmitReturnRequest is a return's answers and outcome figures.
type SubmitReturnRequest struct {
	Command
	ReturnID string        `json:"return_id"`
	Answers  form.Answers  `json:"answers"`
	Outcomes []fund.Figure `json:"outcomes,omitempty"`
}

// SignOffReturnRequest is the certifier's sign-off.
type SignOffReturnRequest struct {
	Command
	ReturnID string `json:"return_id"`
	Declare  bool   `json:"declare"`
}

// ReviewReturnRequest accepts a return or sends it back with a note.
type ReviewReturnRequest struct {
	Command
	ReturnID string            `json:"return_id"`
	Decision MilestoneDecision `json:"decision"`
	Note     string            `json:"note,omitempty"`
}

// Agreement is the signed grant agreement: what was signed, by whom, when,
// for which offer.
type Agreement struct {
	Terms       TermsPin       `json:"terms"`
	OfferRef    string         `json:"offer_ref"`
	SignedName  string         `json:"signed_name"`
	Capacity    string         `json:"capacity"`
	Declaration string         `json:"declaration"`
	By          fundflow.Actor `json:"by"`
	At          time.Time      `json:"at"`
	// Letter is the reference of the agreement as a PDF.
	Letter string `json:"letter"`
}

// TermsPin names one version of a fund's terms.
type TermsPin struct {
	Title   string `json:"title"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
}

// AgreementView is the agreement as the API shows it: the terms an offer
// was made on, to be read before signing, who may sign, and the signature
// once given.
type AgreementView struct {
	Terms       TermsPin            `json:"terms"`
	Sections    []fund.TermsSection `json:"sections"`
	Declaration string              `json:"declaration"`
	// Signatories are who may sign: the organisation's certifiers when
	// the offer was made, or, with none, its applicants.
	Signatories []string   `json:"signatories"`
	Signed      *Agreement `json:"signed,omitempty"`
}

// NextReturn is the earliest-due return the lead has still to send.
type NextReturn = application.NextReturn

// ChangeRequestWorkflowID is a change request's own workflow: it holds the
// request's decisions and their deadline.
func ChangeRequestWorkflowID(applicationID, changeID string) string {
	return "change:" + applicationID + ":" + changeID
}
