package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/partner"
	"github.com/fundflow/fundflow/workflows"
)

// applicantView is an application as its own organisation sees it: the
// applicant-facing status label, and nothing of the reviewers' internal
// work — no internal comments, conflict notes or scores until the panel has
// decided.
type applicantView struct {
	ID             string                   `json:"id"`
	Reference      string                   `json:"reference,omitempty"`
	FundID         string                   `json:"fund_id"`
	OrgCode        string                   `json:"org_code"`
	OrgName        string                   `json:"org_name,omitempty"`
	Status         application.Status       `json:"status"`
	StatusLabel    string                   `json:"status_label"`
	Final          bool                     `json:"final"`
	Content        application.Content      `json:"content"`
	FormVersion    int                      `json:"form_version"`
	RequestedPence int64                    `json:"requested_pence"`
	AwardedPence   int64                    `json:"awarded_pence,omitempty"`
	Eligibility    []application.RuleResult `json:"eligibility_checks,omitempty"`
	Feedback       []string                 `json:"feedback,omitempty"`
	WeightedScore  *int                     `json:"weighted_score,omitempty"`
	Queries        application.Queries      `json:"queries"`
	Decision       *applicantDecision       `json:"decision,omitempty"`
	Offer          *workflows.Offer         `json:"offer,omitempty"`
	Closed         *workflows.Closure       `json:"closed,omitempty"`
	Deadlines      workflows.Deadlines      `json:"deadlines"`
	// The award, once the offer is accepted, and the letters issued.
	Acceptance  *workflows.Acceptance `json:"acceptance,omitempty"`
	Ending      *workflows.Ending     `json:"ending,omitempty"`
	Milestones  []workflows.Milestone `json:"milestones"`
	DrawnPence  int64                 `json:"drawn_pence"`
	Letters     []letters.Record      `json:"letters"`
	Documents   []document.Document   `json:"documents"`
	CreatedAt   time.Time             `json:"created_at"`
	SubmittedAt time.Time             `json:"submitted_at,omitzero"`
	Version     int64                 `json:"version"`
	// The partnership: partners, co-applicants, the team's comments, the
	// sign-off, and who last changed each section.
	Partners     []partner.Partner                  `json:"partners"`
	CoApplicants []workflows.CoApplicant            `json:"co_applicants"`
	Comments     []application.Comment              `json:"comments"`
	SignOff      workflows.SignOffView              `json:"sign_off"`
	Changed      map[string]workflows.SectionChange `json:"changed,omitempty"`
	// After the award: the grant agreement, changes to it, and returns.
	Agreement      *workflows.AgreementView  `json:"agreement,omitempty"`
	ChangeRequests []workflows.ChangeRequest `json:"change_requests"`
	Returns        []workflows.Return        `json:"returns"`
	NextReturn     *workflows.NextReturn     `json:"next_return,omitempty"`
	OverdueReturns int                       `json:"overdue_returns"`
	Actions        []workflows.Action        `json:"actions"`
}

type applicantDecision struct {
	Outcome     workflows.PanelOutcome `json:"outcome"`
	AmountPence int64                  `json:"amount_pence,omitempty"`
	Conditions  []string               `json:"conditions,omitempty"`
	Feedback    string                 `json:"feedback,omitempty"`
	At          time.Time              `json:"at"`
	Reason      string                 `json:"reason,omitempty"`
}

// present shapes an application for the caller's role.
func (s *server) present(r *http.Request, v workflows.ApplicationView) any {
	// A letter's snapshot is for rebuilding it; the letter itself says
	// all of it to whoever may read it.
	v.ActionsBy = nil
	v.Letters = slices.Clone(v.Letters)
	for i := range v.Letters {
		v.Letters[i].Snapshot = nil
	}
	if v.Documents == nil {
		v.Documents = []document.Document{}
	}
	v.Partners, v.CoApplicants, v.Comments = nonNilSlice(v.Partners), nonNilSlice(v.CoApplicants), nonNilSlice(v.Comments)
	v.ChangeRequests, v.Returns = nonNilSlice(v.ChangeRequests), nonNilSlice(v.Returns)
	v.SignOff = presentSignOff(v.SignOff)
	if !principal(r.Context()).Role.Applying() {
		// A bid's drafting notes are its team's; the fund judges the bid.
		v.Comments = []application.Comment{}
		if v.Reviewers == nil {
			v.Reviewers = []application.Reviewer{}
		}
		if v.Queries == nil {
			v.Queries = application.Queries{}
		}
		if v.Notifications == nil {
			v.Notifications = []workflows.NotificationRecord{}
		}
		if v.Actions == nil {
			v.Actions = []workflows.Action{}
		}
		return v
	}
	out := applicantView{
		ID: v.ID, Reference: v.Reference, FundID: v.FundID, OrgCode: v.OrgCode, Status: v.Status, StatusLabel: v.ApplicantStatusLabel,
		Final: v.Final, Content: v.Content, FormVersion: v.FormVersion, RequestedPence: v.RequestedPence, AwardedPence: v.AwardedPence,
		Queries: v.Queries, Offer: v.Offer, Closed: v.Closed, Deadlines: v.Deadlines,
		CreatedAt: v.CreatedAt, SubmittedAt: v.SubmittedAt, Version: v.Version,
		Acceptance: v.Acceptance, Ending: v.Ending, Milestones: v.Milestones, DrawnPence: v.DrawnPence, Letters: v.Letters, Documents: v.Documents,
		Partners: v.Partners, CoApplicants: v.CoApplicants, Comments: v.Comments, SignOff: v.SignOff, Changed: v.Changed,
		Agreement: v.Agreement, ChangeRequests: v.ChangeRequests, Returns: v.Returns, NextReturn: v.NextReturn, OverdueReturns: v.OverdueReturns,
		Actions: v.Actions, OrgName: s.orgName(v),
	}
	if out.Actions == nil {
		out.Actions = []workflows.Action{}
	}
	out.Queries = make(application.Queries, len(v.Queries))
	for i, q := range v.Queries {
		// Who asked is the fund's to know, as on the timeline.
		if q.AskedBy.Role == fundflow.RoleReviewer {
			q.AskedBy = fundflow.Actor{ID: "reviewer", Name: application.ReviewerLabel, Role: fundflow.RoleReviewer}
		}
		out.Queries[i] = q
	}
	if v.Eligibility != nil {
		out.Eligibility = v.Eligibility.Checks
	}
	if d := v.Decision; d != nil {
		out.Decision = &applicantDecision{Outcome: d.Outcome, AmountPence: d.AmountPence, Conditions: d.Conditions,
			Feedback: d.Feedback, At: d.At, Reason: d.Reason}
		out.WeightedScore = v.WeightedScore
		for _, a := range v.Panel.Latest() {
			out.Feedback = append(out.Feedback, a.Feedback)
		}
	}
	return out
}

// presentSignOff fills in a sign-off a view from before partnerships has
// none of.
func presentSignOff(so workflows.SignOffView) workflows.SignOffView {
	if so.Status == "" {
		so.Status = workflows.SignOffNotRequired
	}
	so.Certifiers, so.History, so.SentBack = nonNilSlice(so.Certifiers), nonNilSlice(so.History), nonNilSlice(so.SentBack)
	return so
}

// orgName is the lead organisation's name: as recorded at submission, or
// the registry's for a draft, which a co-applicant from elsewhere has no
// other way to read.
func (s *server) orgName(v workflows.ApplicationView) string {
	if v.OrgName != "" || s.Orgs == nil {
		return v.OrgName
	}
	o, _ := s.Orgs.Lookup(v.OrgCode)
	return o.Name
}
