package workflows

import "go.temporal.io/sdk/workflow"

// UpdateNoop is the only Update NoopUpdateWorkflow accepts.
const UpdateNoop = "noop"

// NoopUpdateWorkflow accepts Updates that do nothing. Benchmarking it beside
// FundWorkflow's credit Updates separates what the ledger costs from what
// the engine costs per Update. It runs until cancelled, continuing as new
// when its history grows.
func NoopUpdateWorkflow(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandler(ctx, UpdateNoop, func(workflow.Context) error { return nil }); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool {
		return workflow.GetInfo(ctx).GetContinueAsNewSuggested() && workflow.AllHandlersFinished(ctx)
	}); err != nil {
		return err
	}
	return workflow.NewContinueAsNewError(ctx, NoopUpdateWorkflow)
}
