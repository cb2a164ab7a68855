// Package notify turns an application's outbox messages into email that
// reaches people: it resolves who a message is for from the directory,
// renders it from templates/notifications, and sends it once per person
// through a channel (SMTP, GOV.UK Notify) chosen by configuration.
//
// Nothing here logs an address, a name or a message body: logs travel
// further than application data. Errors carry status codes, never the
// server's text, which often quotes the address it refused.
//
// An adapter: it may import the root package, domain packages and other
// adapters, never workflows, activities, api, web or internal/devtest.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/fundflow/fundflow"
)

// Recipient is one person a message goes to.
type Recipient struct {
	// UserID is empty for a lead contact who has no account, who gets
	// email but has no inbox.
	UserID string        `json:"user_id,omitempty"`
	Name   string        `json:"name"`
	Email  string        `json:"email"`
	Role   fundflow.Role `json:"role"`
}

// Email is one rendered message to one person.
type Email struct {
	// Key is the outbox key; MessageID is derived from it and the
	// recipient, so every attempt at the same message carries the same id.
	Key       string
	MessageID string
	To        Recipient
	Subject   string
	Text      string
	HTML      string
}

// Channel delivers one email. Its errors are classified by Permanent.
type Channel interface {
	Send(ctx context.Context, e Email) error
}

// Failure is a channel's refusal, with the status code that classifies it
// and nothing the server said.
type Failure struct {
	// Permanent means trying again cannot help: the address is invalid,
	// or the service refused this message for good.
	Permanent bool
	// Code is what the timeline shows, such as "smtp 550 5.1.1".
	Code string
}

func (f *Failure) Error() string {
	if f.Permanent {
		return "permanently refused: " + f.Code
	}
	return "temporarily refused: " + f.Code
}

// Permanent reports whether err is a refusal that retrying cannot change.
// Anything unclassified (a timeout, a dropped connection) is temporary.
func Permanent(err error) bool {
	var f *Failure
	return errors.As(err, &f) && f.Permanent
}

// MessageID is the Message-ID of the message with outbox key key to the
// person with email to, without angle brackets: stable across retries and
// replays, so a receiving system (or a person) can tell a duplicate from a
// second message. The address is hashed, so the id gives nothing away.
func MessageID(key, to, domain string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(to)))
	local := strings.NewReplacer(":", ".", "@", ".", " ", "").Replace(key)
	return fmt.Sprintf("%s.%s@%s", local, hex.EncodeToString(sum[:6]), domain)
}
