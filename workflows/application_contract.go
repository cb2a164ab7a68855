package workflows

import (
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/partner"
)

// Updates an application workflow accepts from people. Each takes a request
// embedding Command and returns an Outcome. Refusals come back as Temporal
// application errors that temporalerr.Decode turns into a
// *fundflow.Error: forbidden (the wrong role, an applicant of another
// organisation, a reviewer not assigned or with a conflict), invalid_state
// (not in this status), validation_failed (with every field problem) or
// idempotency_key_reused. Sending a key again with the same request returns
// the original Outcome and changes nothing.
const (
	// Applicant: role applicant, of the application's organisation.
	//
	// UpdateSaveDraft (SaveDraftRequest) merges a patch into a draft. The
	// API creates an application by Update-with-Start with it; see
	// StartApplicationOptions.
	UpdateSaveDraft = "save_draft"
	// UpdateEnsureReference (EnsureReferenceRequest) gives an application
	// from before references its reference; `fundflow reindex` sends it.
	// Newer applications get theirs under their first change.
	UpdateEnsureReference = "ensure_reference"
	// UpdateSubmit (SubmitRequest) validates the whole application,
	// registers it with the fund (refused invalid_state if the fund is not
	// taking submissions), runs the automatic eligibility checks and moves
	// to eligibility.
	UpdateSubmit = "submit"
	// UpdateWithdraw (WithdrawRequest) ends the application from any open
	// status, releasing reserved credit and leaving the waitlist.
	UpdateWithdraw    = "withdraw"
	UpdateAnswerQuery = "answer_query" // AnswerQueryRequest; resumes the stage

	// Reviewer.
	//
	// UpdateEligibilityDecision (EligibilityDecisionRequest) confirms or
	// overrides the automatic checks: fail ends the application
	// ineligible; pass moves it to assessment and assigns reviewers
	// (Outcome.Reviewers).
	UpdateEligibilityDecision = "eligibility_decision"
	// UpdateDeclareConflict (DeclareConflictRequest) records a conflict of
	// interest with the organisation, in eligibility or assessment. An
	// assigned reviewer is replaced (Outcome.Reviewers), and the fund
	// keeps them off the organisation's applications from then on.
	UpdateDeclareConflict = "declare_conflict"
	// UpdateSubmitAssessment (SubmitAssessmentRequest), by an assigned
	// reviewer; again to rescore while the stage is open. The last one
	// computes the weighted score and moves the application to panel.
	UpdateSubmitAssessment = "submit_assessment"

	// UpdateRaiseQuery (RaiseQueryRequest), by a reviewer or the panel
	// chair, asks the applicant a question (Outcome.QueryID) and pauses the
	// stage clock: status information_requested until it is answered or
	// its response deadline passes.
	UpdateRaiseQuery = "raise_query"

	// UpdatePanelDecision (PanelDecisionRequest), by the panel chair:
	// approve reserves the credit and makes an offer; if the fund has no
	// credit or award left it waitlists instead, which is not an error:
	// the Outcome says waitlisted and why.
	UpdatePanelDecision = "panel_decision"
)

// Queries an application workflow answers.
const (
	QueryApplication = "view"     // optional ViewQuery → ApplicationView
	QueryTimeline    = "timeline" // optional TimelineQuery → TimelinePage
)

// SaveDraftRequest changes a draft. The organisation is not in the patch:
// it is the workflow's, set from the applicant's token at creation.
// BaseVersion, when set, is the application's version the saver started
// from: a section someone else changed since is refused, not overwritten.
type SaveDraftRequest struct {
	Command
	Patch       application.Patch `json:"patch"`
	BaseVersion int64             `json:"base_version,omitempty"`
}

// SubmitRequest submits a draft.
type SubmitRequest struct {
	Command
}

// WithdrawRequest ends the application at the applicant's request.
type WithdrawRequest struct {
	Command
	Reason string `json:"reason"`
}

// AnswerQueryRequest answers an open query.
type AnswerQueryRequest struct {
	Command
	QueryID string `json:"query_id"`
	Answer  string `json:"answer"`
	// Documents are ids of documents attached to the application that
	// the answer refers to.
	Documents []string `json:"documents,omitempty"`
}

