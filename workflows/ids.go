// Package workflows holds the deterministic heart of fundflow: one entity
// workflow per fund, the only writer of its credit ledger, and one workflow
// per application. Nothing here does I/O; side effects are activities.
//
// It imports the root package, domain packages, activities (to name them)
// and temporalerr only: never net/http, Redis or another adapter.
package workflows

// FundWorkflowID is the business key of a fund's entity workflow.
func FundWorkflowID(fundID string) string { return "fund:" + fundID }

// ApplicationWorkflowID is the business key of an application's workflow.
func ApplicationWorkflowID(applicationID string) string { return "application:" + applicationID }
