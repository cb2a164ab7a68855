// Package application is the pure domain of one application to a fund: its
// content and how a PATCH merges into it, validation for drafts and
// submissions, the status lifecycle, the automatic eligibility rules,
// assessment and the reviewer panel, information requests, the pausable
// SLA clock and the timeline.
//
// The application workflow is a thin shell around this package, so
// everything here is deterministic: nothing reads the wall clock, draws
// random numbers or lets map order reach an output, and every time is
// passed in. Scores are integer hundredths and
// money is int64 pence; there is no float.
//
// Operations the API exposes as workflow Updates come in pairs, CheckX and
// X, as in package fund: CheckX changes nothing, so an Update validator can
// refuse a command before it enters the workflow's history.
//
// It is pure domain: it imports the root package and the other domain packages
// under internal/ only, never Temporal, Redis, net/http, an adapter
// (internal/adapter) or anything under internal/devtest.
package application
