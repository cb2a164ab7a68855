// Package temporalerr carries fundflow's refusals across Temporal: an
// Update validator or an activity refuses with a *fundflow.Error, Temporal
// turns it into an application error, and the caller gets the same code,
// message and field errors back. It is the one place the root package's
// vocabulary meets the SDK, so the root stays free of it.
//
// It imports the root package and the Temporal SDK only.
package temporalerr

import (
	"context"
	"errors"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fundflow/fundflow"
)

// Encode turns a refusal into the application error Temporal carries back
// to the caller of an Update, keeping its code and field errors. Marked
// non-retryable: a refusal is a verdict, not a transient failure. Any other
// error is returned unchanged.
func Encode(err error) error {
	var e *fundflow.Error
	if !errors.As(err, &e) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(e.Message, string(e.Code), temporal.ApplicationErrorOptions{
		NonRetryable: true,
		Details:      []any{e.Fields},
	})
}

// Decode recovers the refusal carried by a Temporal error. Errors that
// carry no fundflow code, or the internal one, come back unchanged, so
// callers treat them as internal and never show their text.
func Decode(err error) error {
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		return err
	}
	code := fundflow.Code(ae.Type())
	if !code.Known() || code == fundflow.EINTERNAL {
		return err
	}
	e := &fundflow.Error{Code: code, Message: ae.Message()}
	if ae.HasDetails() {
		_ = ae.Details(&e.Fields)
	}
	return e
}

// Update sends the Update name to workflowID under key, which is also its
// Update ID, so the server folds a retried command into the first attempt;
// it waits for the result and returns a refusal as a *fundflow.Error.
func Update(ctx context.Context, c client.Client, workflowID, name, key string, arg, result any) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateID:     key,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, result)
	}
	return Decode(err)
}
