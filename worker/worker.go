// Package worker assembles the Temporal worker: every workflow and activity
// fundflow runs, on its one task queue.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/workflows"
)

// New registers fundflow's workflows and activities on a worker polling
// fundflow.TaskQueue; the caller starts and stops it.
func New(c client.Client, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, fundflow.TaskQueue, sdkworker.Options{
		// A panic in workflow code is a bug: fail the task and retry it after
		// a fix is deployed, rather than failing the workflow for good.
		WorkflowPanicPolicy: sdkworker.BlockWorkflow,
	})
	w.RegisterWorkflow(workflows.FundWorkflow)
	w.RegisterWorkflow(workflows.ApplicationWorkflow)
	w.RegisterActivity(acts)
	return w
}
