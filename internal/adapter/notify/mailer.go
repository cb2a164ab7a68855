package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

// Outcome is what delivering one outbox message came to.
type Outcome struct {
	// Recipients are the users it reached, whose inboxes show it.
	Recipients []string `json:"recipients,omitempty"`
	// Reached counts the people it was sent to, now or by an earlier
	// attempt, by email or, with no email channel, in the inbox alone.
	Reached  int         `json:"reached"`
	Rejected []Rejection `json:"rejected,omitempty"`
	// Subject and Link are what the inbox shows, as rendered for the
	// first recipient (neither names the person).
	Subject string `json:"subject,omitempty"`
	Link    string `json:"link,omitempty"`
}

// Rejection is one address that refused a message for good.
type Rejection struct {
	// To names the person without their address: "user usr_…", or "the
	// lead contact" for one with no account.
	To   string `json:"to"`
	Code string `json:"code"`
}

// Mailer delivers outbox messages to the people they are for.
type Mailer struct {
	// Directory reads the directory as it stands.
	Directory func(context.Context) (*directory.State, error)
	Renderer  *Renderer
	// Channel sends email; nil sends none, so messages reach the inbox
	// alone.
	Channel Channel
	// Redis holds the sent markers and the inbox, under Prefix.
	Redis  redis.UniversalClient
	Prefix string
	// Domain ends every Message-ID.
	Domain string
	// Digest queues a routine message for the daily digest of a member of
	// staff who chose one; nil sends everything at once.
	Digest func(ctx context.Context, userID string, item InboxItem) error
	// Logger is slog.Default() when nil; it is given ids only.
	Logger *slog.Logger
}

// sentFor is how long a sent marker outlives its message: longer than any
// retry of the activity (a day) or replay could come back to it.
const sentFor = 90 * 24 * time.Hour

// Deliver sends the message with outbox key key to everyone addr resolves
// to, once each. A person already sent it (the marker is in Redis) is
// skipped, so a retried activity sends only to those it has not reached.
// A temporary failure returns an error for Temporal to retry; a permanent
// one is recorded in the Outcome and the others are still sent.
//
// The marker is written after the server accepts the message. A crash
// between the two leaves the message sent and unmarked, and the retry sends
// it again: at most one duplicate per crash, with the same Message-ID, which
// is how a mail client or an auditor tells it is the same message.
func (m *Mailer) Deliver(ctx context.Context, key string, msg Message, addr Address, at time.Time) (Outcome, error) {
	st, err := m.Directory(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("read the directory: %w", err)
	}
	var out Outcome
	people := Resolve(st, addr, organisation.DateOf(at))
	var first Content
	for i, to := range people {
		c, err := m.Renderer.Render(msg, to)
		if err != nil {
			return Outcome{}, err
		}
		if i == 0 {
			first = c
			out.Subject, out.Link = c.Subject, c.Link
		}
		if to.UserID != "" {
			out.Recipients = append(out.Recipients, to.UserID)
		}
		if m.Channel == nil {
			out.Reached++
			continue
		}
		if msg.Routine && m.Digest != nil && to.UserID != "" && to.Role.Staff() && st.WantsDigest(to.UserID) {
			if err := m.Digest(ctx, to.UserID, InboxItem{Key: key, ApplicationID: msg.ApplicationID, Reference: msg.Reference, Subject: c.Subject, Link: c.Link, At: at}); err != nil {
				return Outcome{}, fmt.Errorf("queue for the digest: %w", err)
			}
			out.Reached++
			continue
		}
		e := Email{Key: key, MessageID: MessageID(key, to.Email, m.Domain), To: to, Subject: c.Subject, Text: c.Text, HTML: c.HTML}
		err = m.sendOnce(ctx, e)
		var f *Failure
		switch {
		case err == nil:
			out.Reached++
		case errors.As(err, &f) && f.Permanent:
			out.Rejected = append(out.Rejected, Rejection{To: who(to), Code: f.Code})
		default:
			return Outcome{}, err
		}
	}
	if len(out.Recipients) > 0 {
		item := InboxItem{Key: key, ApplicationID: msg.ApplicationID, Reference: msg.Reference, Subject: first.Subject, Link: first.Link, At: at}
		if err := m.Inbox().Add(ctx, out.Recipients, item); err != nil {
			return Outcome{}, err
		}
	}
	return out, nil
}

func who(r Recipient) string {
	if r.UserID == "" {
		return "the lead contact"
	}
	return "user " + r.UserID
}

// sendOnce sends e unless its marker says it was sent.
func (m *Mailer) sendOnce(ctx context.Context, e Email) error {
	marker := m.Prefix + "notify:sent:" + e.MessageID
	n, err := m.Redis.Exists(ctx, marker).Result()
	if err != nil {
		return fmt.Errorf("check the sent marker: %w", err)
	}
	if n > 0 {
		return nil
	}
	if err := m.Channel.Send(ctx, e); err != nil {
		return err
	}
	// The message is out: failing to mark it must not fail the activity,
	// whose retry would send it again.
	if err := m.Redis.Set(ctx, marker, time.Now().UTC().Format(time.RFC3339), sentFor).Err(); err != nil {
		m.logger().WarnContext(ctx, "notification sent but not marked", "key", e.Key, "error", err)
	}
	return nil
}

func (m *Mailer) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// Inbox is the mailer's inbox projection.
func (m *Mailer) Inbox() *Inbox { return &Inbox{Redis: m.Redis, Prefix: m.Prefix} }

// SendDigest emails a member of staff the routine messages gathered for
// them, once: key names the digest ("digest:<user>:<date>"), so a retried
// or replayed send is recognised. Someone deactivated since gets nothing.
func (m *Mailer) SendDigest(ctx context.Context, key, userID string, items []InboxItem) error {
	if m.Channel == nil || len(items) == 0 {
		return nil
	}
	st, err := m.Directory(ctx)
	if err != nil {
		return fmt.Errorf("read the directory: %w", err)
	}
	u, ok := st.User(userID)
	if !ok || !u.Active {
		return nil
	}
	to := Recipient{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role()}
	c, err := m.Renderer.Render(Message{Template: "digest", Items: items}, to)
	if err != nil {
		return err
	}
	return m.sendOnce(ctx, Email{Key: key, MessageID: MessageID(key, to.Email, m.Domain), To: to, Subject: c.Subject, Text: c.Text, HTML: c.HTML})
}
