package workflows

import (
	"encoding/json"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
)

// Updates a fund workflow accepts. Each takes one request whose Command
// says who is acting and under which idempotency key; refusals come back as
// Temporal application errors that temporalerr.Decode turns into a
// *fundflow.Error with its code.
const (
	// Lifecycle, admin only. Each takes a LifecycleRequest and returns the
	// FundView after the change.
	UpdateOpen   = "open"   // draft → open; refused once closes_at has passed
	UpdateClose  = "close"  // open → closed, before closes_at
	UpdateFinish = "finish" // closed → finished; nothing may be reserved or committed
	// UpdateAmend replaces the definition (AmendRequest → FundView): any
	// change in draft; once open only name, description and closes_at, and
	// moving closes_at re-arms the close timer.
	UpdateAmend = "amend"
	// UpdatePublishForm sets the application form new drafts use
	// (PublishFormRequest → FormView): a draft fund's form is replaced in
	// place; an open fund's only by publishing the next version, which
	// drafts already started never see.
	UpdatePublishForm = "publish_form"
	// UpdatePublishTerms sets the grant agreement offers are made on
	// (PublishTermsRequest → TermsView), as UpdatePublishForm sets the
	// form: a draft fund's terms are replaced in place, an open fund's only
	// by publishing the next version, and an offer already made keeps the
	// version it pinned.
	UpdatePublishTerms = "publish_terms"

	// Credit. Each returns a LedgerResult; retrying a key returns the
	// original entry.
	UpdateReserve  = "reserve"  // ReserveRequest
	UpdateCommit   = "commit"   // CommitRequest
	UpdateRelease  = "release"  // ReleaseRequest; frees credit and promotes from the waitlist
	UpdateDrawdown = "drawdown" // DrawdownRequest
	// Variations of an accepted award, one change request at a time:
	// reserve credit for an increase, then commit or release it when the
	// change is decided; reduce_award hands committed credit back.
	UpdateReserveVariation = "reserve_variation" // ReserveVariationRequest
	UpdateCommitVariation  = "commit_variation"  // CommitVariationRequest
	UpdateReleaseVariation = "release_variation" // ReleaseVariationRequest
	UpdateReduceAward      = "reduce_award"      // ReduceAwardRequest; promotes from the waitlist when asked

	UpdateWaitlistJoin  = "waitlist_join"  // WaitlistJoinRequest → WaitlistResult
	UpdateWaitlistLeave = "waitlist_leave" // WaitlistLeaveRequest → WaitlistResult

	// UpdateRegisterSubmission takes a RegisterSubmissionRequest and returns
	// a RegisterSubmissionResult; refused invalid_state unless the fund is
	// open and inside its window.
	UpdateRegisterSubmission = "register_submission"
	UpdateRetireSubmission   = "retire_submission" // RetireSubmissionRequest → nothing

	// UpdateAssignReference takes an AssignReferenceRequest and returns an
	// AssignReferenceResult: the fund's next reference, in any status. The
	// fund numbers its applications because only its single writer can
	// promise that no number is given twice.
	UpdateAssignReference = "assign_reference"

	// Reviewers. The fund assigns them because spreading work fairly needs
	// every application's assignments at once.
	//
	// UpdateAssignReviewers takes an AssignReviewersRequest and returns an
	// AssignReviewersResult: the least-loaded reviewers in the pool who are
	// neither excluded nor conflicted with the organisation. Fewer than
	// asked for is refused invalid_state, and nothing is assigned.
	UpdateAssignReviewers = "assign_reviewers"
	// UpdateReviewerConflict takes a ReviewerConflictRequest → nothing: the
	// reviewer is never assigned to the organisation's applications again.
	UpdateReviewerConflict = "declare_conflict"
	// UpdateReleaseReviewers takes a ReleaseReviewersRequest → nothing: the
	// application's assessment is over, so its assignments stop counting
	// towards its reviewers' load.
	UpdateReleaseReviewers = "release_reviewers"
)

// Queries a fund workflow answers.
const (
	QueryFund   = "fund"   // no argument → FundView
	QueryLedger = "ledger" // LedgerQuery → LedgerPage
	// QueryReviewerAssignments takes a reviewer id and returns the ids of
	// the applications they have live assignments to, in id order.
	QueryReviewerAssignments = "reviewer_assignments"
	// QueryForm takes a form version (0 for the current one) and returns
	// the FormView; not_found for a version the fund never had.
	QueryForm = "form"
	// QueryTerms takes a terms version (0 for the current one) and returns
	// the TermsView; not_found for a version the fund never had, and for
	// any version of a fund without terms.
	QueryTerms = "terms"
)

// Updates a fund sends to application workflows, which must handle them.
// A handler that refuses (its validator returns a *fundflow.Error, through
// temporalerr.Encode) tells the fund the application is not waiting.
const (
	// UpdateCreditReserved takes a CreditReservedRequest: the fund has
	// promoted the application from its waitlist and reserved its credit.
	// Refusing it makes the fund release the credit and promote the next.
	UpdateCreditReserved = "credit_reserved"
	// UpdateFundFinished takes a FundFinishedRequest: the fund finished
	// while the application was waitlisted.
	UpdateFundFinished = "fund_finished"
)

