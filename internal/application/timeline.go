package application

import (
	"slices"
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
	// Audience is who may read the entry, decided where it is recorded.
	// Entries recorded before audiences were kept have none; see Seen.
	Audience Audience `json:"audience,omitempty"`
}

// Audience is who may read a timeline entry.
type Audience string

const (
	// AudienceEveryone is the applicant as well as staff: what was done to
	// the application and by which role.
	AudienceEveryone Audience = "everyone"
	// AudienceStaff is the fund's own people only: the reviewers' work,
	// who they are, and the internal clockwork of deadlines.
	AudienceStaff Audience = "staff"
)

// staffActions are the actions recorded for staff only from before entries
// carried their audience; the workflow has recorded them AudienceStaff
// since.
var staffActions = []string{
	"reviewers_assigned", "reviewers_short", "conflict_declared", "no_conflict_declared",
	"assessment_submitted", "assessment_revised", "assessments_complete", "sla_reminder", "sla_escalated",
}

// Seen is who may read e: its audience, or for an entry recorded without
// one, the audience its action has been recorded with since.
func (e Entry) Seen() Audience {
	switch {
	case e.Audience != "":
		return e.Audience
	case slices.Contains(staffActions, e.Action):
		return AudienceStaff
	}
	return AudienceEveryone
}

// ForApplicant is e as the applicant may read it, and false if they may not
// read it at all. Reviewers are named by their role only: who assessed an
// application is the fund's to know.
func (e Entry) ForApplicant() (Entry, bool) {
	if e.Seen() != AudienceEveryone {
		return Entry{}, false
	}
	if e.Role == fundflow.RoleReviewer {
		e.Actor = ReviewerLabel
	}
	return e, true
}

// ReviewerLabel names a reviewer to an applicant.
const ReviewerLabel = "Reviewer"

// Timeline is append-only: entries are never edited or removed, so the
// timeline is the application's audit trail. Seq counts from 1 with no
// gaps, which lets a client page through it or spot a missed entry.
type Timeline []Entry

// Append records an action by actor for audience and returns the new
// entry.
func (t *Timeline) Append(at time.Time, audience Audience, actor fundflow.Actor, action, detail string) Entry {
	name := actor.Name
	if name == "" {
		// An entry must always say who; an id beats a blank.
		name = actor.ID
	}
	e := Entry{Seq: len(*t) + 1, At: at.UTC(), Actor: name, Role: actor.Role, Action: action, Detail: detail, Audience: audience}
	*t = append(*t, e)
	return e
}