// EligibilityDecisionRequest is a reviewer's eligibility verdict, pass or
// fail, with the reason.
type EligibilityDecisionRequest struct {
	Command
	Decision application.Result `json:"decision"`
	Reason   string             `json:"reason"`
}

// DeclareConflictRequest is a reviewer's declaration about a conflict of
// interest with the organisation. Declaring none is recorded too.
type DeclareConflictRequest struct {
	Command
	HasConflict bool   `json:"has_conflict"`
	Note        string `json:"note,omitempty"`
}

// SubmitAssessmentRequest is a reviewer's scores; the reviewer is the actor.
// Feedback is for the applicant, InternalComment never is.
type SubmitAssessmentRequest struct {
	Command
	Scores          []application.Score `json:"scores"`
	Feedback        string              `json:"feedback"`
	InternalComment string              `json:"internal_comment,omitempty"`
}

// RaiseQueryRequest asks the applicant a question.
type RaiseQueryRequest struct {
	Command
	Question string `json:"question"`
	// RespondWithin counts its days as working days in the applicant's
	// nation; zero means the fund's query_response SLA.
	RespondWithin fund.Duration `json:"respond_within,omitzero"`
}

// PanelOutcome is what the panel decides.
type PanelOutcome string

const (
	OutcomeApprove  PanelOutcome = "approve"
	OutcomeWaitlist PanelOutcome = "waitlist"
	OutcomeReject   PanelOutcome = "reject"
)

// PanelDecisionRequest is the panel chair's decision. AmountPence is
// required to approve and defaults to the amount requested to waitlist; it
// may not exceed the amount requested or the fund's maximum award.
// Conditions go with an approval (or a waitlisting, for when credit frees
// up); Feedback is required to reject.
type PanelDecisionRequest struct {
	Command
	Outcome     PanelOutcome `json:"outcome"`
	AmountPence int64        `json:"amount_pence,omitempty"`
	Conditions  []string     `json:"conditions,omitempty"`
	Feedback    string       `json:"feedback,omitempty"`
}

// Outcome is what an Update did to the application.
type Outcome struct {
	Status  application.Status `json:"status"`
	Version int64              `json:"version"`
	// Reason explains an outcome the caller might not expect, such as an
	// approval that was waitlisted because the fund is full.
	Reason string `json:"reason,omitempty"`
	// QueryID and RespondBy are the query raise_query opened.
	QueryID   string    `json:"query_id,omitempty"`
	RespondBy time.Time `json:"respond_by,omitzero"`
	// Reviewers are those the Update assigned.
	Reviewers []application.Reviewer `json:"reviewers,omitempty"`
	// DocumentID is the document attach_document recorded.
	DocumentID string `json:"document_id,omitempty"`
}

// ViewQuery asks for the application as Actor may act on it: the view then
// carries Actions. Without an actor, as the read model and older callers
// ask, it carries none.
type ViewQuery struct {
	Actor *fundflow.Actor `json:"actor,omitempty"`
	// Audiences asks for ActionsBy too, as the projection holds it; see
	// ApplicationView.For.
	Audiences bool `json:"audiences,omitempty"`
}

// Action is an Update the caller may send now, judged by the same check
// its validator starts with; for one about a milestone or a query, which.
// The request itself can still be refused for what it says.
type Action struct {
	Name        string `json:"name"`
	MilestoneID string `json:"milestone_id,omitempty"`
	QueryID     string `json:"query_id,omitempty"`
	DocumentID  string `json:"document_id,omitempty"`
	ChangeID    string `json:"change_id,omitempty"`
	ReturnID    string `json:"return_id,omitempty"`
}

// TimelineQuery pages through the timeline: entries with seq above
// AfterSeq, at most Limit of them (all when Limit ≤ 0), as a caller in Role
// may read them. An applicant reads only the entries recorded for everyone,
// with reviewers named by role; staff, and a query without a role, read
// all.
type TimelineQuery struct {
	AfterSeq int           `json:"after_seq"`
	Limit    int           `json:"limit"`
	Role     fundflow.Role `json:"role,omitempty"`
}

