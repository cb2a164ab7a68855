// Package worker assembles the Temporal worker: every workflow and activity
// fundflow runs, on its one task queue, and the worker's own HTTP surface.
//
// It imports workflows, activities and the cluster adapter; cmd imports it.
package worker

import (
	"fmt"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/workflows"
)

// stickyTimeout is how long a workflow task (or a Query) waits on the queue
// of the worker that has the workflow cached before any worker may take it.
// The SDK's five seconds is what every command and read of such a workflow
// costs once that worker has died without saying goodbye (kill -9, a lost
// node). A live worker starts its sticky tasks within milliseconds, but not
// always when it is busy, and a task that misses its sticky queue costs a
// replay of the whole history elsewhere (a fund's is long): two seconds
// keeps both costs small.
const stickyTimeout = 2 * time.Second

// Options are the worker's settings; the zero value suits tests.
type Options struct {
	// Identity names this worker's pollers, as the task queue's poller list
	// and the worker's /readyz show it; empty uses Identity().
	Identity string
	// OnFatalError is called if the worker stops for good, such as when its
	// namespace is deleted.
	OnFatalError func(error)
}

// Identity is the SDK's default worker identity, pid@host@queue, made
// explicit so /readyz can look for it among the task queue's pollers.
func Identity() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return fmt.Sprintf("%d@%s@%s", os.Getpid(), host, fundflow.TaskQueue)
}

// New registers fundflow's workflows and activities on a worker polling
// fundflow.TaskQueue; the caller starts and stops it.
func New(c client.Client, acts *activities.Activities, opts Options) sdkworker.Worker {
	if opts.Identity == "" {
		opts.Identity = Identity()
	}
	w := sdkworker.New(c, fundflow.TaskQueue, sdkworker.Options{
		// A panic in workflow code is a bug: fail the task and retry it after
		// a fix is deployed, rather than failing the workflow for good.
		WorkflowPanicPolicy:          sdkworker.BlockWorkflow,
		StickyScheduleToStartTimeout: stickyTimeout,
		Identity:                     opts.Identity,
		OnFatalError:                 opts.OnFatalError,
		Interceptors:                 []interceptor.WorkerInterceptor{&countActivities{}},
	})
	w.RegisterWorkflow(workflows.FundWorkflow)
	w.RegisterWorkflow(workflows.ApplicationWorkflow)
	w.RegisterWorkflow(workflows.ChangeRequestWorkflow)
	w.RegisterWorkflow(workflows.DirectoryWorkflow)
	w.RegisterWorkflow(workflows.DigestWorkflow)
	w.RegisterActivity(acts)
	return w
}
