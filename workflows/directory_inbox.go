package workflows

import (
	"errors"

	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow/internal/directory"
)

// UpdateMarkNotificationsRead records notifications as read by the person
// acting: MarkNotificationsReadRequest → struct{}. Anyone in the directory
// may mark their own; nobody anyone else's.
const UpdateMarkNotificationsRead = "mark_notifications_read"

// UpdateSetNotificationPreference records how the acting member of staff
// wants routine notifications: SetNotificationPreferenceRequest →
// directory.Preference.
const UpdateSetNotificationPreference = "set_notification_preference"

// SetNotificationPreferenceRequest chooses the daily digest, or not.
type SetNotificationPreferenceRequest struct {
	Command
	Digest bool `json:"digest"`
}

// MarkNotificationsReadRequest names outbox keys the actor has read.
type MarkNotificationsReadRequest struct {
	Command
	Keys []string `json:"keys"`
}

func (d *directoryWorkflow) setInboxHandler(ctx workflow.Context) error {
	read := rememberedUpdate(d.keys(), UpdateMarkNotificationsRead, func(_ workflow.Context, r MarkNotificationsReadRequest) error {
		return d.State.CheckMarkRead(r.Actor.ID, r.Keys)
	}, func(_ workflow.Context, r MarkNotificationsReadRequest) (struct{}, error) {
		d.State.MarkRead(r.Actor.ID, r.Keys)
		return struct{}{}, nil
	}, nil)
	pref := rememberedUpdate(d.keys(), UpdateSetNotificationPreference, func(_ workflow.Context, r SetNotificationPreferenceRequest) error {
		return d.State.CheckSetPreference(r.Actor.ID)
	}, func(_ workflow.Context, r SetNotificationPreferenceRequest) (directory.Preference, error) {
		return d.State.SetPreference(r.Actor.ID, r.Digest), nil
	}, nil)
	return errors.Join(setUpdate(ctx, UpdateMarkNotificationsRead, read), setUpdate(ctx, UpdateSetNotificationPreference, pref))
}
