package activities

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
)

// CreditReserved is the argument of the Update a fund sends an application
// workflow when it has reserved credit for it off the waitlist.
type CreditReserved struct {
	FundID        string `json:"fund_id"`
	ApplicationID string `json:"application_id"`
	AmountPence   int64  `json:"amount_pence"`
}

// FundFinished is the argument of the Update a fund sends each application
// still on its waitlist when it finishes: no credit is coming.
type FundFinished struct {
	FundID        string `json:"fund_id"`
	ApplicationID string `json:"application_id"`
}

// Delivery addresses an Update to an application workflow. The fund
// workflow fills it in: workflow IDs and Update names belong to package
// workflows, which imports this package, so looking them up from here would
// be an import cycle.
type Delivery struct {
	WorkflowID string `json:"workflow_id"`
	UpdateName string `json:"update_name"`
	// UpdateID is fixed per notice so a retried activity sends the same
	// Update, which the server completes once within a run. Application
	// handlers must still be idempotent: that guarantee ends at
	// Continue-As-New.
	UpdateID string `json:"update_id"`
}

// NotifyCreditReservedInput tells one application that credit is reserved
// for it.
type NotifyCreditReservedInput struct {
	CreditReserved
	Delivery Delivery `json:"delivery"`
}

// NotifyFundFinishedInput tells one waitlisted application that the fund has
// finished.
type NotifyFundFinishedInput struct {
	FundFinished
	Delivery Delivery `json:"delivery"`
}

// Notified is how an application took a notice. A refusal is an answer, not
// a failure, so the fund can act on it (release a promotion nobody wants)
// instead of retrying it.
type Notified struct {
	Accepted bool `json:"accepted"`
	// Refusal says why the application said no.
	Refusal string `json:"refusal,omitempty"`
}

// NotifyCreditReserved sends the credit_reserved Update and waits for the
// application to accept or refuse it.
func (a *Activities) NotifyCreditReserved(ctx context.Context, in NotifyCreditReservedInput) (Notified, error) {
	return a.notify(ctx, in.Delivery, in.CreditReserved)
}

// NotifyFundFinished sends the fund_finished Update and waits for the
// application to take it.
func (a *Activities) NotifyFundFinished(ctx context.Context, in NotifyFundFinishedInput) (Notified, error) {
	return a.notify(ctx, in.Delivery, in.FundFinished)
}

// notify returns an error only for what may pass (the server or the
// application's worker being unavailable), so Temporal retries exactly
// those.
func (a *Activities) notify(ctx context.Context, d Delivery, arg any) (Notified, error) {
	h, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   d.WorkflowID,
		UpdateName:   d.UpdateName,
		UpdateID:     d.UpdateID,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err == nil {
		return Notified{Accepted: true}, nil
	}
	// An application workflow that never started or has already closed is
	// not waiting for anything.
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		return Notified{Refusal: "the application is no longer running"}, nil
	}
	var refusal *fundflow.Error
	if errors.As(fundflow.FromTemporal(err), &refusal) {
		return Notified{Refusal: refusal.Error()}, nil
	}
	return Notified{}, err
}
