package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
)

// A change request's own workflow, ChangeRequestWorkflowID: the durable
// process that chases its decisions. The award's workflow is the judge and
// the record: it checks each decision against the award and the fund's
// rules, records it, and then tells this workflow where the request stands,
// by a Signal since there is nothing left to refuse. This workflow keeps a
// deadline for each decision awaited, counted in working days from when it
// became the approver's turn, and when one passes tells the award, which
// tells the approver. It ends when the request is decided, withdrawn or
// cancelled with its award.

// SignalChangeProgress (ChangeProcess) tells a change request's workflow
// where the request stands after the award recorded a decision.
const SignalChangeProgress = "change_progress"

// ChangeRequestInput starts a change request's workflow and is its state.
type ChangeRequestInput struct {
	ApplicationID string            `json:"application_id"`
	ChangeID      string            `json:"change_id"`
	Division      calendar.Division `json:"division"`
	// DecideWithin is each approver's time, in working days.
	DecideWithin fund.Duration `json:"decide_within"`
	Process      ChangeProcess `json:"process"`
}

// ChangeProcess is where a request stands: its status and the decisions
// made so far.
type ChangeProcess struct {
	Status    ChangeStatus     `json:"status"`
	Decisions []ChangeDecision `json:"decisions"`
}

// ChangeRequestWorkflow chases one change request's decisions until it is
// closed.
func ChangeRequestWorkflow(ctx workflow.Context, in ChangeRequestInput) (ChangeProcess, error) {
	p := in.Process
	if p.Status == "" {
		p.Status = ChangeOpen
	}
	progress := workflow.GetSignalChannel(ctx, SignalChangeProgress)
	for p.Status == ChangeOpen {
		var due time.Time
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lookupOptions), acts.WorkingDeadline,
			activities.WorkingDeadlineInput{Division: in.Division, From: workflow.Now(ctx), Within: in.DecideWithin}).Get(ctx, &due); err != nil {
			return closed(ctx, p)
		}
		turn := len(p.Decisions)
		reminded := false
		for p.Status == ChangeOpen && len(p.Decisions) == turn {
			timer, cancel := workflow.WithCancel(ctx)
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(progress, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &p) })
			if !reminded {
				sel.AddFuture(workflow.NewTimer(timer, max(due.Sub(workflow.Now(ctx)), 0)), func(f workflow.Future) {
					if f.Get(ctx, nil) == nil {
						reminded = true
						remind(ctx, in)
					}
				})
			}
			sel.Select(ctx)
			cancel()
			if ctx.Err() != nil {
				return closed(ctx, p)
			}
		}
	}
	return p, nil
}

// closed ends a run whose award stopped it, or that was cancelled.
func closed(ctx workflow.Context, p ChangeProcess) (ChangeProcess, error) {
	if errors.Is(ctx.Err(), workflow.ErrCanceled) {
		p.Status = ChangeCancelled
		return p, nil
	}
	return p, ctx.Err()
}

// remind tells the award a decision is late, which tells the approver. The
// award may have ended meanwhile; then there is nobody to chase, and a
// refusal or an unreachable award is let go after an hour of tries.
func remind(ctx workflow.Context, in ChangeRequestInput) {
	req := ChangeReminderRequest{Command: Command{Key: ChangeRequestWorkflowID(in.ApplicationID, in.ChangeID) + ":reminder:" + workflow.Now(ctx).UTC().Format(time.RFC3339), Actor: fundflow.System}, ChangeID: in.ChangeID}
	opts := deliveryOptions
	opts.ScheduleToCloseTimeout = time.Hour
	var reply activities.Reply
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), acts.SendUpdate, activities.SendUpdateInput{
		Delivery: activities.Delivery{WorkflowID: ApplicationWorkflowID(in.ApplicationID), UpdateName: UpdateChangeReminder, UpdateID: req.Key},
		Payload:  encode(req),
	}).Get(ctx, &reply)
	if err != nil || reply.Refusal != nil {
		workflow.GetLogger(ctx).Info("change reminder not taken", "application", in.ApplicationID, "change", in.ChangeID)
	}
}

func roleName(r fundflow.Role) string {
	switch r {
	case fundflow.RolePanelChair:
		return "panel chair"
	case fundflow.RoleProgrammeManager:
		return "programme manager"
	}
	return string(r)
}
