package activities

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
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
	refusal, err := a.send(ctx, d, arg, nil)
	switch {
	case err != nil:
		return Notified{}, err
	case refusal == nil:
		return Notified{Accepted: true}, nil
	case refusal.Code == fundflow.ENOTFOUND:
		// Application handlers never refuse these Updates not_found, so
		// this is send's word that the workflow is not running: it never
		// started or has already closed, and is not waiting for anything.
		return Notified{Refusal: "the application is no longer running"}, nil
	}
	return Notified{Refusal: refusal.Error()}, nil
}

// send delivers an Update and waits for its outcome, decoding its result
// into result unless that is nil. A refusal, including the workflow not
// running (not_found), is an answer: it comes back as a *fundflow.Error
// with a nil error. Anything else is returned as the error, for Temporal to
// retry.
func (a *Activities) send(ctx context.Context, d Delivery, arg, result any) (*fundflow.Error, error) {
	err := temporalerr.Update(ctx, a.Temporal, d.WorkflowID, d.UpdateName, d.UpdateID, arg, result)
	if err == nil {
		return nil, nil
	}
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		return fundflow.Errorf(fundflow.ENOTFOUND, "workflow %s is not running", d.WorkflowID), nil
	}
	var refusal *fundflow.Error
	if errors.As(err, &refusal) {
		return refusal, nil
	}
	return nil, err
}
