package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
)

// StartApplicationOptions starts an application's workflow the way the API
// creates one: by Update-with-Start, the Update being save_draft. The ID
// conflict policy USE_EXISTING, which Update-with-Start requires, makes a
// retried create reach the workflow the first attempt started, whose
// save_draft then answers the retry by its key. The reuse policy makes an
// application id name one application for ever, so a closed application is
// never restarted as a new draft.
func StartApplicationOptions(appID, fundID, org string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       ApplicationWorkflowID(appID),
		TaskQueue:                fundflow.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			SearchEntityKind.ValueSet(KindApplication),
			SearchFundID.ValueSet(fundID),
			SearchOrgCode.ValueSet(org),
			SearchAppStatus.ValueSet(string(application.StatusDraft)),
		),
	}
}
