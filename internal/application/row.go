package application

import (
	"encoding/json"
	"time"

	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
)

// Row is one application's row in every read-model list it belongs to:
// what the workflow projects after every change and lists, the panel
// ranking and dashboards read back.
type Row struct {
	ID string `json:"id"`
	// Reference is what people quote (PIF-0007); see Quoted.
	Reference      string     `json:"reference,omitempty"`
	FundID         string     `json:"fund_id"`
	OrgCode        string     `json:"org_code"`
	OrgName        string     `json:"org_name,omitempty"`
	Status         string     `json:"status"`
	StatusLabel    string     `json:"status_label"`
	ApplicantLabel string     `json:"applicant_status_label"`
	RequestedPence int64      `json:"requested_pence"`
	AwardedPence   int64      `json:"awarded_pence,omitempty"`
	WeightedScore  *int       `json:"weighted_score,omitempty"`
	StageDueAt     *time.Time `json:"stage_due_at,omitempty"`
	// Deployment tracking, for awards in deployment or done: credit
	// drawn, the next milestone, the RAG rating and overdue milestones.
	DrawnPence    int64          `json:"drawn_pence,omitempty"`
	NextMilestone *NextMilestone `json:"next_milestone,omitempty"`
	RAG           string         `json:"rag,omitempty"`
	OverdueCount  int            `json:"overdue_count,omitempty"`
	// After the award: the change request awaiting a decision, the next
	// monitoring return due and how many are overdue.
	OpenChange     string      `json:"open_change,omitempty"`
	NextReturn     *NextReturn `json:"next_return,omitempty"`
	OverdueReturns int         `json:"overdue_returns,omitempty"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	// Version is the workflow's state version; an older version never
	// overwrites a newer one.
	Version int64 `json:"version"`
	// Team are the user ids of the co-applicants invited or joined: who
	// besides the organisation may open the application.
	Team []string `json:"team,omitempty"`
	// Partners name the partner organisations, for lists and the panel.
	Partners []string `json:"partners,omitempty"`
	// Targets are the application's outcome targets while it awaits the
	// panel, which ranks them beside the score.
	Targets []fund.Target `json:"targets,omitempty"`
	// Outcome is set for awards: what the outcome roll-up reads. It is
	// kept apart from the row (see outcome.go), so lists stay small.
	Outcome *outcome.Award `json:"outcome,omitempty"`
	// View is the whole application as a single read shows it, with the
	// actions of every audience (workflows.ApplicationView), for
	// GET /v1/applications/{id}. It is stored beside the row, never in
	// it, so lists stay small, and only ever at the row's own version.
	View json.RawMessage `json:"view,omitempty"`
}

// NextReturn is an award's earliest-due monitoring return not yet in.
type NextReturn struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	DueAt time.Time `json:"due_at"`
}

// NextMilestone is a deployment's earliest-due unverified milestone.
type NextMilestone struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	DueAt time.Time `json:"due_at"`
}