// The arguments of the Updates above live in package activities, which
// sends them; these names let application workflows use them without
// knowing that.
type (
	CreditReservedRequest = activities.CreditReserved
	FundFinishedRequest   = activities.FundFinished
)

// Command is what every fund Update carries besides its own arguments.
type Command struct {
	// Key makes the Update idempotent: the same key with the same
	// arguments returns the original result without changing anything
	// again; with different arguments it is refused idempotency_key_reused.
	// Callers should also use it as the Temporal Update ID.
	Key   string         `json:"key"`
	Actor fundflow.Actor `json:"actor"`
}

// LifecycleRequest opens, closes or finishes a fund.
type LifecycleRequest struct {
	Command
	Reason string `json:"reason,omitempty"`
}

// AmendRequest replaces a fund's definition. Defaults are applied before it
// is validated.
type AmendRequest struct {
	Command
	Definition fund.Definition `json:"definition"`
}

// PublishFormRequest sets the fund's application form; its Version is the
// fund's to set, so any given is ignored.
type PublishFormRequest struct {
	Command
	Form form.Form `json:"form"`
}

// FormView is one version of a fund's application form.
type FormView struct {
	FundID  string    `json:"fund_id"`
	Version int       `json:"version"`
	Form    form.Form `json:"form"`
}

// PublishTermsRequest sets the fund's terms; their Version is the fund's to
// set, so any given is ignored.
type PublishTermsRequest struct {
	Command
	Terms fund.Terms `json:"terms"`
}

// TermsView is one version of a fund's terms.
type TermsView struct {
	Version int        `json:"version"`
	Terms   fund.Terms `json:"terms"`
}

// ReserveRequest earmarks credit for an approved application.
type ReserveRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	AmountPence   int64  `json:"amount_pence"`
}

// CommitRequest commits an application's reservation when it accepts.
type CommitRequest struct {
	Command
	ApplicationID string `json:"application_id"`
}

// ReleaseRequest hands back an application's undrawn credit.
type ReleaseRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	Reason        string `json:"reason"`
}

// DrawdownRequest draws credit for a verified milestone.
type DrawdownRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	MilestoneID   string `json:"milestone_id"`
	AmountPence   int64  `json:"amount_pence"`
}

// ReserveVariationRequest earmarks credit for change request ChangeID,
// which would increase an accepted award by AmountPence.
type ReserveVariationRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	ChangeID      string `json:"change_id"`
	AmountPence   int64  `json:"amount_pence"`
}

// CommitVariationRequest adds the credit reserved for an approved change to
// the award.
type CommitVariationRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	ChangeID      string `json:"change_id"`
}

// ReleaseVariationRequest hands back the credit reserved for a change that
// was refused or withdrawn.
type ReleaseVariationRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	ChangeID      string `json:"change_id"`
	Reason        string `json:"reason"`
}

// ReduceAwardRequest hands back AmountPence of an award's committed credit
// when an approved change decreases it. Promote offers the credit to the
// waitlist, as a release does; the fund's variation rules say whether to.
type ReduceAwardRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	ChangeID      string `json:"change_id"`
	AmountPence   int64  `json:"amount_pence"`
	Reason        string `json:"reason"`
	Promote       bool   `json:"promote,omitempty"`
}

// WaitlistJoinRequest puts an approved application that cannot be funded
// now on the waitlist. Higher rank scores are promoted first.
type WaitlistJoinRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	AmountPence   int64  `json:"amount_pence"`
	RankScore     int    `json:"rank_score"`
}

// WaitlistLeaveRequest takes an application off the waitlist; leaving when
// not on it is not an error.
type WaitlistLeaveRequest struct {
	Command
	ApplicationID string `json:"application_id"`
}

// RegisterSubmissionRequest records a submitted application.
type RegisterSubmissionRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	OrgCode       string `json:"org_code"`
}

// AssignReferenceRequest asks for an application's reference. A retry
// under the same key gets the first answer.
type AssignReferenceRequest struct {
	Command
	ApplicationID string `json:"application_id"`
}

// AssignReferenceResult is the reference given.
type AssignReferenceResult struct {
	Reference string `json:"reference"`
}

// AssignReviewersRequest asks for N reviewers for an application, chosen
// from Pool but never from Exclude (those already on its panel, say).
type AssignReviewersRequest struct {
	Command
	ApplicationID string                 `json:"application_id"`
	OrgCode       string                 `json:"org_code"`
	N             int                    `json:"n"`
	Pool          []application.Reviewer `json:"pool"`
	Exclude       []string               `json:"exclude,omitempty"`
}

// AssignReviewersResult is who was assigned, least loaded first.
type AssignReviewersResult struct {
	Reviewers []application.Reviewer `json:"reviewers"`
}

