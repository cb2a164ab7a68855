package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/calendar"
)

// digestHour is when, London time, each day's digest goes out.
const digestHour = 8

// digestOptions keep trying a digest for a day, like any notification.
var digestOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
}

// DigestWorkflow gathers one person's routine notifications and emails
// them together at digestHour, on a durable timer: a restart neither loses
// the gathered messages nor sends the digest twice (its key is the day's).
// Each digest sent continues as new, so the history stays one day long.
func DigestWorkflow(ctx workflow.Context, in activities.DigestInput) error {
	ch := workflow.GetSignalChannel(ctx, activities.DigestSignal)
	items := in.Items
	add := func(it activities.DigestItem) {
		if !slices.ContainsFunc(items, func(x activities.DigestItem) bool { return x.Key == it.Key }) {
			items = append(items, it)
		}
	}
	for len(items) == 0 {
		var it activities.DigestItem
		ch.Receive(ctx, &it)
		add(it)
	}
	now := workflow.Now(ctx)
	due := nextDigest(now)
	fired := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(ctx, due.Sub(now)), func(workflow.Future) { fired = true })
	sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
		var it activities.DigestItem
		c.Receive(ctx, &it)
		add(it)
	})
	for !fired {
		sel.Select(ctx)
	}
	key := fmt.Sprintf("digest:%s:%s", in.UserID, due.In(calendar.London).Format(time.DateOnly))
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, digestOptions), acts.SendDigest,
		activities.SendDigestInput{Key: key, UserID: in.UserID, Items: items}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("digest not delivered", "key", key, "error", err)
	}
	var rest []activities.DigestItem
	for {
		var it activities.DigestItem
		if !ch.ReceiveAsync(&it) {
			break
		}
		rest = append(rest, it)
	}
	return workflow.NewContinueAsNewError(ctx, DigestWorkflow, activities.DigestInput{UserID: in.UserID, Items: rest})
}

// nextDigest is the first digestHour, London time, after now.
func nextDigest(now time.Time) time.Time {
	l := now.In(calendar.London)
	at := time.Date(l.Year(), l.Month(), l.Day(), digestHour, 0, 0, 0, calendar.London)
	if !at.After(now) {
		at = time.Date(l.Year(), l.Month(), l.Day()+1, digestHour, 0, 0, 0, calendar.London)
	}
	return at
}
