package directory

import (
	"slices"
	"time"

	"github.com/fundflow/fundflow"
)

// WorkflowID is the directory entity workflow's business key: one per
// deployment (per Temporal namespace).
const WorkflowID = "directory"

// The directory's Queries, named here so the cache in package auth can fall
// back to them without importing the workflows.
const (
	QueryState  = "directory"
	QueryLookup = "lookup"
)

// Lookup asks the directory one question; exactly one field is set.
type Lookup struct {
	TokenHash string `json:"token_hash,omitempty"`
	Email     string `json:"email,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	// FundID asks for the fund's reviewer pool. AnyFund asks instead for
	// every active reviewer, for reviewer assignments scheduled before
	// pools existed.
	FundID  string `json:"fund_id,omitempty"`
	AnyFund bool   `json:"any_fund,omitempty"`
	// CertifiersOf asks for an organisation's certifiers and the people
	// they name, whatever the day: the caller decides who covers it.
	CertifiersOf string `json:"certifiers_of,omitempty"`
}

// Answer is the directory's reply to a Lookup. Found is false when the
// subject is unknown; a known but unusable token or user comes back with
// Found set, so the caller can cache that too.
type Answer struct {
	Found bool   `json:"found"`
	User  User   `json:"user,omitzero"`
	Token Token  `json:"token,omitzero"`
	Pool  []User `json:"pool,omitempty"`
	// Certifiers and Users answer CertifiersOf.
	Certifiers []Certifier `json:"certifiers,omitempty"`
	Users      []User      `json:"users,omitempty"`
}

// Answer answers q from the state.
func (s *State) Answer(q Lookup) Answer {
	switch {
	case q.TokenHash != "":
		t, ok := s.TokenByHash(q.TokenHash)
		a := Answer{Found: ok, Token: t}
		if ok && t.UserID != "" {
			a.User, _ = s.User(t.UserID)
		}
		return a
	case q.Email != "":
		u, ok := s.UserByEmail(q.Email)
		return Answer{Found: ok, User: u}
	case q.UserID != "":
		u, ok := s.User(q.UserID)
		return Answer{Found: ok, User: u}
	case q.AnyFund:
		var pool []User
		for _, u := range s.Users {
			if u.Active && slices.Contains(u.Roles, fundflow.RoleReviewer) {
				pool = append(pool, u)
			}
		}
		return Answer{Found: true, Pool: pool}
	case q.FundID != "":
		return Answer{Found: true, Pool: s.PoolReviewers(q.FundID)}
	case q.CertifiersOf != "":
		a := Answer{Found: true, Certifiers: s.CertifiersOf(q.CertifiersOf)}
		for _, c := range a.Certifiers {
			if u, ok := s.User(c.UserID); ok && !slices.ContainsFunc(a.Users, func(x User) bool { return x.ID == u.ID }) {
				a.Users = append(a.Users, u)
			}
		}
		return a
	}
	return Answer{}
}

// TokenActor is who a token acts as, given its user (zero for a machine
// token); ok is false when the token must not work at t.
func TokenActor(t Token, u User, at time.Time) (fundflow.Actor, bool) {
	if t.ID == "" || !t.Usable(at) {
		return fundflow.Actor{}, false
	}
	if t.UserID == "" {
		return fundflow.Actor{ID: t.ID, Name: t.Name, Role: t.Role, OrgCode: t.OrgCode}, true
	}
	if u.ID != t.UserID || !u.Active || !slices.Contains(u.Roles, t.Role) || u.OrgCode != t.OrgCode {
		return fundflow.Actor{}, false
	}
	return fundflow.Actor{ID: u.ID, Name: u.Name, Role: t.Role, OrgCode: t.OrgCode}, true
}