// ReviewerConflictRequest records a reviewer's conflict of interest with an
// organisation, declared on one of its applications, and ends the
// reviewer's assignment to that application.
type ReviewerConflictRequest struct {
	Command
	ApplicationID string `json:"application_id"`
	ReviewerID    string `json:"reviewer_id"`
	OrgCode       string `json:"org_code"`
}

// ReleaseReviewersRequest ends an application's reviewer assignments.
type ReleaseReviewersRequest struct {
	Command
	ApplicationID string `json:"application_id"`
}

// RetireSubmissionRequest records that an application is no longer live.
type RetireSubmissionRequest struct {
	Command
	ApplicationID string `json:"application_id"`
}

// FundView is a fund as the API shows it.
type FundView struct {
	Definition fund.Definition `json:"definition"`
	// Status is derived for closed funds; see fund.Status.
	Status   fund.Status          `json:"status"`
	Budget   fund.Balances        `json:"budget"`
	Awards   Awards               `json:"awards"`
	Waitlist []fund.WaitlistEntry `json:"waitlist"`
	History  []StatusChange       `json:"history"`
}

// Awards counts the fund's awards against its limit.
type Awards struct {
	Count int `json:"count"`
	Max   int `json:"max"`
}

// StatusChange records who moved a fund between stored statuses, and why.
type StatusChange struct {
	At     time.Time      `json:"at"`
	From   fund.Status    `json:"from"`
	To     fund.Status    `json:"to"`
	Actor  fundflow.Actor `json:"actor"`
	Reason string         `json:"reason,omitempty"`
}

// LedgerResult is the statement entry a credit Update wrote (or, on a
// retry, wrote the first time) and the balances now.
type LedgerResult struct {
	Entry  fund.Entry    `json:"entry"`
	Budget fund.Balances `json:"budget"`
}

// WaitlistResult is an application's 1-based waitlist position, 0 when it
// is not waiting.
type WaitlistResult struct {
	Position int `json:"position"`
}

// RegisterSubmissionResult lists live applications from the same
// organisation registered before this one, oldest first. Any entry means
// this application breaks "one live application per organisation".
type RegisterSubmissionResult struct {
	EarlierLiveApplications []string `json:"earlier_live_applications"`
	// Definition is the fund's definition now, so the application judges
	// its eligibility by the terms in force (an open fund's closes_at may
	// have moved since the application was created).
	Definition fund.Definition `json:"definition"`
}

// LedgerQuery pages through the statement: entries with seq above AfterSeq,
// at most Limit of them (all when Limit ≤ 0).
type LedgerQuery struct {
	AfterSeq int64 `json:"after_seq"`
	Limit    int   `json:"limit"`
}

// LedgerPage is one page of the statement. NextAfterSeq is the AfterSeq for
// the next page, or 0 at the end.
type LedgerPage struct {
	Entries      []fund.Entry `json:"entries"`
	NextAfterSeq int64        `json:"next_after_seq"`
}

// FundWorkflowInput starts a fund, and carries its whole state across
// Continue-As-New. To create a fund, give only Definition (and Status open
// to seed one already open).
type FundWorkflowInput struct {
	Definition fund.Definition `json:"definition"`
	// Status is the stored status; empty means draft.
	Status fund.Status `json:"status,omitempty"`
	// Ledger is nil for a new fund.
	Ledger  *fund.Ledger   `json:"ledger,omitempty"`
	History []StatusChange `json:"history,omitempty"`
	// Processed remembers recent idempotency keys of Updates that write no
	// statement entry; see maxProcessed.
	Processed []ProcessedKey `json:"processed,omitempty"`
	// Outbox holds notices to applications not yet delivered.
	Outbox []Notice `json:"outbox,omitempty"`
	// Reviewing is the reviewers' live assignments and declared conflicts.
	Reviewing fund.Reviewing `json:"reviewing,omitzero"`
	// PastForms are the form versions published before the definition's
	// current one, oldest first, kept because applications started on
	// them are judged by them for good.
	PastForms []form.Form `json:"past_forms,omitempty"`
	// PastTerms are the terms versions published before the definition's
	// current one, oldest first, kept because offers made on them are
	// signed on them for good.
	PastTerms []fund.Terms `json:"past_terms,omitempty"`
	// References counts the references given, the last one's number; a
	// number is never given again.
	References int64 `json:"references,omitempty"`
}

// ProcessedKey is an idempotency key and a digest of the request it came
// with, so a retry is told from a reuse.
type ProcessedKey struct {
	Key    string `json:"key"`
	Digest string `json:"digest"`
	// Result is the Update's result, kept for Updates whose retries must
	// get the original answer rather than one read off the current state.
	Result json.RawMessage `json:"result,omitempty"`
}

// Notice is an Update the fund owes an application workflow.
type Notice struct {
	Update        string `json:"update"` // UpdateCreditReserved or UpdateFundFinished
	ApplicationID string `json:"application_id"`
	AmountPence   int64  `json:"amount_pence,omitempty"`
	// EntrySeq is the promotion's reserve entry, so a refusal releases that
	// reservation and not a later one.
	EntrySeq int64 `json:"entry_seq,omitempty"`
}
