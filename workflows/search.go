package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fundflow/fundflow"
)

// Search attributes let operators filter fundflow's workflows in the
// Temporal UI. They carry codes and statuses, never personal data.
var (
	SearchEntityKind = temporal.NewSearchAttributeKeyKeyword("EntityKind")
	SearchFundID     = temporal.NewSearchAttributeKeyKeyword("FundId")
	SearchAppStatus  = temporal.NewSearchAttributeKeyKeyword("AppStatus")
	SearchOrgCode    = temporal.NewSearchAttributeKeyKeyword("OrgCode")
	SearchStageDueAt = temporal.NewSearchAttributeKeyTime("StageDueAt")
)

// SearchAttributes is every custom attribute with its type, for registering
// them on a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	m := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKey{SearchEntityKind, SearchFundID, SearchAppStatus, SearchOrgCode, SearchStageDueAt} {
		m[k.GetName()] = k.GetValueType()
	}
	return m
}

// EntityKind values.
const (
	KindFund        = "fund"
	KindApplication = "application"
	KindDirectory   = "directory"
)

// StartDirectoryOptions start the directory, or find it already running:
// every process that needs it may ask, and only the first starts it.
func StartDirectoryOptions() client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       DirectoryWorkflowID,
		TaskQueue:                fundflow.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(SearchEntityKind.ValueSet(KindDirectory)),
	}
}

// StartFundOptions starts a fund's entity workflow: its business-key ID,
// the one task queue, and an ID that names one fund forever, even after it
// finishes.
func StartFundOptions(fundID string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                    FundWorkflowID(fundID),
		TaskQueue:             fundflow.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		// Starting a fund that exists is a conflict, not a handle to it.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			SearchEntityKind.ValueSet(KindFund),
			SearchFundID.ValueSet(fundID),
		),
	}
}
