// Package directory is the vocabulary and the rules of fundflow's directory
// of people (who they are and what they may do): users and their roles,
// each fund's reviewer pool and panel, each organisation's certifiers, and
// the service tokens machines use. The directory entity workflow is its
// only writer; Redis caches lookups from it and is rebuilt from it.
// Everything here is pure, so the workflow can run it deterministically and
// tests can run it without Temporal.
//
// The organisations people apply for are package organisation's; this
// package holds the people. It imports the root package and organisation
// only, never Temporal, Redis or an adapter.
package directory

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/email"
	"github.com/fundflow/fundflow/internal/organisation"
)

// User is a person who may sign in. A person is known by their verified
// work email: the identity provider vouches for the email, and the
// directory says what that person may do here.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// OrgCode is the ODS code of an applicant's organisation; staff have
	// none.
	OrgCode string          `json:"org_code,omitempty"`
	Roles   []fundflow.Role `json:"roles"`
	Active  bool            `json:"active"`
	// Rev is the directory revision that last changed the user, so a cache
	// never replaces a newer copy with an older one.
	Rev       int64          `json:"rev"`
	InvitedAt time.Time      `json:"invited_at"`
	InvitedBy fundflow.Actor `json:"invited_by"`
}

// Role is the role the user acts in: the first they were given. A person
// with several roles acts in one at a time, and the first is the one the
// admin listed first.
func (u User) Role() fundflow.Role {
	if len(u.Roles) == 0 {
		return ""
	}
	return u.Roles[0]
}

// Actor is the user as timelines record them.
func (u User) Actor() fundflow.Actor {
	return fundflow.Actor{ID: u.ID, Name: u.Name, Role: u.Role(), OrgCode: u.OrgCode}
}

// Token is a named credential for a machine, or for a person's scripts when
// UserID is set. Only the SHA-256 of the secret is ever stored.
type Token struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Role    fundflow.Role `json:"role"`
	OrgCode string        `json:"org_code,omitempty"`
	// UserID, when set, makes the token act as that user: it carries the
	// user's id in timelines and stops working when the user is
	// deactivated.
	UserID    string         `json:"user_id,omitempty"`
	Hash      string         `json:"hash"`
	ExpiresAt time.Time      `json:"expires_at,omitzero"`
	CreatedAt time.Time      `json:"created_at"`
	CreatedBy fundflow.Actor `json:"created_by"`
	RevokedAt time.Time      `json:"revoked_at,omitzero"`
	Rev       int64          `json:"rev"`
}

// Usable reports whether the token may be used at t.
func (t Token) Usable(at time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || at.Before(t.ExpiresAt))
}

// Pool is who reviews and who sits on the panel for one fund.
type Pool struct {
	FundID    string   `json:"fund_id"`
	Reviewers []string `json:"reviewers"`
	Panel     []string `json:"panel"`
	Rev       int64    `json:"rev"`
}

// Entry is one line of the audit timeline: every invitation, role change,
// deactivation, pool change, certifier change and token created or
// revoked.
type Entry struct {
	Seq    int64          `json:"seq"`
	At     time.Time      `json:"at"`
	Actor  fundflow.Actor `json:"actor"`
	Action string         `json:"action"`
	// Subject is the user id, token id, fund id or ODS code the entry is
	// about.
	Subject string `json:"subject"`
	Detail  string `json:"detail"`
	Reason  string `json:"reason,omitempty"`
}

// Audit actions.
const (
	ActionInvited      = "user_invited"
	ActionRolesChanged = "roles_changed"
	ActionDeactivated  = "user_deactivated"
	ActionReactivated  = "user_reactivated"
	ActionPoolChanged  = "pool_changed"
	ActionTokenCreated = "token_created"
	ActionTokenRevoked = "token_revoked"
	// ActionCertifiersChanged is about an organisation: its Subject is the
	// ODS code.
	ActionCertifiersChanged = "certifiers_changed"
)

// State is the whole directory, carried across Continue-As-New.
type State struct {
	Rev    int64   `json:"rev"`
	Users  []User  `json:"users"`
	Tokens []Token `json:"tokens"`
	Pools  []Pool  `json:"pools"`
	Audit  []Entry `json:"audit"`
	// Read holds each person's notifications marked read.
	Read []ReadMarks `json:"read,omitempty"`
	// Prefs holds the notification preferences people have set.
	Prefs []Preference `json:"prefs,omitempty"`
	// Certifiers are every organisation's, each organisation's in the
	// order its list was set.
	Certifiers []Certifier `json:"certifiers,omitempty"`
}

