package activities

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/organisation"
)

// SendUpdateInput is an Update for another workflow with its argument
// already encoded. The sending workflow marshals its own typed request, so
// this one activity serves every Update without knowing any of them.
type SendUpdateInput struct {
	Delivery Delivery        `json:"delivery"`
	Payload  json.RawMessage `json:"payload"`
}

// Reply is how the workflow answered: its result or its refusal.
type Reply struct {
	Result json.RawMessage `json:"result,omitempty"`
	// Refusal is set when the workflow refused the Update, or is not
	// running (not_found). It is an answer the sender can branch on by
	// code, not a failure to retry.
	Refusal *fundflow.Error `json:"refusal,omitempty"`
}

// SendUpdate sends one Update and waits for the answer. It fails only for
// what may pass, such as the server being unavailable, so Temporal retries
// exactly that.
func (a *Activities) SendUpdate(ctx context.Context, in SendUpdateInput) (Reply, error) {
	var r Reply
	refusal, err := a.send(ctx, in.Delivery, in.Payload, &r.Result)
	// Every SendUpdate is an application's call to its fund, the ledger's
	// only writer.
	outcome := "accepted"
	switch {
	case err != nil:
		outcome = "error"
	case refusal != nil:
		outcome = "refused"
	}
	count(ctx, "fundflow_ledger_updates", map[string]string{"update": in.Delivery.UpdateName, "outcome": outcome})
	if err != nil {
		return Reply{}, err
	}
	r.Refusal = refusal
	return r, nil
}

// LookupOrgInput asks whether an organisation code was valid on a date.
type LookupOrgInput struct {
	Code string            `json:"code"`
	On   organisation.Date `json:"on"`
}

// OrgLookup is organisation.ValidOn's answer. Org is set whenever the code
// exists; Validity.Successor names who took over an abolished one.
type OrgLookup struct {
	Org      organisation.Org      `json:"org"`
	Validity organisation.Validity `json:"validity"`
}

// LookupOrg reads the registry. It is an activity, though a pure lookup, so
// that its answer is recorded: a registry updated while an application is
// in flight must not change what a replay of its history sees.
func (a *Activities) LookupOrg(_ context.Context, in LookupOrgInput) (OrgLookup, error) {
	o, v := a.Orgs.ValidOn(in.Code, in.On)
	return OrgLookup{Org: o, Validity: v}, nil
}

// StageDueInput is a stage's clock and how long before its SLA to remind.
type StageDueInput struct {
	Clock          application.StageClock `json:"clock"`
	ReminderBefore fund.Duration          `json:"reminder_before"`
}

// StageDeadlines is when a stage's SLA runs out and when to send its
// reminder. DueAt is zero while the clock is paused, and ReminderAt when
// there is no reminder to send (see application.StageClock.Reminder).
type StageDeadlines struct {
	DueAt      time.Time `json:"due_at,omitzero"`
	ReminderAt time.Time `json:"reminder_at,omitzero"`
}

// StageDue works out a stage's deadlines on the bank-holiday calendar. Like
// LookupOrg it is an activity so that its answer is recorded, and extending
// the calendar never moves a deadline under a running workflow.
func (a *Activities) StageDue(ctx context.Context, in StageDueInput) (StageDeadlines, error) {
	var out StageDeadlines
	if due, ok := in.Clock.Due(a.Calendar); ok {
		out.DueAt = due
		a.warnUncovered(ctx, in.Clock.Start, due)
	}
	if at, ok := in.Clock.Reminder(a.Calendar, in.ReminderBefore); ok {
		out.ReminderAt = at
	}
	return out, nil
}

// WorkingDeadlineInput is a span such as a query's response time, whose days
// are working days in Division.
type WorkingDeadlineInput struct {
	Division calendar.Division `json:"division"`
	From     time.Time         `json:"from"`
	Within   fund.Duration     `json:"within"`
}

// WorkingDeadline is application.Deadline, recorded for the reason StageDue is.
func (a *Activities) WorkingDeadline(ctx context.Context, in WorkingDeadlineInput) (time.Time, error) {
	due := application.Deadline(a.Calendar, in.Division, in.From, in.Within)
	a.warnUncovered(ctx, in.From, due)
	return due, nil
}

// WorkingDaysBeforeInput asks for reminders Days working days before
// Deadline in Division.
type WorkingDaysBeforeInput struct {
	Division calendar.Division `json:"division"`
	Deadline time.Time         `json:"deadline"`
	Days     []int             `json:"days"`
}

// WorkingDaysBefore is when each reminder falls, earliest first, recorded
// for the reason StageDue is.
func (a *Activities) WorkingDaysBefore(_ context.Context, in WorkingDaysBeforeInput) ([]time.Time, error) {
	out := make([]time.Time, 0, len(in.Days))
	for _, n := range in.Days {
		out = append(out, a.Calendar.WorkingDaysBefore(in.Division, in.Deadline, n))
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.Compact(out), nil
}

// warnUncovered flags a deadline counted past the end of the bank-holiday
// data, where only weekends are skipped and the deadline may come early.
// The workflow still gets an answer; the log is the prompt to extend the
// CSV.
func (a *Activities) warnUncovered(ctx context.Context, from, due time.Time) {
	if !a.Calendar.Covers(from) || !a.Calendar.Covers(due) {
		activity.GetLogger(ctx).Warn("deadline falls outside the bank-holiday calendar; extend uk_bank_holidays.csv",
			"from", from, "due", due)
	}
}

// ReviewerPoolInput names the fund whose pool to read. Reviewer-pool
// activities scheduled before pools existed carry no fund, and get every
// active reviewer, as they did then.
type ReviewerPoolInput struct {
	FundID string `json:"fund_id"`
}

// ReviewerPool is everyone who could be assigned to assess an application
// to the fund: its pool in the directory, less anyone deactivated or no
// longer a reviewer.
func (a *Activities) ReviewerPool(ctx context.Context, in ReviewerPoolInput) ([]application.Reviewer, error) {
	us, err := a.Directory.PoolReviewers(ctx, in.FundID)
	if err != nil {
		return nil, err
	}
	pool := make([]application.Reviewer, len(us))
	for i, u := range us {
		pool[i] = application.Reviewer{ID: u.ID, Name: u.Name}
	}
	return pool, nil
}
