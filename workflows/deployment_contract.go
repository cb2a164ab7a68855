package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/letters"
)

// Updates for the offer and the funded deployment. Like the others they take
// a request embedding Command, return an Outcome, and are idempotent by key.
const (
	// Applicant.
	//
	// UpdateAcceptOffer (AcceptOfferRequest) commits the reserved credit
	// in the fund and starts the deployment: status accepted, then at once
	// in_deployment with the fund's milestones due from now.
	UpdateAcceptOffer = "accept_offer"
	// UpdateDeclineOffer (DeclineOfferRequest) releases the credit, which
	// the fund offers to the head of its waitlist: status declined.
	UpdateDeclineOffer = "decline_offer"
	// UpdateSubmitEvidence (SubmitEvidenceRequest) reports a milestone done,
	// for a programme manager to verify.
	UpdateSubmitEvidence = "submit_evidence"
	// UpdateRequestExtension (RequestExtensionRequest) asks to move a
	// milestone's due date; one request per milestone is open at a time.
	UpdateRequestExtension = "request_extension"

	// Programme manager.
	//
	// UpdateVerifyMilestone (VerifyMilestoneRequest): verify draws the
	// milestone's share down in the fund's ledger, and the last one
	// completes the award; return sends the evidence back to the applicant.
	UpdateVerifyMilestone = "verify_milestone"
	// UpdateDecideExtension (DecideExtensionRequest) approves (moving the
	// due date and its reminder) or refuses the open extension request.
	UpdateDecideExtension = "decide_extension"
	// UpdateTerminate (TerminateRequest) ends a deployment early, releasing
	// whatever credit has not been drawn: status terminated.
	UpdateTerminate = "terminate"
)

// AcceptOfferRequest accepts the offer; the signatory is who signs for the
// organisation, normally its senior responsible officer.
//
// On a fund with terms, accepting is signing the grant agreement: the
// signatory types their full name, confirms the declaration, and names the
// terms they read by their SHA-256, so terms that changed under them are
// refused rather than signed unread. A certifier's role is their capacity.
type AcceptOfferRequest struct {
	Command
	SignatoryName string `json:"signatory_name"`
	SignatoryRole string `json:"signatory_role"`
	TermsSHA256   string `json:"terms_sha256,omitempty"`
	Declare       bool   `json:"declare,omitempty"`
}

// DeclineOfferRequest declines the offer.
type DeclineOfferRequest struct {
	Command
	Reason string `json:"reason"`
}

// SubmitEvidenceRequest is a milestone's evidence. Metrics are whole
// numbers (people onboarded, appointments), so no float reaches the state.
// Outcomes are the figures for the fund's measures this milestone requires,
// per route, checked against the fund's definitions; their decimals are
// exact thousandths.
type SubmitEvidenceRequest struct {
	Command
	MilestoneID string           `json:"milestone_id"`
	Summary     string           `json:"summary"`
	Metrics     map[string]int64 `json:"metrics,omitempty"`
	Outcomes    []fund.Figure    `json:"outcomes,omitempty"`
	Links       []string         `json:"links,omitempty"`
	// Documents are attached documents' ids; they must include every
	// kind the milestone requires.
	Documents []string `json:"documents,omitempty"`
}

// MilestoneDecision is a programme manager's verdict on evidence.
type MilestoneDecision string

const (
	MilestoneVerify MilestoneDecision = "verify"
	MilestoneReturn MilestoneDecision = "return"
)

// VerifyMilestoneRequest verifies or returns a milestone's evidence; a
// return needs a note saying what is missing.
type VerifyMilestoneRequest struct {
	Command
	MilestoneID string            `json:"milestone_id"`
	Decision    MilestoneDecision `json:"decision"`
	Note        string            `json:"note,omitempty"`
}

// RequestExtensionRequest asks for a later due date.
type RequestExtensionRequest struct {
	Command
	MilestoneID string    `json:"milestone_id"`
	NewDueAt    time.Time `json:"new_due_at"`
	Reason      string    `json:"reason"`
}

// DecideExtensionRequest decides the open extension request.
type DecideExtensionRequest struct {
	Command
	MilestoneID string `json:"milestone_id"`
	Approve     bool   `json:"approve"`
	Note        string `json:"note,omitempty"`
}

// TerminateRequest ends a deployment early.
type TerminateRequest struct {
	Command
	Reason string `json:"reason"`
}

// MilestoneStatus is where a milestone is. Overdue is not stored: it is
// pending or returned with its overdue timer fired, and the view says so.
type MilestoneStatus string

const (
	MilestonePending   MilestoneStatus = "pending"
	MilestoneSubmitted MilestoneStatus = "submitted"
	MilestoneVerified  MilestoneStatus = "verified"
	MilestoneReturned  MilestoneStatus = "returned"
	MilestoneOverdue   MilestoneStatus = "overdue"
)

