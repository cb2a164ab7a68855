package activities

import (
	"context"
	"log/slog"
)

// NotificationKind says what a notification is about.
type NotificationKind string

const (
	NotificationReceived            NotificationKind = "received"
	NotificationQueryRaised         NotificationKind = "query_raised"
	NotificationQueryAnswered       NotificationKind = "query_answered"
	NotificationQueryExpired        NotificationKind = "query_expired"
	NotificationReviewerAssigned    NotificationKind = "reviewer_assigned"
	NotificationReviewersNeeded     NotificationKind = "reviewers_needed"
	NotificationAssessmentsComplete NotificationKind = "assessments_complete"
	NotificationSLAReminder         NotificationKind = "sla_reminder"
	NotificationSLAEscalation       NotificationKind = "sla_escalation"
	NotificationDecision            NotificationKind = "decision"
	NotificationWithdrawn           NotificationKind = "withdrawn"
	// The offer and the deployment.
	NotificationOfferAccepted     NotificationKind = "offer_accepted"
	NotificationOfferEnded        NotificationKind = "offer_ended"
	NotificationMilestone         NotificationKind = "milestone"
	NotificationMilestoneReminder NotificationKind = "milestone_reminder"
	NotificationMilestoneOverdue  NotificationKind = "milestone_overdue"
	NotificationExtension         NotificationKind = "extension"
	NotificationAwardEnded        NotificationKind = "award_ended"
)

// Notification is one message in an application's outbox.
type Notification struct {
	// Key is "application:<id>:<kind>:<seq>", unique per message. Notify
	// may run more than once for one key (an activity retried after its
	// reply was lost), so a Notifier should send each key once.
	Key           string           `json:"key"`
	ApplicationID string           `json:"application_id"`
	Kind          NotificationKind `json:"kind"`
	// Audience is a role ("applicant" for the applicant organisation's
	// contacts, "panel_chair", ...) or one person, "reviewer:<id>".
	Audience string `json:"audience"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
}

// ReviewerAudience addresses a notification to one reviewer.
func ReviewerAudience(id string) string { return "reviewer:" + id }

// Notifier delivers notifications: email, a queue, or the log.
type Notifier interface {
	Send(ctx context.Context, n Notification) error
}

// LogNotifier writes each notification to the log, the default until a real
// channel is wired in. The line carries ids and the kind only: subjects and
// bodies can quote what applicants wrote, and logs are kept and shipped
// more widely than application data.
type LogNotifier struct {
	// Logger is slog.Default() when nil.
	Logger *slog.Logger
}

// Send logs n.
func (l LogNotifier) Send(ctx context.Context, n Notification) error {
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.InfoContext(ctx, "notification", "key", n.Key, "application_id", n.ApplicationID, "kind", n.Kind, "audience", n.Audience)
	return nil
}

// Notify delivers one notification from an application's outbox. An error
// is retried by Temporal; the workflow records the outcome either way.
func (a *Activities) Notify(ctx context.Context, n Notification) error {
	var notifier Notifier = LogNotifier{}
	if a.Notifier != nil {
		notifier = a.Notifier
	}
	err := notifier.Send(ctx, n)
	outcome := "sent"
	if err != nil {
		outcome = "failed"
	}
	count(ctx, "fundflow_notifications", map[string]string{"kind": string(n.Kind), "outcome": outcome})
	return err
}
