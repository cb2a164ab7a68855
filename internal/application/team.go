package application

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/fundflow/fundflow"
)

// Right is what a co-applicant may do on the one application they were
// invited to. Each includes the ones before it.
type Right string

const (
	RightView    Right = "view"
	RightComment Right = "comment"
	RightEdit    Right = "edit"
)

var rights = []Right{RightView, RightComment, RightEdit}

// Valid reports whether r is one of the rights.
func (r Right) Valid() bool { return slices.Contains(rights, r) }

// Includes reports whether r allows what need allows.
func (r Right) Includes(need Right) bool {
	return r.Valid() && slices.Index(rights, r) >= slices.Index(rights, need)
}

// Label names r for people.
func (r Right) Label() string {
	switch r {
	case RightView:
		return "Can view"
	case RightComment:
		return "Can view and comment"
	case RightEdit:
		return "Can edit"
	}
	return ""
}

// InvitationLifetime is how long an invitation stands unanswered: long
// enough for a fortnight's leave, short enough that a forgotten one does
// not admit someone months later.
const InvitationLifetime = 14 * 24 * time.Hour

// Member is a co-applicant: invited by email, admitted when they accept.
// ID is their directory user id, from the email, so the invitation names
// the person whoever signs in.
type Member struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Right Right  `json:"right"`
	// Sections are the form's sections assigned to them; one with the
	// edit right and sections may change only those.
	Sections   []string       `json:"sections,omitempty"`
	InvitedBy  fundflow.Actor `json:"invited_by"`
	InvitedAt  time.Time      `json:"invited_at"`
	ExpiresAt  time.Time      `json:"expires_at"`
	AcceptedAt time.Time      `json:"accepted_at,omitzero"`
	RemovedAt  time.Time      `json:"removed_at,omitzero"`
}

// MemberStatus is where a co-applicant's invitation stands.
type MemberStatus string

const (
	MemberInvited MemberStatus = "invited"
	MemberActive  MemberStatus = "active"
	MemberExpired MemberStatus = "expired"
	MemberRemoved MemberStatus = "removed"
)

// Status is m's standing at now.
func (m Member) Status(now time.Time) MemberStatus {
	switch {
	case !m.RemovedAt.IsZero():
		return MemberRemoved
	case !m.AcceptedAt.IsZero():
		return MemberActive
	case !now.Before(m.ExpiresAt):
		return MemberExpired
	}
	return MemberInvited
}

// MayEdit reports whether m, active, may change section.
func (m Member) MayEdit(section string) bool {
	return m.Right.Includes(RightEdit) && (len(m.Sections) == 0 || slices.Contains(m.Sections, section))
}

// Team is an application's co-applicants, in the order invited. A person
// removed and invited again has a new entry; only the last counts.
type Team []Member

// Member finds the person's latest entry.
func (t Team) Member(userID string) (Member, bool) {
	if i := t.Latest(userID); i >= 0 {
		return t[i], true
	}
	return Member{}, false
}

// Latest is the index of the person's latest entry, or -1.
func (t Team) Latest(userID string) int {
	for i := len(t) - 1; i >= 0; i-- {
		if t[i].ID == userID {
			return i
		}
	}
	return -1
}

// Active is the person's entry if they have accepted and not been removed.
func (t Team) Active(userID string) (Member, bool) {
	m, ok := t.Member(userID)
	if !ok || m.AcceptedAt.IsZero() || !m.RemovedAt.IsZero() {
		return Member{}, false
	}
	return m, true
}

// Current are the entries that still count, the latest of each person's,
// leaving out the removed.
func (t Team) Current() Team {
	out := Team{}
	for i, m := range t {
		later := slices.ContainsFunc(t[i+1:], func(x Member) bool { return x.ID == m.ID })
		if !later && m.RemovedAt.IsZero() {
			out = append(out, m)
		}
	}
	return out
}

// Comment is a note on the bid by its team, for its team: staff do not
// read a bid's drafting notes.
type Comment struct {
	ID      string         `json:"id"`
	Section string         `json:"section,omitempty"`
	By      fundflow.Actor `json:"by"`
	At      time.Time      `json:"at"`
	Text    string         `json:"text"`
}

// SignOff is a certifier's sign-off: who, in what capacity, when, the
// declaration they made word for word, and the SHA-256 of exactly the
// answers they signed. Voided says a later change to the answers undid it.
type SignOff struct {
	By            fundflow.Actor `json:"by"`
	Capacity      string         `json:"capacity,omitempty"`
	At            time.Time      `json:"at"`
	Declaration   string         `json:"declaration"`
	AnswersSHA256 string         `json:"answers_sha256"`
	Voided        *Voiding       `json:"voided,omitempty"`
}

// Voiding is why a sign-off no longer stands.
type Voiding struct {
	At     time.Time      `json:"at"`
	By     fundflow.Actor `json:"by"`
	Reason string         `json:"reason"`
}

// SendBack is a certifier returning a bid to its team, with reasons.
type SendBack struct {
	By     fundflow.Actor `json:"by"`
	At     time.Time      `json:"at"`
	Reason string         `json:"reason"`
}

// AnswersHash is the SHA-256 of signed as JSON: what a sign-off binds.
// Go's encoder writes struct fields in order and map keys sorted, so the
// same answers always give the same hash.
func AnswersHash(signed any) string {
	b, err := json.Marshal(signed)
	if err != nil {
		// Answers are plain data; failing to encode them is a bug.
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