// Limits that keep one request, and the state carried across
// Continue-As-New, a sensible size.
const (
	MaxNameLen   = 100
	MaxReasonLen = 500
	MaxPoolSize  = 200
)

// UserID is the id a user gets, derived from their email so the same
// invitation always names the same person.
func UserID(email string) string {
	sum := sha256.Sum256([]byte(NormalEmail(email)))
	return "usr_" + hex.EncodeToString(sum[:6])
}

// TokenID names a token by its hash; the hash of a 256-bit secret gives
// nothing away.
func TokenID(hash string) string { return "tok_" + hash[:min(12, len(hash))] }

// NormalEmail is the form emails are compared in.
func NormalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Invite is a request to add a person.
type Invite struct {
	Email   string          `json:"email"`
	Name    string          `json:"name"`
	OrgCode string          `json:"org_code,omitempty"`
	Roles   []fundflow.Role `json:"roles"`
	Reason  string          `json:"reason,omitempty"`
}

// NewToken is a request to add a service token; the caller mints the secret
// and sends only its hash.
type NewToken struct {
	Name      string        `json:"name"`
	Role      fundflow.Role `json:"role"`
	OrgCode   string        `json:"org_code,omitempty"`
	UserID    string        `json:"user_id,omitempty"`
	Hash      string        `json:"hash"`
	ExpiresAt time.Time     `json:"expires_at,omitzero"`
	Reason    string        `json:"reason,omitempty"`
}

// CheckRoles is the rule for what roles and organisation go together: an
// applicant belongs to an organisation and holds no staff role, and staff
// belong to none.
func CheckRoles(v *fundflow.Invalid, roles []fundflow.Role, orgCode string) {
	if len(roles) == 0 {
		v.Add("roles", "at least one role is needed")
	}
	for i, r := range roles {
		if !r.Valid() {
			v.Add(fmt.Sprintf("roles[%d]", i), "must be one of applicant, reviewer, panel_chair, programme_manager, admin")
		}
		if slices.Index(roles, r) != i {
			v.Add(fmt.Sprintf("roles[%d]", i), "is listed twice")
		}
	}
	applicant := slices.Contains(roles, fundflow.RoleApplicant)
	co := slices.Contains(roles, fundflow.RoleCoApplicant)
	switch {
	case applicant && len(roles) > 1:
		v.Add("roles", "an applicant holds no staff role")
	case co && len(roles) > 1:
		v.Add("roles", "a co-applicant holds no other role")
	case applicant && orgCode == "":
		v.Add("org_code", "an applicant needs an organisation")
	case !applicant && orgCode != "":
		v.Add("org_code", "only applicants belong to an organisation")
	}
}

// User finds a user by id.
func (s *State) User(id string) (User, bool) {
	i := slices.IndexFunc(s.Users, func(u User) bool { return u.ID == id })
	if i < 0 {
		return User{}, false
	}
	return s.Users[i], true
}

// UserByEmail finds a user by email, in any case.
func (s *State) UserByEmail(email string) (User, bool) {
	return s.User(UserID(email))
}

// TokenByHash finds a token by the hash of its secret.
func (s *State) TokenByHash(hash string) (Token, bool) {
	i := slices.IndexFunc(s.Tokens, func(t Token) bool { return t.Hash == hash })
	if i < 0 {
		return Token{}, false
	}
	return s.Tokens[i], true
}

// Token finds a token by id.
func (s *State) Token(id string) (Token, bool) {
	i := slices.IndexFunc(s.Tokens, func(t Token) bool { return t.ID == id })
	if i < 0 {
		return Token{}, false
	}
	return s.Tokens[i], true
}

// Pool is a fund's pool; a fund nobody has staffed has an empty one.
func (s *State) Pool(fundID string) Pool {
	i := slices.IndexFunc(s.Pools, func(p Pool) bool { return p.FundID == fundID })
	if i < 0 {
		return Pool{FundID: fundID, Reviewers: []string{}, Panel: []string{}}
	}
	return s.Pools[i]
}

// PoolReviewers are the people a fund may assign now: members of its pool
// who are active and still hold the reviewer role, in pool order.
func (s *State) PoolReviewers(fundID string) []User {
	out := []User{}
	for _, id := range s.Pool(fundID).Reviewers {
		if u, ok := s.User(id); ok && u.Active && slices.Contains(u.Roles, fundflow.RoleReviewer) {
			out = append(out, u)
		}
	}
	return out
}

