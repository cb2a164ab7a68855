// Package activities holds every side effect the workflows need: talking to
// other workflows, Redis projections, letters and notifications. Activities
// are methods on one struct so their dependencies are injected once, by the
// worker, and tests can swap any of them.
//
// It imports the root package, domain packages and adapters, never
// workflows, api or web.
package activities

import (
	"context"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/adapter/notify"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/organisation"
)

// Activities carries the dependencies of every activity.
type Activities struct {
	// Temporal lets an activity send Updates to other workflows, which Go
	// workflow code cannot do itself.
	Temporal client.Client
	// Orgs answers LookupOrg.
	Orgs *organisation.Registry
	// Calendar answers StageDue and WorkingDeadline.
	Calendar *calendar.Calendar
	// Directory caches the directory's lookups: ReviewerPool reads fund
	// pools from it, Certifiers organisations' certifiers, and
	// ProjectDirectory writes it.
	Directory DirectoryCache
	// Mail delivers the outbox to people; without it the Notifier does,
	// and without that each notification is logged.
	Mail     *notify.Mailer
	Notifier Notifier
	// Letters stores rendered letters for GenerateLetter.
	Letters letters.Store
	// Documents holds uploads by SHA-256; ScanDocument moves an infected
	// one to Quarantine.
	Documents, Quarantine *blob.Space
	// Scanner scans uploads; nil marks them not scanned.
	Scanner Scanner
	// PublicURL is where users reach the API, such as
	// "https://fundflow.example.nhs.uk"; GenerateLetter puts it in front of
	// a letter's relative verification link. Empty leaves the link relative.
	PublicURL string
	// ReadModel holds the Redis projections lists are served from.
	ReadModel *readmodel.Store
}

// count adds one to a fundflow counter, through the worker's metrics
// handler so it is served beside the SDK's own; outside an activity (a
// test calling a method directly) there is nothing to count into.
func count(ctx context.Context, name string, tags map[string]string) {
	if !activity.IsActivity(ctx) {
		return
	}
	activity.GetMetricsHandler(ctx).WithTags(tags).Counter(name).Inc(1)
}
