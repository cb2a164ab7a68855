// Package activities holds every side effect the workflows need: talking to
// other workflows, Redis projections, letters and notifications. Activities
// are methods on one struct so their dependencies are injected once, by the
// worker, and tests can swap any of them.
package activities

import "go.temporal.io/sdk/client"

// Activities carries the dependencies of every activity.
type Activities struct {
	// Temporal lets an activity send Updates to other workflows, which Go
	// workflow code cannot do itself.
	Temporal client.Client
}
