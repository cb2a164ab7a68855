package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/fund"
)

// applicationRevision is the revision NewApplicationInput starts new
// applications at, and Continue-As-New carries a run on to.
//
// Each workflow.GetVersion call costs a new run a marker and, from the SDK,
// an upsert of the TemporalChangeVersion search attribute: one more
// visibility write on the server apiece. A new draft paid four of each in
// its first workflow task, the task a create waits on. A run that starts
// at a revision knows from its input, which is in its history, which
// changes it takes, so it asks GetVersion about none of them.
//
// A change made after the latest revision is a GetVersion call through
// a.since, as before; a later release may fold it into a new revision by
// adding it to revisions and raising applicationRevision. Every worker
// must know a revision before the API starts runs at it (deploy/README.md,
// Upgrades: the workers, then the api): an older worker would run such a
// run its own way, and for a change it has never heard of, such as
// calls-locally, leave a history that newer workers cannot replay.
const applicationRevision = 2

// revisions maps each change an application's workflow has branched on to
// the revision that takes its version 1 without asking.
var revisions = map[string]int{
	"initial":                   1,
	notificationOutcomes:        1,
	"project-locally":           1,
	"publish-from-start":        1,
	"staff-before-change":       1,
	"fund-keys-kept-on-failure": 1,
	"pool-read-retry":           1,
	"offer-awaits-letter":       1,
	"letter-renderer":           1,
	"documents":                 1,
	callsLocally:                1,
	referencesFirst:             2,
}

// Revised reports whether a run started now takes change without asking
// GetVersion: true for every change folded into applicationRevision, false
// for one made since, which such a run still asks about.
func Revised(change string) bool {
	rev, ok := revisions[change]
	return ok && rev <= applicationRevision
}

// callsLocally is the change from which the calls to the fund and for the
// reviewer list, each answered in milliseconds, run as local activities in
// the workflow task that makes them rather than as activity tasks through
// the server: each is one marker in the history instead of six events and
// a second workflow task, on the way to the answer of the command that
// made it.
const callsLocally = "calls-locally"

// execute runs activity with opts, as a local activity when local says
// so. A local activity retries in the worker and keeps no schedule in the
// history, so opts' timeouts and retry policy are all that carry over.
func execute(ctx workflow.Context, local bool, opts workflow.ActivityOptions, activity any, args ...any) workflow.Future {
	if !local {
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activity, args...)
	}
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: opts.StartToCloseTimeout, ScheduleToCloseTimeout: opts.ScheduleToCloseTimeout, RetryPolicy: opts.RetryPolicy,
	}), activity, args...)
}

// NewApplicationInput is what a new application's workflow starts with,
// under StartApplicationOptions.
func NewApplicationInput(appID string, def fund.Definition, by fundflow.Actor) ApplicationWorkflowInput {
	return ApplicationWorkflowInput{
		ApplicationID: appID, FundID: def.ID, OrgCode: by.OrgCode, CreatedBy: by, Fund: def,
		Revision: applicationRevision,
	}
}

// since reports whether this run takes change, which every run at its
// revision does and a run from before revisions asks GetVersion about.
func (in *ApplicationWorkflowInput) since(ctx workflow.Context, change string) bool {
	if rev, ok := revisions[change]; ok && in.Revision >= rev {
		return true
	}
	return workflow.GetVersion(ctx, change, workflow.DefaultVersion, 1) == 1
}