func (s *State) record(at time.Time, by fundflow.Actor, action, subject, detail, reason string) {
	s.Audit = append(s.Audit, Entry{Seq: int64(len(s.Audit)) + 1, At: at, Actor: by, Action: action, Subject: subject, Detail: detail, Reason: reason})
}

func (s *State) bump() int64 {
	s.Rev++
	return s.Rev
}

// CheckInvite refuses an invitation that is malformed or names someone
// already invited. Whether an applicant's organisation exists and is valid
// today is for the caller, which has the registry and the date.
func (s *State) CheckInvite(in Invite) error {
	var v fundflow.Invalid
	if !email.Valid(strings.TrimSpace(in.Email)) {
		v.Add("email", "must be an email address such as name@nhs.net")
	}
	v.Text("name", in.Name, MaxNameLen, true)
	v.Text("reason", in.Reason, MaxReasonLen, false)
	CheckRoles(&v, in.Roles, in.OrgCode)
	if err := v.Err("the invitation is invalid"); err != nil {
		return err
	}
	if _, ok := s.UserByEmail(in.Email); ok {
		return fundflow.Errorf(fundflow.ECONFLICT, "%s has already been invited", NormalEmail(in.Email))
	}
	return nil
}

// InviteUser adds a person, active at once.
func (s *State) InviteUser(in Invite, by fundflow.Actor, at time.Time) (User, error) {
	if err := s.CheckInvite(in); err != nil {
		return User{}, err
	}
	u := User{
		ID: UserID(in.Email), Name: strings.TrimSpace(in.Name), Email: NormalEmail(in.Email), OrgCode: in.OrgCode,
		Roles: slices.Clone(in.Roles), Active: true, Rev: s.bump(), InvitedAt: at, InvitedBy: by,
	}
	s.Users = append(s.Users, u)
	s.record(at, by, ActionInvited, u.ID, fmt.Sprintf("%s <%s> invited as %s%s", u.Name, u.Email, rolesText(u.Roles), orgText(u.OrgCode)), in.Reason)
	return u, nil
}

func rolesText(roles []fundflow.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func orgText(code string) string {
	if code == "" {
		return ""
	}
	return " for " + code
}

func (s *State) existing(id string) (int, error) {
	i := slices.IndexFunc(s.Users, func(u User) bool { return u.ID == id })
	if i < 0 {
		return 0, fundflow.Errorf(fundflow.ENOTFOUND, "no user %q", id)
	}
	return i, nil
}

// CheckSetRoles refuses a role change that breaks the role rules or changes
// nothing.
func (s *State) CheckSetRoles(userID string, roles []fundflow.Role, orgCode, reason string) error {
	i, err := s.existing(userID)
	if err != nil {
		return err
	}
	var v fundflow.Invalid
	CheckRoles(&v, roles, orgCode)
	v.Text("reason", reason, MaxReasonLen, true)
	if err := v.Err("the role change is invalid"); err != nil {
		return err
	}
	u := s.Users[i]
	if slices.Equal(u.Roles, roles) && u.OrgCode == orgCode {
		return fundflow.Errorf(fundflow.ECONFLICT, "%s already has exactly these roles", u.Name)
	}
	return nil
}

// SetRoles replaces a user's roles (and organisation), recording what was
// granted and what revoked.
func (s *State) SetRoles(userID string, roles []fundflow.Role, orgCode, reason string, by fundflow.Actor, at time.Time) (User, error) {
	if err := s.CheckSetRoles(userID, roles, orgCode, reason); err != nil {
		return User{}, err
	}
	i, _ := s.existing(userID)
	u := &s.Users[i]
	var granted, revoked []fundflow.Role
	for _, r := range roles {
		if !slices.Contains(u.Roles, r) {
			granted = append(granted, r)
		}
	}
	for _, r := range u.Roles {
		if !slices.Contains(roles, r) {
			revoked = append(revoked, r)
		}
	}
	detail := fmt.Sprintf("roles now %s%s", rolesText(roles), orgText(orgCode))
	if len(granted) > 0 {
		detail += "; granted " + rolesText(granted)
	}
	if len(revoked) > 0 {
		detail += "; revoked " + rolesText(revoked)
	}
	u.Roles, u.OrgCode, u.Rev = slices.Clone(roles), orgCode, s.bump()
	s.record(at, by, ActionRolesChanged, u.ID, detail, reason)
	return *u, nil
}

// CheckSetActive refuses deactivating someone already deactivated (and the
// reverse), and an admin deactivating themselves, which could leave nobody
// able to undo it.
func (s *State) CheckSetActive(userID string, active bool, reason string, by fundflow.Actor) error {
	i, err := s.existing(userID)
	if err != nil {
		return err
	}
	var v fundflow.Invalid
	v.Text("reason", reason, MaxReasonLen, true)
	if err := v.Err("the request is invalid"); err != nil {
		return err
	}
	u := s.Users[i]
	switch {
	case u.Active == active && active:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "%s is already active", u.Name)
	case u.Active == active:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "%s is already deactivated", u.Name)
	case !active && u.ID == by.ID:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "you cannot deactivate yourself; ask another admin")
	}
	return nil
}

