package application

import (
	"time"

	"github.com/fundflow/fundflow"
)

// Entry is one line of an application's timeline: who did what, when, in
// which role, and why.
type Entry struct {
	Seq    int           `json:"seq"`
	At     time.Time     `json:"at"`
	Actor  string        `json:"actor"`
	Role   fundflow.Role `json:"role"`
	Action string        `json:"action"`
	Detail string        `json:"detail,omitempty"`
}

// Timeline is append-only: entries are never edited or removed, so the
// timeline is the application's audit trail. Seq counts from 1 with no
// gaps, which lets a client page through it or spot a missed entry.
type Timeline []Entry

// Append records an action by actor and returns the new entry.
func (t *Timeline) Append(at time.Time, actor fundflow.Actor, action, detail string) Entry {
	name := actor.Name
	if name == "" {
		// An entry must always say who; an id beats a blank.
		name = actor.ID
	}
	e := Entry{Seq: len(*t) + 1, At: at.UTC(), Actor: name, Role: actor.Role, Action: action, Detail: detail}
	*t = append(*t, e)
	return e
}
