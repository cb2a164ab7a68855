package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/money"
)

// message queues a notification rendered from
// templates/notifications/<template>.tmpl with params: the wording lives
// in the template, the workflow says only what happened and to whom. It
// carries what the Notify activity needs to find the people: the fund (its
// pool and panel), the organisation and the lead contact.
func (a *applicationWorkflow) message(ctx workflow.Context, kind activities.NotificationKind, audience, template string, p map[string]string) {
	a.Outbox = append(a.Outbox, NotificationRecord{
		Notification: activities.Notification{
			Key:           fmt.Sprintf("application:%s:%s:%d", a.ApplicationID, kind, len(a.Outbox)+1),
			ApplicationID: a.ApplicationID, Reference: a.Reference, Kind: kind, Audience: audience, Template: template, Params: p,
			FundID: a.FundID, OrgCode: a.OrgCode, LeadName: a.Content.LeadContact.Name, LeadEmail: a.Content.LeadContact.Email,
		},
		At: workflow.Now(ctx).UTC(),
	})
}

// params pairs up names and values for a template.
func params(kv ...string) map[string]string {
	mustHold(checkPairs(kv))
	p := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

func checkPairs(kv []string) error {
	if len(kv)%2 != 0 {
		return fmt.Errorf("template parameters %q are not in pairs", kv)
	}
	return nil
}

// offerParams are what an offer's message states: the amount and when it
// lapses.
func (a *applicationWorkflow) offerParams() map[string]string {
	return params("fund", a.Fund.Name, "amount", money.Format(a.Offer.AmountPence), "due", calendar.LongTime(a.Offer.AcceptBy))
}

// notificationOutcomes is the version from which the outcome of each
// delivery (who it reached, who refused it) is recorded on the timeline,
// and a message that reached nobody is raised with the admins.
const notificationOutcomes = "notification-outcomes"

// delivered records what the Notify activity reported for n: its
// recipients, for the inbox, and on the staff timeline any address that
// refused it for good. A message nobody could receive is raised with the
// admins, unless it was for them.
func (a *applicationWorkflow) delivered(ctx workflow.Context, i int, res activities.NotifyResult) {
	n := &a.Outbox[i]
	n.Recipients, n.Link = res.Recipients, res.Link
	if n.Subject == "" {
		n.Subject = res.Subject
	}
	for _, r := range res.Rejected {
		a.record(ctx, application.AudienceStaff, fundflow.System, "notification_failed", fmt.Sprintf("%s message %s to %s refused: %s", n.Kind, n.Key, r.To, r.Code))
	}
	if res.Reached > 0 {
		return
	}
	why := "nobody in the directory can receive it"
	if len(res.Rejected) > 0 {
		why = "every address refused it"
	}
	a.undeliverable(ctx, i, why)
}

// undeliverable records that message i reached nobody, and tells the admins.
func (a *applicationWorkflow) undeliverable(ctx workflow.Context, i int, why string) {
	n := a.Outbox[i]
	a.record(ctx, application.AudienceStaff, fundflow.System, "notification_undelivered", fmt.Sprintf("%s message %s for %s was not delivered: %s", n.Kind, n.Key, n.Audience, why))
	if n.Audience != audienceAdmin {
		a.message(ctx, activities.NotificationUndeliverable, audienceAdmin, "notification_failed",
			params("kind", string(n.Kind), "audience", n.Audience, "reason", why))
	}
}
