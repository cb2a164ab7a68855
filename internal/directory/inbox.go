package directory

import (
	"regexp"
	"slices"

	"github.com/fundflow/fundflow"
)

// ReadMarks are the notifications one person has marked read. They are a
// fact about the person, kept here rather than in Redis alone; the inbox
// the API lists from is rebuilt from the outboxes and these marks.
type ReadMarks struct {
	UserID string   `json:"user_id"`
	Keys   []string `json:"keys"`
}

// MaxReadMarks bounds the marks kept per person: the oldest are dropped,
// and their notifications have long left the inbox, which keeps as many.
const MaxReadMarks = 500

// MaxMarkKeys bounds one request to mark notifications read.
const MaxMarkKeys = 100

var outboxKeyPattern = regexp.MustCompile(`^application:[A-Za-z0-9_-]{1,64}:[a-z_]{1,40}:[0-9]{1,6}$`)

// ValidOutboxKey reports whether key has an outbox key's form.
func ValidOutboxKey(key string) bool { return outboxKeyPattern.MatchString(key) }

// CheckMarkRead refuses marks for someone not in the directory, or keys
// that cannot be notifications.
func (s *State) CheckMarkRead(userID string, keys []string) error {
	if u, ok := s.User(userID); !ok || !u.Active {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only people in the directory have an inbox")
	}
	var v fundflow.Invalid
	if len(keys) == 0 || len(keys) > MaxMarkKeys {
		v.Add("keys", "between 1 and %d notifications", MaxMarkKeys)
	}
	for _, k := range keys {
		if !ValidOutboxKey(k) {
			v.Add("keys", "%q is not a notification id", k)
			break
		}
	}
	return v.Err("the notifications cannot be marked read")
}

// MarkRead records keys as read by the user; marking one twice changes
// nothing.
func (s *State) MarkRead(userID string, keys []string) {
	i := slices.IndexFunc(s.Read, func(m ReadMarks) bool { return m.UserID == userID })
	if i < 0 {
		s.Read = append(s.Read, ReadMarks{UserID: userID})
		i = len(s.Read) - 1
	}
	m := &s.Read[i]
	for _, k := range keys {
		if !slices.Contains(m.Keys, k) {
			m.Keys = append(m.Keys, k)
		}
	}
	if over := len(m.Keys) - MaxReadMarks; over > 0 {
		m.Keys = slices.Delete(m.Keys, 0, over)
	}
}

// Preference is how one person wants routine notifications: Digest sends
// them in one email a day instead of one each. Deadlines and decisions are
// always sent at once.
type Preference struct {
	UserID string `json:"user_id"`
	Digest bool   `json:"digest"`
}

// WantsDigest reports whether the user chose the daily digest.
func (s *State) WantsDigest(userID string) bool {
	i := slices.IndexFunc(s.Prefs, func(p Preference) bool { return p.UserID == userID })
	return i >= 0 && s.Prefs[i].Digest
}

// CheckSetPreference lets staff choose; applicants are always told at
// once, since what they are told is what they must act on.
func (s *State) CheckSetPreference(userID string) error {
	u, ok := s.User(userID)
	if !ok || !u.Active {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only people in the directory have notification preferences")
	}
	if !u.Role().Staff() {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only staff may choose a daily digest")
	}
	return nil
}

// SetPreference records the user's choice.
func (s *State) SetPreference(userID string, digest bool) Preference {
	p := Preference{UserID: userID, Digest: digest}
	if i := slices.IndexFunc(s.Prefs, func(p Preference) bool { return p.UserID == userID }); i >= 0 {
		s.Prefs[i] = p
	} else {
		s.Prefs = append(s.Prefs, p)
	}
	return p
}