// TimelinePage is one page of the timeline. NextAfterSeq is the AfterSeq
// for the next page, or 0 at the end. An applicant's pages skip the seqs of
// entries for staff.
type TimelinePage struct {
	Entries      []application.Entry `json:"entries"`
	NextAfterSeq int                 `json:"next_after_seq"`
}

// ApplicationView is an application as staff see it. The API removes what
// an applicant may not see (internal comments, conflict notes) before
// showing it to one.
type ApplicationView struct {
	ID string `json:"id"`
	// Reference is what people quote; see ApplicationWorkflowInput.
	Reference string             `json:"reference,omitempty"`
	FundID    string             `json:"fund_id"`
	OrgCode   string             `json:"org_code"`
	CreatedBy fundflow.Actor     `json:"created_by"`
	Status    application.Status `json:"status"`
	// StatusLabel names the status for staff, ApplicantStatusLabel for
	// the applicant.
	StatusLabel          string `json:"status_label"`
	ApplicantStatusLabel string `json:"applicant_status_label"`
	// Final is true once nothing more can happen to the application.
	Final   bool                `json:"final"`
	Content application.Content `json:"content"`
	// FormVersion is the version of the fund's form the application was
	// started on and is judged by for good; Content answers it.
	FormVersion    int   `json:"form_version"`
	RequestedPence int64 `json:"requested_pence"`
	// AwardedPence is the credit held for the application while its offer
	// stands.
	AwardedPence int64        `json:"awarded_pence,omitempty"`
	Eligibility  *Eligibility `json:"eligibility,omitempty"`
	// Reviewers are the reviewers whose assessments count.
	Reviewers []application.Reviewer `json:"reviewers"`
	// Panel is everything the reviewers did: assignments, conflicts and
	// every version of every assessment.
	Panel application.Panel `json:"panel"`
	// WeightedScore is in hundredths of a scale point, set once every
	// reviewer has scored; PassMark is the fund's, to compare it with.
	WeightedScore *int                 `json:"weighted_score,omitempty"`
	PassMark      int                  `json:"pass_mark"`
	Queries       application.Queries  `json:"queries"`
	Decision      *Decision            `json:"decision,omitempty"`
	Offer         *Offer               `json:"offer,omitempty"`
	Closed        *Closure             `json:"closed,omitempty"`
	Deadlines     Deadlines            `json:"deadlines"`
	CreatedAt     time.Time            `json:"created_at"`
	SubmittedAt   time.Time            `json:"submitted_at,omitzero"`
	Notifications []NotificationRecord `json:"notifications"`
	// OrgName is the organisation's registry name, from submission.
	OrgName string `json:"org_name,omitempty"`
	// Acceptance is who accepted the offer; Ending why an offer or award
	// ended early (declined, offer_expired, terminated).
	Acceptance *Acceptance `json:"acceptance,omitempty"`
	Ending     *Ending     `json:"ending,omitempty"`
	// Milestones are the award's, from acceptance; a milestone awaiting
	// evidence past its due date shows status overdue.
	Milestones []Milestone `json:"milestones"`
	// Letters are the letters issued, newest last: where to find and how
	// to check each, never its bytes.
	Letters []letters.Record `json:"letters"`
	// Documents are the files attached, oldest first, with their scan
	// status; the bytes are in the blob store.
	Documents []document.Document `json:"documents"`
	// DrawnPence, RAG, OverdueCount and NextMilestone track a deployment.
	DrawnPence    int64          `json:"drawn_pence"`
	RAG           RAG            `json:"rag,omitempty"`
	OverdueCount  int            `json:"overdue_count"`
	NextMilestone *NextMilestone `json:"next_milestone,omitempty"`
	// Version increases with every change to the application, so a read
	// model can tell a newer view from an older one.
	Version int64 `json:"version"`
	// Partners, CoApplicants, Comments and SignOff are the partnership:
	// the partner organisations, the people invited, the team's notes
	// (never shown to staff) and the certifier's sign-off.
	Partners     []partner.Partner     `json:"partners"`
	CoApplicants []CoApplicant         `json:"co_applicants"`
	Comments     []application.Comment `json:"comments"`
	SignOff      SignOffView           `json:"sign_off"`
	// Changed is when each section last changed and by whom; a save
	// sends the Version it started from as base_version.
	Changed map[string]SectionChange `json:"changed,omitempty"`
	// Agreement is the grant agreement once an offer is made on terms;
	// ChangeRequests the requests to vary the award, oldest first;
	// Returns its monitoring returns, each with its questions.
	Agreement      *AgreementView  `json:"agreement,omitempty"`
	ChangeRequests []ChangeRequest `json:"change_requests"`
	Returns        []Return        `json:"returns"`
	// NextReturn is the earliest-due return not yet in; OverdueReturns
	// counts those past due.
	NextReturn     *NextReturn `json:"next_return,omitempty"`
	OverdueReturns int         `json:"overdue_returns"`
	// Actions are what ViewQuery.Actor may do now; null without one.
	Actions []Action `json:"actions"`
	// ActionsBy are the actions of every audience (see audienceOf), set
	// for the projection and ViewQuery.Audiences, never shown to a caller.
	ActionsBy map[string][]Action `json:"actions_by,omitempty"`
}

