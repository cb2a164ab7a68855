package activities

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/fundflow/fundflow/internal/adapter/notify"
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
	// A partnership bid: an invitation onto it, and its sign-off.
	NotificationInvitation NotificationKind = "invitation"
	NotificationSignOff    NotificationKind = "sign_off"
	// After the award: a change request, and monitoring returns.
	NotificationChange         NotificationKind = "change_request"
	NotificationReturn         NotificationKind = "return"
	NotificationReturnReminder NotificationKind = "return_reminder"
	NotificationReturnOverdue  NotificationKind = "return_overdue"
	// NotificationUndeliverable tells the admins a message reached nobody.
	NotificationUndeliverable NotificationKind = "undeliverable"
)

// Notification is one message in an application's outbox.
type Notification struct {
	// Key is "application:<id>:<kind>:<seq>", unique per message. Notify
	// may run more than once for one key (an activity retried after its
	// reply was lost), so a Notifier should send each key once.
	Key           string `json:"key"`
	ApplicationID string `json:"application_id"`
	// Reference is the application's, which the message names it by;
	// absent from messages queued before references.
	Reference string           `json:"reference,omitempty"`
	Kind      NotificationKind `json:"kind"`
	// Audience is a role ("applicant" for the applicant organisation's
	// contacts, "panel_chair", ...) or one person, "reviewer:<id>".
	Audience string `json:"audience"`
	// Subject and Body are the wording of messages queued before
	// templates; later ones name a Template in templates/notifications
	// and the Params that fill it.
	Subject  string            `json:"subject"`
	Body     string            `json:"body"`
	Template string            `json:"template,omitempty"`
	Params   map[string]string `json:"params,omitempty"`
	// FundID, OrgCode and the lead contact say who the audience is: the
	// fund's pool and panel, the organisation's applicant users.
	FundID    string `json:"fund_id,omitempty"`
	OrgCode   string `json:"org_code,omitempty"`
	LeadName  string `json:"lead_name,omitempty"`
	LeadEmail string `json:"lead_email,omitempty"`
	// InviteeName and InviteeEmail are the person an InviteeAudience
	// message invites.
	InviteeName  string `json:"invitee_name,omitempty"`
	InviteeEmail string `json:"invitee_email,omitempty"`
}

// InviteeAudience addresses a notification to the person it invites.
const InviteeAudience = notify.InviteeAudience

// ReviewerAudience addresses a notification to one reviewer, in the
// notation notify.Resolve reads; it is here because workflow code may not
// import the adapter.
func ReviewerAudience(id string) string { return notify.ReviewerPrefix + id }

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

// NotifyResult is who a notification reached and who refused it.
type NotifyResult = notify.Outcome

// Notify delivers one notification from an application's outbox: through
// the Mailer, to the people the directory says it is for, or without one to
// the Notifier. A temporary failure is retried by Temporal; a permanent one
// is in the result, for the workflow to put on the timeline.
func (a *Activities) Notify(ctx context.Context, n Notification) (NotifyResult, error) {
	res, err := a.deliverNotification(ctx, n)
	outcome := "sent"
	switch {
	case err != nil:
		outcome = "failed"
	case len(res.Rejected) > 0:
		outcome = "rejected"
	case res.Reached == 0:
		outcome = "unreachable"
	}
	count(ctx, "fundflow_notifications", map[string]string{"kind": string(n.Kind), "outcome": outcome})
	return res, err
}

func (a *Activities) deliverNotification(ctx context.Context, n Notification) (NotifyResult, error) {
	if a.Mail != nil {
		at := time.Now().UTC()
		if activity.IsActivity(ctx) {
			at = activity.GetInfo(ctx).ScheduledTime.UTC()
		}
		return a.Mail.Deliver(ctx, n.Key,
			notify.Message{ApplicationID: n.ApplicationID, Reference: n.Reference, Template: n.Template, Params: n.Params, Subject: n.Subject, Body: n.Body, Routine: !n.Kind.Immediate()},
			notify.Address{Audience: n.Audience, FundID: n.FundID, OrgCode: n.OrgCode, LeadName: n.LeadName, LeadEmail: n.LeadEmail,
				InviteeName: n.InviteeName, InviteeEmail: n.InviteeEmail}, at)
	}
	var notifier Notifier = LogNotifier{}
	if a.Notifier != nil {
		notifier = a.Notifier
	}
	if err := notifier.Send(ctx, n); err != nil {
		return NotifyResult{}, err
	}
	return NotifyResult{Reached: 1}, nil
}
