package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// UpdateMarkNotificationsRead records notifications as read by the person
// acting: MarkNotificationsReadRequest → struct{}. Anyone in the directory
// may mark their own; nobody anyone else's.
const UpdateMarkNotificationsRead = "mark_notifications_read"

// MarkNotificationsReadRequest names outbox keys the actor has read.
type MarkNotificationsReadRequest struct {
	Command
	Keys []string `json:"keys"`
}

func (d *directoryWorkflow) setInboxHandler(ctx workflow.Context) error {
	u := rememberedUpdate(d.keys(), UpdateMarkNotificationsRead, func(_ workflow.Context, r MarkNotificationsReadRequest) error {
		return d.State.CheckMarkRead(r.Actor.ID, r.Keys)
	}, func(_ workflow.Context, r MarkNotificationsReadRequest) (struct{}, error) {
		d.State.MarkRead(r.Actor.ID, r.Keys)
		return struct{}{}, nil
	}, nil)
	return setUpdate(ctx, UpdateMarkNotificationsRead, u)
}