// SetActive deactivates or reactivates a user. Their tokens follow them.
func (s *State) SetActive(userID string, active bool, reason string, by fundflow.Actor, at time.Time) (User, error) {
	if err := s.CheckSetActive(userID, active, reason, by); err != nil {
		return User{}, err
	}
	i, _ := s.existing(userID)
	u := &s.Users[i]
	u.Active, u.Rev = active, s.bump()
	action, detail := ActionReactivated, u.Name+" reactivated"
	if !active {
		action, detail = ActionDeactivated, u.Name+" deactivated: their sessions and tokens stop working"
	}
	s.record(at, by, action, u.ID, detail, reason)
	return *u, nil
}

// CheckSetPool refuses a pool naming people who could not serve in it:
// reviewers must be active users with the reviewer role, panel members
// active staff.
func (s *State) CheckSetPool(p Pool, reason string) error {
	var v fundflow.Invalid
	if p.FundID == "" {
		v.Add("fund_id", "is required")
	}
	v.Text("reason", reason, MaxReasonLen, false)
	check := func(field string, ids []string, ok func(User) bool, need string) {
		if len(ids) > MaxPoolSize {
			v.Add(field, "at most %d people", MaxPoolSize)
		}
		for i, id := range ids {
			u, found := s.User(id)
			switch {
			case !found:
				v.Add(fmt.Sprintf("%s[%d]", field, i), "no user %q", id)
			case !u.Active:
				v.Add(fmt.Sprintf("%s[%d]", field, i), "%s is deactivated", u.Name)
			case !ok(u):
				v.Add(fmt.Sprintf("%s[%d]", field, i), "%s %s", u.Name, need)
			case slices.Index(ids, id) != i:
				v.Add(fmt.Sprintf("%s[%d]", field, i), "%s is listed twice", u.Name)
			}
		}
	}
	check("reviewers", p.Reviewers, func(u User) bool { return slices.Contains(u.Roles, fundflow.RoleReviewer) }, "does not hold the reviewer role")
	check("panel", p.Panel, func(u User) bool { return u.Role().Staff() }, "is not staff")
	return v.Err("the pool is invalid")
}

// SetPool replaces a fund's reviewer pool and panel.
func (s *State) SetPool(p Pool, reason string, by fundflow.Actor, at time.Time) (Pool, error) {
	if err := s.CheckSetPool(p, reason); err != nil {
		return Pool{}, err
	}
	p.Reviewers, p.Panel = nonNil(slices.Clone(p.Reviewers)), nonNil(slices.Clone(p.Panel))
	p.Rev = s.bump()
	if i := slices.IndexFunc(s.Pools, func(q Pool) bool { return q.FundID == p.FundID }); i >= 0 {
		s.Pools[i] = p
	} else {
		s.Pools = append(s.Pools, p)
	}
	s.record(at, by, ActionPoolChanged, p.FundID, fmt.Sprintf("reviewers: %s; panel: %s", s.names(p.Reviewers), s.names(p.Panel)), reason)
	return p, nil
}

func (s *State) names(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		u, _ := s.User(id)
		out[i] = u.Name
	}
	return strings.Join(out, ", ")
}

// Check finds what is wrong with the token request on its own, before
// the directory is consulted.
func (t NewToken) Check(at time.Time) fundflow.Invalid {
	var v fundflow.Invalid
	v.Text("name", t.Name, MaxNameLen, true)
	v.Text("reason", t.Reason, MaxReasonLen, false)
	if !t.Role.Valid() {
		v.Add("role", "must be one of applicant, reviewer, panel_chair, programme_manager, admin")
	}
	switch {
	case t.Role == fundflow.RoleApplicant && t.OrgCode == "":
		v.Add("org_code", "an applicant token needs an organisation")
	case t.Role != fundflow.RoleApplicant && t.OrgCode != "":
		v.Add("org_code", "only applicant tokens belong to an organisation")
	}
	if !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(at) {
		v.Add("expires_at", "must be in the future")
	}
	return v
}