// Milestone is one step of the award's deployment, made from the fund's
// template at acceptance.
type Milestone struct {
	ID               string   `json:"id"`
	Title            string   `json:"title"`
	EvidenceRequired []string `json:"evidence_required,omitempty"`
	// DocumentsRequired are the kinds of document evidence must include,
	// copied from the fund's template at acceptance.
	DocumentsRequired []document.Requirement `json:"documents_required,omitempty"`
	DueAt             time.Time              `json:"due_at"`
	// ReminderAt is the fund's reminder_before ahead of DueAt.
	ReminderAt    time.Time       `json:"reminder_at"`
	DrawdownPence int64           `json:"drawdown_pence"`
	Status        MilestoneStatus `json:"status"`
	// Reminded and Overdue record that those timers fired for the current
	// DueAt; an approved extension clears them.
	Reminded   bool            `json:"reminded,omitempty"`
	Overdue    bool            `json:"overdue,omitempty"`
	Evidence   *Evidence       `json:"evidence,omitempty"`
	Reviews    []Review        `json:"reviews,omitempty"`
	Extensions []Extension     `json:"extensions,omitempty"`
	VerifiedAt time.Time       `json:"verified_at,omitzero"`
	DrawnPence int64           `json:"drawn_pence,omitempty"`
	VerifiedBy *fundflow.Actor `json:"verified_by,omitempty"`
	// OutcomesRequired is only in the view: the measures and routes this
	// milestone's evidence must report, so a form asks for exactly those.
	OutcomesRequired []fund.MeasureRoute `json:"outcomes_required,omitempty"`
}

// Evidence is what the applicant reported, the latest submission.
type Evidence struct {
	Summary  string           `json:"summary"`
	Metrics  map[string]int64 `json:"metrics,omitempty"`
	Outcomes []fund.Figure    `json:"outcomes,omitempty"`
	Links    []string         `json:"links,omitempty"`
	// Documents are the ids of the documents submitted as evidence.
	Documents []string       `json:"documents,omitempty"`
	By        fundflow.Actor `json:"by"`
	At        time.Time      `json:"at"`
}

// Review is a programme manager's verdict on evidence.
type Review struct {
	Decision MilestoneDecision `json:"decision"`
	Note     string            `json:"note,omitempty"`
	By       fundflow.Actor    `json:"by"`
	At       time.Time         `json:"at"`
}

// Extension is a request to move a due date, and its decision once made.
type Extension struct {
	FromDueAt   time.Time      `json:"from_due_at"`
	NewDueAt    time.Time      `json:"new_due_at"`
	Reason      string         `json:"reason"`
	RequestedBy fundflow.Actor `json:"requested_by"`
	RequestedAt time.Time      `json:"requested_at"`
	// Approved is nil while the request is open.
	Approved  *bool           `json:"approved,omitempty"`
	Note      string          `json:"note,omitempty"`
	DecidedBy *fundflow.Actor `json:"decided_by,omitempty"`
	DecidedAt time.Time       `json:"decided_at,omitzero"`
}

// Acceptance records who accepted an offer and for whom.
type Acceptance struct {
	SignatoryName string         `json:"signatory_name"`
	SignatoryRole string         `json:"signatory_role"`
	By            fundflow.Actor `json:"by"`
	At            time.Time      `json:"at"`
}

// Ending records why an offer or award ended early: declined, expired or
// terminated.
type Ending struct {
	Status string         `json:"status"`
	Reason string         `json:"reason"`
	By     fundflow.Actor `json:"by"`
	At     time.Time      `json:"at"`
}

// NextMilestone is the earliest-due milestone not yet verified.
type NextMilestone = application.NextMilestone

// RAG is a deployment's red/amber/green rating.
type RAG string

const (
	RAGGreen RAG = "green"
	RAGAmber RAG = "amber"
	RAGRed   RAG = "red"
)

// letterCodes are the kind codes in letter references, as letters print
// them.
var letterCodes = []struct {
	kind letters.Kind
	code string
}{
	{letters.KindOffer, "OFR"}, {letters.KindRejection, "REJ"}, {letters.KindIneligible, "INE"},
	{letters.KindWaitlist, "WTL"}, {letters.KindCompletion, "CMP"},
	{letters.KindVariation, "VAR"}, {letters.KindAgreement, "AGR"},
}

func letterCode(kind letters.Kind) string {
	for _, c := range letterCodes {
		if c.kind == kind {
			return c.code
		}
	}
	return strings.ToUpper(string(kind))
}

// LetterRef is a letter's reference, <application reference>-<KIND>-<revision>
// (PIF-0007-OFR-1), or FF-<application id>-<KIND>-<revision> for an
// application with no reference. It names the application so the API can
// find the letter's record (and apply the application's access rule) from
// the reference alone.
func LetterRef(reference, applicationID string, kind letters.Kind, revision int) string {
	if reference == "" {
		return fmt.Sprintf("FF-%s-%s-%d", applicationID, letterCode(kind), revision)
	}
	return fmt.Sprintf("%s-%s-%d", reference, letterCode(kind), revision)
}

// ParseLetterRef reads a reference LetterRef wrote, naming the application
// by its reference or, for FF- references, its id. Application ids may hold
// hyphens, so the kind and revision are read from the right.
func ParseLetterRef(ref string) (app string, kind letters.Kind, revision int, ok bool) {
	rest, old := strings.CutPrefix(ref, "FF-")
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return "", "", 0, false
	}
	revision, err := strconv.Atoi(rest[i+1:])
	if err != nil || revision < 1 || strconv.Itoa(revision) != rest[i+1:] {
		return "", "", 0, false
	}
	rest = rest[:i]
	j := strings.LastIndexByte(rest, '-')
	if j <= 0 {
		return "", "", 0, false
	}
	code := rest[j+1:]
	if !old && !application.IsReference(rest[:j]) {
		return "", "", 0, false
	}
	for _, c := range letterCodes {
		if c.code == code {
			return rest[:j], c.kind, revision, true
		}
	}
	return "", "", 0, false
}