// Deadlines are the application's live deadlines.
type Deadlines struct {
	// Stage is the stage timed against its SLA. While a query pauses it,
	// StageDueAt and ReminderAt are absent: they move by however long the
	// applicant takes to answer.
	Stage          application.Status `json:"stage,omitempty"`
	StageDueAt     time.Time          `json:"stage_due_at,omitzero"`
	ReminderAt     time.Time          `json:"reminder_at,omitzero"`
	QueryRespondBy time.Time          `json:"query_respond_by,omitzero"`
	// OfferAcceptBy is when an offer not yet accepted lapses.
	OfferAcceptBy time.Time `json:"offer_accept_by,omitzero"`
}

// Eligibility is the automatic checks run at submission and the reviewer's
// decision on them.
type Eligibility struct {
	Checks    []application.RuleResult `json:"checks"`
	Automatic application.Result       `json:"automatic"`
	CheckedAt time.Time                `json:"checked_at"`
	Decision  *EligibilityDecision     `json:"decision,omitempty"`
}

// EligibilityDecision is a reviewer's verdict. Overrides is true when it
// goes against the automatic result.
type EligibilityDecision struct {
	Decision  application.Result `json:"decision"`
	Reason    string             `json:"reason"`
	Overrides bool               `json:"overrides"`
	By        fundflow.Actor     `json:"by"`
	At        time.Time          `json:"at"`
}

// Decision is the panel chair's decision, and the status it led to
// (offered, waitlisted or rejected). Reason says why an approval was
// waitlisted.
type Decision struct {
	Outcome     PanelOutcome       `json:"outcome"`
	AmountPence int64              `json:"amount_pence,omitempty"`
	Conditions  []string           `json:"conditions,omitempty"`
	Feedback    string             `json:"feedback,omitempty"`
	By          fundflow.Actor     `json:"by"`
	At          time.Time          `json:"at"`
	Status      application.Status `json:"status"`
	Reason      string             `json:"reason,omitempty"`
}

// Offer is credit reserved for the application, by an approval or from the
// waitlist. Accepting or declining it, its letter and acceptance deadline
// build on this.
type Offer struct {
	AmountPence int64     `json:"amount_pence"`
	Conditions  []string  `json:"conditions,omitempty"`
	ReservedAt  time.Time `json:"reserved_at"`
	// Via is the Update that reserved the credit: the key of the fund's
	// reserve, or the ID of the fund's credit_reserved notice, which tells
	// a redelivered notice from a new one.
	Via string `json:"via"`
	// ReleasedAt is when the credit went back to the fund.
	ReleasedAt time.Time `json:"released_at,omitzero"`
	// AcceptBy is the acceptance deadline, the fund's
	// offer_acceptance_window after the offer.
	AcceptBy time.Time `json:"accept_by,omitzero"`
	// Letter is the reference of the offer letter, which must be issued
	// before the offer can be accepted: it sets out the terms. Offers made
	// before that rule have none.
	Letter string `json:"letter,omitempty"`
	// Terms are the grant agreement the offer is made on, pinned when it
	// is made; Signatories who may sign it: the organisation's certifiers
	// then, or with none, any of its applicants.
	Terms       *fund.Terms                `json:"terms,omitempty"`
	Signatories []activities.CertifierInfo `json:"signatories,omitempty"`
}

