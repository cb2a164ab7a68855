package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// The directory's admin routes: people, their roles, each fund's reviewer
// pool and panel, service tokens and the audit timeline. Every change is a
// directory Update, so it is refused there as much as here.

type userJSON struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Email     string          `json:"email"`
	OrgCode   string          `json:"org_code,omitempty"`
	Roles     []fundflow.Role `json:"roles"`
	Active    bool            `json:"active"`
	InvitedAt time.Time       `json:"invited_at"`
	InvitedBy fundflow.Actor  `json:"invited_by"`
}

func toUserJSON(u directory.User) userJSON {
	return userJSON{ID: u.ID, Name: u.Name, Email: u.Email, OrgCode: u.OrgCode, Roles: nonNilSlice(u.Roles), Active: u.Active, InvitedAt: u.InvitedAt, InvitedBy: u.InvitedBy}
}

// tokenJSON never carries the hash: it is not secret, but no client needs
// it.
type tokenJSON struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Role       fundflow.Role  `json:"role"`
	OrgCode    string         `json:"org_code,omitempty"`
	UserID     string         `json:"user_id,omitempty"`
	ExpiresAt  *time.Time     `json:"expires_at,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	CreatedBy  fundflow.Actor `json:"created_by"`
	RevokedAt  *time.Time     `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time     `json:"last_used_at,omitempty"`
	Status     string         `json:"status"`
	// Token is the secret, shown once, in the answer to its creation.
	Token string `json:"token,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *server) toTokenJSON(t directory.Token, lastUsed time.Time) tokenJSON {
	status := "active"
	switch {
	case !t.RevokedAt.IsZero():
		status = "revoked"
	case !t.Usable(s.Now()):
		status = "expired"
	}
	return tokenJSON{ID: t.ID, Name: t.Name, Role: t.Role, OrgCode: t.OrgCode, UserID: t.UserID, ExpiresAt: timePtr(t.ExpiresAt),
		CreatedAt: t.CreatedAt, CreatedBy: t.CreatedBy, RevokedAt: timePtr(t.RevokedAt), LastUsedAt: timePtr(lastUsed), Status: status}
}

type poolJSON struct {
	FundID    string     `json:"fund_id"`
	Reviewers []userJSON `json:"reviewers"`
	Panel     []userJSON `json:"panel"`
}

func toPoolJSON(st directory.State, p directory.Pool) poolJSON {
	out := poolJSON{FundID: p.FundID, Reviewers: []userJSON{}, Panel: []userJSON{}}
	for _, id := range p.Reviewers {
		if u, ok := st.User(id); ok {
			out.Reviewers = append(out.Reviewers, toUserJSON(u))
		}
	}
	for _, id := range p.Panel {
		if u, ok := st.User(id); ok {
			out.Panel = append(out.Panel, toUserJSON(u))
		}
	}
	return out
}

func nonNilSlice[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}

func (s *server) directoryState(r *http.Request) (directory.State, error) {
	var st directory.State
	err := s.query(r.Context(), workflows.DirectoryWorkflowID, workflows.QueryDirectory, &st)
	return st, err
}

func (s *server) directoryUpdate(w http.ResponseWriter, r *http.Request, name string, arg func(workflows.Command) any, result any) bool {
	cmd, err := command(r)
	if err == nil {
		err = s.update(r.Context(), workflows.DirectoryWorkflowID, name, cmd.Key, arg(cmd), result)
	}
	if err != nil {
		s.writeError(w, r, err)
		return false
	}
	return true
}

// checkOrg applies the registry: people and tokens act only for
// organisations valid today.
func (s *server) checkOrg(code string) (string, error) {
	return directory.CheckOrg(s.Orgs, strings.ToUpper(strings.TrimSpace(code)), organisation.DateOf(s.Now()))
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	st, err := s.directoryState(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]userJSON, len(st.Users))
	for i, u := range st.Users {
		items[i] = toUserJSON(u)
	}
	slices.SortFunc(items, func(a, b userJSON) int { return strings.Compare(a.Email, b.Email) })
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

type inviteBody struct {
	Email   string          `json:"email"`
	Name    string          `json:"name"`
	OrgCode string          `json:"org_code"`
	Roles   []fundflow.Role `json:"roles"`
	Reason  string          `json:"reason"`
}

func (s *server) inviteUser(w http.ResponseWriter, r *http.Request) {
	var body inviteBody
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := s.checkOrg(body.OrgCode)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var u directory.User
	if s.directoryUpdate(w, r, workflows.UpdateInviteUser, func(c workflows.Command) any {
		return workflows.InviteUserRequest{Command: c, Invite: directory.Invite{Email: body.Email, Name: body.Name, OrgCode: code, Roles: body.Roles, Reason: body.Reason}}
	}, &u) {
		writeJSON(w, http.StatusCreated, toUserJSON(u))
	}
}

type rolesBody struct {
	Roles   []fundflow.Role `json:"roles"`
	OrgCode string          `json:"org_code"`
	Reason  string          `json:"reason"`
}

func (s *server) setRoles(w http.ResponseWriter, r *http.Request) {
	var body rolesBody
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := s.checkOrg(body.OrgCode)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var u directory.User
	if s.directoryUpdate(w, r, workflows.UpdateSetRoles, func(c workflows.Command) any {
		return workflows.SetRolesRequest{Command: c, UserID: mux.Vars(r)["user_id"], Roles: body.Roles, OrgCode: code, Reason: body.Reason}
	}, &u) {
		writeJSON(w, http.StatusOK, toUserJSON(u))
	}
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *server) setUserActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body reasonBody
		if err := decodeOptional(w, r, &body); err != nil {
			s.writeError(w, r, err)
			return
		}
		var u directory.User
		if s.directoryUpdate(w, r, workflows.UpdateSetUserActive, func(c workflows.Command) any {
			return workflows.SetUserActiveRequest{Command: c, UserID: mux.Vars(r)["user_id"], Active: active, Reason: body.Reason}
		}, &u) {
			writeJSON(w, http.StatusOK, toUserJSON(u))
		}
	}
}

func (s *server) getPool(w http.ResponseWriter, r *http.Request) {
	st, err := s.directoryState(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toPoolJSON(st, st.Pool(mux.Vars(r)["fund_id"])))
}

type poolBody struct {
	Reviewers []string `json:"reviewers"`
	Panel     []string `json:"panel"`
	Reason    string   `json:"reason"`
}

func (s *server) setPool(w http.ResponseWriter, r *http.Request) {
	var body poolBody
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := mux.Vars(r)["fund_id"]
	// Staffing a fund that does not exist is a mistake worth catching.
	if err := s.query(r.Context(), workflows.FundWorkflowID(id), workflows.QueryFund, nil); err != nil {
		s.writeError(w, r, orNotFound(err, "no fund %q", id))
		return
	}
	var p directory.Pool
	if !s.directoryUpdate(w, r, workflows.UpdateSetFundPool, func(c workflows.Command) any {
		return workflows.SetFundPoolRequest{Command: c, FundID: id, Reviewers: nonNilSlice(body.Reviewers), Panel: nonNilSlice(body.Panel), Reason: body.Reason}
	}, &p) {
		return
	}
	st, err := s.directoryState(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toPoolJSON(st, p))
}

func (s *server) listTokens(w http.ResponseWriter, r *http.Request) {
	st, err := s.directoryState(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ids := make([]string, len(st.Tokens))
	for i, t := range st.Tokens {
		ids[i] = t.ID
	}
	used, err := s.Tokens.LastUsed(r.Context(), ids)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]tokenJSON, len(st.Tokens))
	for i, t := range st.Tokens {
		items[i] = s.toTokenJSON(t, used[t.ID])
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

type tokenBody struct {
	Name      string        `json:"name"`
	Role      fundflow.Role `json:"role"`
	OrgCode   string        `json:"org_code"`
	UserID    string        `json:"user_id"`
	ExpiresAt *time.Time    `json:"expires_at"`
	Reason    string        `json:"reason"`
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request) {
	var body tokenBody
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := s.checkOrg(body.OrgCode)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	secret, hash, err := auth.Mint()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	nt := directory.NewToken{Name: body.Name, Role: body.Role, OrgCode: code, UserID: body.UserID, Hash: hash, Reason: body.Reason}
	if body.ExpiresAt != nil {
		nt.ExpiresAt = body.ExpiresAt.UTC()
	}
	var t directory.Token
	if s.directoryUpdate(w, r, workflows.UpdateCreateToken, func(c workflows.Command) any {
		return workflows.CreateTokenRequest{Command: c, NewToken: nt}
	}, &t) {
		out := s.toTokenJSON(t, time.Time{})
		out.Token = secret
		writeJSON(w, http.StatusCreated, out)
	}
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) {
	var body reasonBody
	if err := decodeOptional(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	var t directory.Token
	if s.directoryUpdate(w, r, workflows.UpdateRevokeToken, func(c workflows.Command) any {
		return workflows.RevokeTokenRequest{Command: c, TokenID: mux.Vars(r)["token_id"], Reason: body.Reason}
	}, &t) {
		writeJSON(w, http.StatusOK, s.toTokenJSON(t, time.Time{}))
	}
}

func (s *server) directoryAudit(w http.ResponseWriter, r *http.Request) {
	var v fundflow.Invalid
	limit := readLimit(r, &v)
	after := readSeqCursor(r, &v)
	if err := v.Err("the list parameters are invalid"); err != nil {
		s.writeError(w, r, err)
		return
	}
	var page workflows.AuditPage
	if err := s.query(r.Context(), workflows.DirectoryWorkflowID, workflows.QueryDirectoryAudit, &page, workflows.AuditQuery{AfterSeq: after, Limit: limit}); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": page.Entries, "next_cursor": seqCursor(page.NextAfterSeq)})
}

// certifierJSON is one of an organisation's certifiers. The email is for
// admins, who arrange sign-off; colleagues reading the list have the
// directory's name for each other and no need of the addresses.
type certifierJSON struct {
	UserID        string             `json:"user_id"`
	Name          string             `json:"name"`
	Email         string             `json:"email,omitempty"`
	Capacity      directory.Capacity `json:"capacity"`
	CapacityLabel string             `json:"capacity_label"`
	From          string             `json:"from"`
	To            string             `json:"to,omitempty"`
	// Current is whether they may certify today: their delegation covers
	// it and they are still an active person of the organisation.
	Current bool `json:"current"`
}

type certifierListJSON struct {
	ODSCode    string          `json:"ods_code"`
	Certifiers []certifierJSON `json:"certifiers"`
}

func (s *server) toCertifierList(st directory.State, org string, cs []directory.Certifier, admin bool) certifierListJSON {
	today := organisation.DateOf(s.Now())
	out := certifierListJSON{ODSCode: org, Certifiers: []certifierJSON{}}
	for _, c := range cs {
		u, _ := st.User(c.UserID)
		j := certifierJSON{UserID: c.UserID, Name: u.Name, Capacity: c.Capacity, CapacityLabel: c.Capacity.Label(),
			From: c.From.String(), To: c.To.String(), Current: c.Covers(today) && st.IsCertifier(c.UserID, org, today)}
		if admin {
			j.Email = u.Email
		}
		out.Certifiers = append(out.Certifiers, j)
	}
	return out
}

// certifiersOf is the organisation a certifiers route names, in the
// registry's spelling. Applicants see their own organisation's list only;
// another's is as unknown to them as a made-up code.
func (s *server) certifiersOf(r *http.Request) (string, error) {
	o, ok := s.Orgs.Lookup(mux.Vars(r)["ods_code"])
	if !ok || !principal(r.Context()).Actor().MaySee(o.Code) {
		return "", fundflow.Errorf(fundflow.ENOTFOUND, "no organisation has that code")
	}
	return o.Code, nil
}

func (s *server) listCertifiers(w http.ResponseWriter, r *http.Request) {
	org, err := s.certifiersOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.directoryState(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toCertifierList(st, org, st.CertifiersOf(org), principal(r.Context()).Role == fundflow.RoleAdmin))
}

type certifierBody struct {
	UserID   string             `json:"user_id"`
	Capacity directory.Capacity `json:"capacity"`
	From     string             `json:"from"`
	To       string             `json:"to"`
}

type certifiersBody struct {
	Certifiers []certifierBody `json:"certifiers"`
	Reason     string          `json:"reason"`
}

// certifiers reads the list's dates; everything else about it is the
// directory's to judge. A missing list is refused rather than read as an
// empty one, which would quietly leave the organisation with nobody.
func (b certifiersBody) certifiers() ([]directory.Certifier, error) {
	var v fundflow.Invalid
	if b.Certifiers == nil {
		v.Add("certifiers", "is required; send [] to leave the organisation with no certifiers")
	}
	date := func(field, s string) organisation.Date {
		if s == "" {
			return organisation.Date{}
		}
		d, err := organisation.ParseDate(s)
		if err != nil {
			v.Add(field, "must be a real date as YYYY-MM-DD")
		}
		return d
	}
	out := make([]directory.Certifier, len(b.Certifiers))
	for i, c := range b.Certifiers {
		out[i] = directory.Certifier{UserID: c.UserID, Capacity: c.Capacity,
			From: date(fmt.Sprintf("certifiers[%d].from", i), c.From), To: date(fmt.Sprintf("certifiers[%d].to", i), c.To)}
	}
	return out, v.Err("the certifiers are invalid")
}

func (s *server) setCertifiers(w http.ResponseWriter, r *http.Request) {
	var body certifiersBody
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	org, err := s.certifiersOf(r)
	if err == nil {
		org, err = s.checkPathOrg(org)
	}
	var cs []directory.Certifier
	if err == nil {
		cs, err = body.certifiers()
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var kept []directory.Certifier
	if !s.directoryUpdate(w, r, workflows.UpdateSetCertifiers, func(c workflows.Command) any {
		return workflows.SetCertifiersRequest{Command: c, OrgCode: org, Certifiers: cs, Reason: body.Reason}
	}, &kept) {
		return
	}
	st, err := s.directoryState(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toCertifierList(st, org, kept, true))
}

// checkPathOrg is checkOrg for a code in the path, which the refusal
// names.
func (s *server) checkPathOrg(code string) (string, error) {
	code, err := s.checkOrg(code)
	var e *fundflow.Error
	if errors.As(err, &e) {
		for i := range e.Fields {
			e.Fields[i].Field = "ods_code"
		}
	}
	return code, err
}

// decodeOptional decodes a body the client may leave out.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decode(w, r, v)
}