// CheckCreateToken refuses a malformed token or one that repeats a secret.
// Whether its organisation is valid today is for the caller.
func (s *State) CheckCreateToken(t NewToken, at time.Time) error {
	v := t.Check(at)
	if !hashPattern.MatchString(t.Hash) {
		v.Add("hash", "must be a lower-case hex SHA-256")
	}
	if t.UserID != "" {
		u, ok := s.User(t.UserID)
		switch {
		case !ok:
			v.Add("user_id", "no user %q", t.UserID)
		case !u.Active:
			v.Add("user_id", "%s is deactivated", u.Name)
		case !slices.Contains(u.Roles, t.Role) || u.OrgCode != t.OrgCode:
			v.Add("role", "%s does not hold this role%s", u.Name, orgText(t.OrgCode))
		}
	}
	if err := v.Err("the token is invalid"); err != nil {
		return err
	}
	if _, ok := s.TokenByHash(t.Hash); ok {
		return fundflow.Errorf(fundflow.ECONFLICT, "this token is already registered")
	}
	return nil
}

// CreateToken registers a token.
func (s *State) CreateToken(t NewToken, by fundflow.Actor, at time.Time) (Token, error) {
	if err := s.CheckCreateToken(t, at); err != nil {
		return Token{}, err
	}
	tok := Token{
		ID: TokenID(t.Hash), Name: strings.TrimSpace(t.Name), Role: t.Role, OrgCode: t.OrgCode, UserID: t.UserID,
		Hash: t.Hash, ExpiresAt: t.ExpiresAt, CreatedAt: at, CreatedBy: by, Rev: s.bump(),
	}
	s.Tokens = append(s.Tokens, tok)
	detail := fmt.Sprintf("token %q for %s%s", tok.Name, tok.Role, orgText(tok.OrgCode))
	if !tok.ExpiresAt.IsZero() {
		detail += ", expires " + tok.ExpiresAt.UTC().Format(time.RFC3339)
	}
	s.record(at, by, ActionTokenCreated, tok.ID, detail, t.Reason)
	return tok, nil
}

// CheckRevokeToken refuses revoking an unknown or already revoked token.
func (s *State) CheckRevokeToken(id, reason string) error {
	t, ok := s.Token(id)
	if !ok {
		return fundflow.Errorf(fundflow.ENOTFOUND, "no token %q", id)
	}
	var v fundflow.Invalid
	v.Text("reason", reason, MaxReasonLen, false)
	if err := v.Err("the request is invalid"); err != nil {
		return err
	}
	if !t.RevokedAt.IsZero() {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "token %q was already revoked", t.Name)
	}
	return nil
}

// RevokeToken stops a token working, for good.
func (s *State) RevokeToken(id, reason string, by fundflow.Actor, at time.Time) (Token, error) {
	if err := s.CheckRevokeToken(id, reason); err != nil {
		return Token{}, err
	}
	i := slices.IndexFunc(s.Tokens, func(t Token) bool { return t.ID == id })
	t := &s.Tokens[i]
	t.RevokedAt, t.Rev = at, s.bump()
	s.record(at, by, ActionTokenRevoked, t.ID, fmt.Sprintf("token %q revoked", t.Name), reason)
	return *t, nil
}

func nonNil[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}

// CheckOrg is the rule that people and tokens act only for organisations
// that exist today: it returns the registry's spelling of code, or a
// refusal that names the successor of an abolished organisation.
func CheckOrg(orgs *organisation.Registry, code string, today organisation.Date) (string, error) {
	if code == "" {
		return "", nil
	}
	o, v := orgs.ValidOn(code, today)
	var msg string
	switch v.Status {
	case organisation.Valid:
		if !o.Type.Applicant() {
			// A trust is in the registry to be named as a partner; bids
			// come from the bodies that commission.
			return "", fundflow.Invalid{{Field: "org_code", Message: fmt.Sprintf("%s (%s) is a partner organisation, which cannot lead a bid", o.Name, o.Code)}}.Err("the organisation cannot apply")
		}
		return o.Code, nil
	case organisation.NotFound:
		msg = fmt.Sprintf("no organisation %q in the registry", code)
	case organisation.NotYetValid:
		msg = fmt.Sprintf("%s (%s) is not valid until %s", o.Name, o.Code, o.ValidFrom)
	default:
		msg = fmt.Sprintf("%s (%s) is not valid today", o.Name, o.Code)
		if v.Successor != nil {
			msg += fmt.Sprintf("; its successor is %s (%s)", v.Successor.Name, v.Successor.Code)
		}
	}
	return "", fundflow.Invalid{{Field: "org_code", Message: msg}}.Err("the organisation is not valid today")
}
