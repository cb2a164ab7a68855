package activities

import (
	"context"
	"slices"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/notify"
)

// Immediate reports whether a kind of notification is always sent at once,
// whatever a person's preference: deadlines and decisions are.
func (k NotificationKind) Immediate() bool {
	return slices.Contains([]NotificationKind{
		NotificationQueryRaised, NotificationQueryExpired, NotificationSLAReminder, NotificationSLAEscalation,
		NotificationDecision, NotificationOfferEnded, NotificationMilestoneReminder, NotificationMilestoneOverdue,
		NotificationAwardEnded, NotificationUndeliverable, NotificationReturnReminder, NotificationReturnOverdue,
	}, k)
}

// The digest workflow: one per person who chose a daily digest, started by
// the first routine message it gathers. Named here, not in workflows, which
// imports this package.
const (
	DigestWorkflowType = "DigestWorkflow"
	DigestSignal       = "digest_item"
)

// DigestWorkflowID is the business key of userID's digest.
func DigestWorkflowID(userID string) string { return "digest:" + userID }

// DigestItem is one routine message waiting for a digest.
type DigestItem = notify.InboxItem

// QueueDigest hands item to userID's digest workflow, starting it if need
// be. The workflow drops an item it already holds, so a retried activity
// queues nothing twice.
func (a *Activities) QueueDigest(ctx context.Context, userID string, item DigestItem) error {
	_, err := a.Temporal.SignalWithStartWorkflow(ctx, DigestWorkflowID(userID), DigestSignal, item,
		client.StartWorkflowOptions{ID: DigestWorkflowID(userID), TaskQueue: fundflow.TaskQueue}, DigestWorkflowType, DigestInput{UserID: userID})
	return err
}

// DigestInput is a digest workflow's state, carried across
// Continue-As-New.
type DigestInput struct {
	UserID string       `json:"user_id"`
	Items  []DigestItem `json:"items,omitempty"`
}

// SendDigestInput is one day's digest for one person.
type SendDigestInput struct {
	// Key is "digest:<user>:<date>", the digest's identity.
	Key    string       `json:"key"`
	UserID string       `json:"user_id"`
	Items  []DigestItem `json:"items"`
}

// SendDigest emails a digest once. A permanent refusal is not retried.
func (a *Activities) SendDigest(ctx context.Context, in SendDigestInput) error {
	if a.Mail == nil {
		return nil
	}
	err := a.Mail.SendDigest(ctx, in.Key, in.UserID, in.Items)
	if notify.Permanent(err) {
		return temporal.NewNonRetryableApplicationError(err.Error(), "refused", nil)
	}
	return err
}