// Closure ends an application without a final status of its own: a
// waitlisted application whose fund finished before credit freed up stays
// waitlisted (the lifecycle has no move from waitlisted to rejected), and
// this says it is over and why.
type Closure struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Stage is the stage being timed against its SLA.
type Stage struct {
	Stage application.Status     `json:"stage"`
	Clock application.StageClock `json:"clock"`
	// DueAt and ReminderAt are zero while the clock is paused, and
	// ReminderAt when there is no reminder to send.
	DueAt      time.Time `json:"due_at,omitzero"`
	ReminderAt time.Time `json:"reminder_at,omitzero"`
	Reminded   bool      `json:"reminded,omitempty"`
	Escalated  bool      `json:"escalated,omitempty"`
}

// NotificationRecord is one notification from the outbox and whether it was
// delivered. Failed means retries ran out; it is not tried again.
type NotificationRecord struct {
	activities.Notification
	At          time.Time `json:"at"`
	Delivered   bool      `json:"delivered"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	Failed      bool      `json:"failed,omitempty"`
	// Recipients are the users the message reached, whose inboxes show it;
	// a lead contact with no account is reached by email only.
	Recipients []string `json:"recipients,omitempty"`
	// Link is the page the message sends people to.
	Link string `json:"link,omitempty"`
}

// EnsureReferenceRequest asks for nothing but the reference; a second one
// finds it given and changes nothing.
type EnsureReferenceRequest struct{}

// ApplicationWorkflowInput starts an application's workflow, and carries its
// whole state across Continue-As-New. NewApplicationInput creates an
// application: the first five fields and Revision; Status is empty until
// then.
type ApplicationWorkflowInput struct {
	ApplicationID string `json:"application_id"`
	FundID        string `json:"fund_id"`
	// Reference is what people quote (PIF-0007), given by the fund under
	// the first change; empty until then, and for an application from
	// before references until UpdateEnsureReference.
	Reference string `json:"reference,omitempty"`
	// OrgCode is the applicant organisation, from the creator's token.
	OrgCode   string         `json:"org_code"`
	CreatedBy fundflow.Actor `json:"created_by"`
	// Fund is the fund's definition. The API passes the one it read to
	// check the fund exists; submission refreshes it from the fund.
	Fund fund.Definition `json:"fund"`
	// Revision says which changes to the workflow's code this run takes
	// without asking GetVersion; see applicationRevision.
	Revision int `json:"revision,omitempty"`

	Status application.Status `json:"status,omitempty"`
	// Version counts changes; see ApplicationView.Version.
	Version     int64               `json:"version,omitempty"`
	CreatedAt   time.Time           `json:"created_at,omitzero"`
	SubmittedAt time.Time           `json:"submitted_at,omitzero"`
	Content     application.Content `json:"content,omitzero"`
	// Division is the applicant's bank-holiday division, fixed at
	// submission from the organisation's nation.
	Division    calendar.Division `json:"division,omitempty"`
	Eligibility *Eligibility      `json:"eligibility,omitempty"`
	Panel       application.Panel `json:"panel,omitzero"`
	// WeightedScore is set when the last assessment arrives.
	WeightedScore *int                `json:"weighted_score,omitempty"`
	Queries       application.Queries `json:"queries,omitempty"`
	// PausedStage is the stage an open query paused, which answering or
	// expiring it returns to.
	PausedStage application.Status `json:"paused_stage,omitempty"`
	Stage       *Stage             `json:"stage,omitempty"`
	// StaffRetryAt is when to try again to fill the panel, zero while it
	// is full.
	StaffRetryAt time.Time `json:"staff_retry_at,omitzero"`
	// StaffRetryUnread says StaffRetryAt waits out an unreadable reviewer
	// list, so a shortage found after it is still news.
	StaffRetryUnread bool                 `json:"staff_retry_unread,omitzero"`
	Decision         *Decision            `json:"decision,omitempty"`
	Offer            *Offer               `json:"offer,omitempty"`
	Closed           *Closure             `json:"closed,omitempty"`
	Timeline         application.Timeline `json:"timeline,omitempty"`
	// Outbox is every notification, delivered or not, oldest first.
	Outbox []NotificationRecord `json:"outbox,omitempty"`
	// Processed remembers recent idempotency keys with their Outcomes;
	// see maxApplicationProcessed.
	Processed []ProcessedKey `json:"processed,omitempty"`
	// FundCalls numbers the Updates sent to the fund, to key them.
	FundCalls int `json:"fund_calls,omitempty"`
	// OrgName is the organisation's registry name at submission, for
	// letters.
	OrgName    string      `json:"org_name,omitempty"`
	Acceptance *Acceptance `json:"acceptance,omitempty"`
	Ending     *Ending     `json:"ending,omitempty"`
	Milestones []Milestone `json:"milestones,omitempty"`
	// Letters are the records of letters written; PendingLetters the
	// snapshots of letters decided but not yet written.
	Letters        []letters.Record   `json:"letters,omitempty"`
	PendingLetters []letters.Snapshot `json:"pending_letters,omitempty"`
	// Documents are the files attached; DocumentSeq numbers them, so an
	// id is never reused after a removal.
	Documents   []document.Document `json:"documents,omitempty"`
	DocumentSeq int                 `json:"document_seq,omitempty"`

	// SubmittedBy is who sent the bid for sign-off or submitted it: never
	// its certifier too.
	SubmittedBy *fundflow.Actor `json:"submitted_by,omitempty"`
	// Partners are the partner organisations; PartnerSeq numbers them so
	// an id is never reused.
	Partners   []partner.Partner     `json:"partners,omitempty"`
	PartnerSeq int                   `json:"partner_seq,omitempty"`
	Team       application.Team      `json:"team,omitempty"`
	Comments   []application.Comment `json:"comments,omitempty"`
	SignOff    *signOffState         `json:"sign_off,omitempty"`
	// Changed is the version at which each section's answers last
	// changed, and by whom, so a save made from an older copy of a
	// section is refused instead of overwriting someone else's answers.
	Changed map[string]SectionChange `json:"changed,omitempty"`

	// Agreement is the signed grant agreement; ChangeRequests every
	// request to vary the award, oldest first; Returns the monitoring
	// returns of its schedule.
	Agreement      *Agreement      `json:"agreement,omitempty"`
	ChangeRequests []ChangeRequest `json:"change_requests,omitempty"`
	Returns        []Return        `json:"returns,omitempty"`
}

// SectionChange is the last change to one section of the answers.
type SectionChange struct {
	Version int64          `json:"version"`
	By      fundflow.Actor `json:"by"`
	At      time.Time      `json:"at"`
}

// ApplicationRow is an application's read-model row, built from its view:
// the workflow projects it after every change, and `fundflow reindex`
// rebuilds it from the same view, so the two can never disagree.
func ApplicationRow(v ApplicationView, now time.Time) application.Row {
	r := application.Row{
		ID: v.ID, Reference: v.Reference, FundID: v.FundID, OrgCode: v.OrgCode,
		Status: string(v.Status), StatusLabel: v.StatusLabel, ApplicantLabel: v.ApplicantStatusLabel,
		RequestedPence: v.RequestedPence, AwardedPence: v.AwardedPence, WeightedScore: v.WeightedScore,
		CreatedAt: v.CreatedAt, UpdatedAt: now.UTC(), Version: v.Version,
	}
	if due := v.Deadlines.StageDueAt; !due.IsZero() {
		r.StageDueAt = &due
	}
	r.OrgName, r.DrawnPence, r.RAG, r.OverdueCount, r.NextMilestone = v.OrgName, v.DrawnPence, string(v.RAG), v.OverdueCount, v.NextMilestone
	r.NextReturn, r.OverdueReturns = v.NextReturn, v.OverdueReturns
	for _, c := range v.ChangeRequests {
		if c.Status == ChangeOpen {
			r.OpenChange = c.ID
		}
	}
	r.Targets, r.Outcome = panelTargets(v), awardOutcome(v)
	for _, m := range v.CoApplicants {
		if m.Admitted() {
			r.Team = append(r.Team, m.ID)
		}
	}
	for _, p := range v.Partners {
		r.Partners = append(r.Partners, p.Name)
	}
	r.View = projectedView(v)
	return r
}
