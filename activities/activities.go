// Package activities holds every side effect the workflows need: talking to
// other workflows, Redis projections, letters and notifications. Activities
// are methods on one struct so their dependencies are injected once, by the
// worker, and tests can swap any of them.
package activities

import (
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/readmodel"
	"github.com/fundflow/fundflow/internal/registry"
)

// Activities carries the dependencies of every activity.
type Activities struct {
	// Temporal lets an activity send Updates to other workflows, which Go
	// workflow code cannot do itself.
	Temporal client.Client
	// Orgs answers LookupOrg.
	Orgs *registry.Registry
	// Calendar answers StageDue and WorkingDeadline.
	Calendar *calendar.Calendar
	// Reviewers lists the people who hold reviewer tokens, for ReviewerPool;
	// *auth.Store is one.
	Reviewers ReviewerSource
	// Notifier delivers the outbox; nil logs each notification instead.
	Notifier Notifier
	// Letters stores rendered letters for GenerateLetter.
	Letters letters.Store
	// PublicURL is where users reach the API, such as
	// "https://fundflow.example.nhs.uk"; GenerateLetter puts it in front of
	// a letter's relative verification link. Empty leaves the link relative.
	PublicURL string
	// ReadModel holds the Redis projections lists are served from.
	ReadModel *readmodel.Store
}
