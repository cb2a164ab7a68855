package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/web/apiclient"
)

// The directory's admin pages: people, their roles, each fund's reviewer
// pool and panel, service tokens and the audit timeline. Each is the
// API's admin routes seen through a form; the API refuses anyone else.

// hasRole reports whether the user holds role.
func hasRole(u apiclient.User, role string) bool {
	return slices.Contains(u.Roles, apiclient.UserRoles(role))
}

// roles are the roles a person can hold, in the order the forms offer
// them.
var roles = []string{"applicant", "reviewer", "panel_chair", "programme_manager", "admin"}

// userLabels name the invitation and role forms' fields, on the forms and
// in their errors.
var userLabels = map[string]string{
	"name":     "Full name",
	"email":    "Work email address",
	"roles":    "Roles",
	"org_code": "Organisation (ODS code)",
	"reason":   "Reason",
}

func userPath(id string) string { return "/admin/users/" + url.PathEscape(id) }

func (s *server) allUsers(ctx context.Context) ([]apiclient.User, error) {
	res, err := s.api.ListUsersWithResponse(ctx)
	if err := check(res, err); err != nil {
		return nil, err
	}
	return res.JSON200.Items, nil
}

// userForm is what was typed into a person's form, kept on a refusal.
type userForm struct {
	Values map[string]string
	Roles  []string
}

func readUserForm(r *http.Request) userForm {
	f := userForm{Values: map[string]string{}, Roles: []string{}}
	for k := range userLabels {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	for _, role := range r.PostForm["roles"] {
		if slices.Contains(roles, role) && !slices.Contains(f.Roles, role) {
			f.Roles = append(f.Roles, role)
		}
	}
	return f
}

type usersPage struct {
	Users    []apiclient.User
	Form     userForm
	AllRoles []string
	Labels   map[string]string
}

func (s *server) users(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, userForm{Values: map[string]string{}}, nil)
}

func (s *server) renderUsers(w http.ResponseWriter, r *http.Request, status int, form userForm, errs []fieldError) {
	users, err := s.allUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "admin/users", view{Title: "People", Errors: errs,
		Data: usersPage{Users: users, Form: form, AllRoles: roles, Labels: userLabels}})
}

func (s *server) inviteUser(w http.ResponseWriter, r *http.Request) {
	form := readUserForm(r)
	res, err := s.api.InviteUserWithResponse(r.Context(), nil, apiclient.InviteUserJSONRequestBody{
		Name: form.Values["name"], Email: form.Values["email"], Roles: typed[apiclient.InviteUserJSONBodyRoles](form.Roles),
		OrgCode: form.Values["org_code"], Reason: form.Values["reason"]}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderUsers(w, r, problemStatus(err), form, explain(onUserForm(errs), userLabels))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := res.JSON201
	s.flash(w, r, u.Name+" has been invited")
	http.Redirect(w, r, userPath(u.ID), http.StatusSeeOther)
}

// onUserForm points an error about one of the roles, such as roles[1], at
// the roles' checkboxes.
func onUserForm(errs []fieldError) []fieldError {
	for i, e := range errs {
		if strings.HasPrefix(e.Field, "roles[") {
			errs[i].Field = "roles"
		}
	}
	return errs
}

type userPage struct {
	User     apiclient.User
	Audit    []apiclient.DirectoryEntry
	Form     userForm
	AllRoles []string
	Labels   map[string]string
}

func (s *server) user(w http.ResponseWriter, r *http.Request) {
	s.renderUser(w, r, http.StatusOK, userForm{}, nil)
}

// renderUser shows a person, their roles and their part of the audit
// timeline; form, when it has values, is a refused change as typed.
func (s *server) renderUser(w http.ResponseWriter, r *http.Request, status int, form userForm, errs []fieldError) {
	users, err := s.allUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := mux.Vars(r)["user_id"]
	i := slices.IndexFunc(users, func(u apiclient.User) bool { return u.ID == id })
	if i < 0 {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct.")
		return
	}
	u := users[i]
	if form.Values == nil {
		form = userForm{Values: map[string]string{"org_code": u.OrgCode}, Roles: untyped(u.Roles)}
	}
	audit, err := s.auditOf(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "admin/user", view{Title: u.Name, Errors: errs,
		Data: userPage{User: u, Audit: audit, Form: form, AllRoles: roles, Labels: userLabels}})
}

// maxAuditPages bounds how much of the timeline a person's page reads.
const maxAuditPages = 20

// auditOf is the audit timeline's entries about subject, newest first.
func (s *server) auditOf(ctx context.Context, subject string) ([]apiclient.DirectoryEntry, error) {
	var out []apiclient.DirectoryEntry
	params := &apiclient.ListDirectoryAuditParams{Limit: new(200)}
	for range maxAuditPages {
		res, err := s.api.ListDirectoryAuditWithResponse(ctx, params)
		if err := check(res, err); err != nil {
			return nil, err
		}
		page := res.JSON200
		for _, e := range page.Items {
			if e.Subject == subject {
				out = append(out, e)
			}
		}
		if page.NextCursor == "" {
			break
		}
		params.Cursor = &page.NextCursor
	}
	slices.Reverse(out)
	return out, nil
}

func (s *server) setRoles(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["user_id"]
	form := readUserForm(r)
	res, err := s.api.SetUserRolesWithResponse(r.Context(), id, nil, apiclient.SetUserRolesJSONRequestBody{
		Roles: typed[apiclient.SetUserRolesJSONBodyRoles](form.Roles), OrgCode: form.Values["org_code"], Reason: form.Values["reason"]}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderUser(w, r, problemStatus(err), form, explain(onUserForm(errs), userLabels))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "Roles changed")
	http.Redirect(w, r, userPath(id), http.StatusSeeOther)
}

func (s *server) deactivateUser(w http.ResponseWriter, r *http.Request) {
	s.setUserActive(w, r, false, "Deactivated: they can no longer sign in, and their tokens stop working")
}

func (s *server) reactivateUser(w http.ResponseWriter, r *http.Request) {
	s.setUserActive(w, r, true, "Reactivated")
}

// setUserActive deactivates or reactivates a person; a refusal, such as
// deactivating yourself, is shown on their page with the reason as typed.
func (s *server) setUserActive(w http.ResponseWriter, r *http.Request, active bool, done string) {
	id := mux.Vars(r)["user_id"]
	reason := strings.TrimSpace(r.PostFormValue("active_reason"))
	var err error
	if active {
		res, e := s.api.ReactivateUserWithResponse(r.Context(), id, nil, apiclient.ReactivateUserJSONRequestBody{Reason: reason}, keyed(r))
		err = check(res, e)
	} else {
		res, e := s.api.DeactivateUserWithResponse(r.Context(), id, nil, apiclient.DeactivateUserJSONRequestBody{Reason: reason}, keyed(r))
		err = check(res, e)
	}
	if errs, ok := refused(err); ok {
		for i := range errs {
			if errs[i].Field == "reason" {
				errs[i].Field = "active_reason"
			}
		}
		s.renderUser(w, r, problemStatus(err), userForm{Values: map[string]string{"active_reason": reason}},
			explain(errs, map[string]string{"active_reason": "The reason"}))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, done)
	http.Redirect(w, r, userPath(id), http.StatusSeeOther)
}

// poolPage is a fund's reviewer pool and panel, with who could be in each.
type poolPage struct {
	Fund       *apiclient.Fund
	Reviewers  []apiclient.User
	Panel      []apiclient.User
	Chosen     map[string]bool // "reviewers:id" and "panel:id"
	CanReview  []apiclient.User
	CanSitOn   []apiclient.User
	Reason     string
	PoolLabels map[string]string
}

var poolLabels = map[string]string{"reviewers": "Reviewer pool", "panel": "Panel members", "reason": "Reason"}

func (s *server) reviewers(w http.ResponseWriter, r *http.Request) {
	s.renderReviewers(w, r, http.StatusOK, nil, "", nil)
}

// renderReviewers shows the pool; chosen, when not nil, is a refused
// change as ticked.
func (s *server) renderReviewers(w http.ResponseWriter, r *http.Request, status int, chosen map[string]bool, reason string, errs []fieldError) {
	id := mux.Vars(r)["fund_id"]
	f, err := s.fundByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.api.GetReviewerPoolWithResponse(r.Context(), id)
	if err := check(res, err); err != nil {
		s.fail(w, r, err)
		return
	}
	pool := res.JSON200
	users, err := s.allUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if chosen == nil {
		chosen = map[string]bool{}
		for _, u := range pool.Reviewers {
			chosen["reviewers:"+u.ID] = true
		}
		for _, u := range pool.Panel {
			chosen["panel:"+u.ID] = true
		}
	}
	p := poolPage{Fund: f, Reviewers: pool.Reviewers, Panel: pool.Panel, Chosen: chosen, Reason: reason, PoolLabels: poolLabels}
	for _, u := range users {
		if !u.Active {
			continue
		}
		if hasRole(u, "reviewer") {
			p.CanReview = append(p.CanReview, u)
		}
		if hasRole(u, "reviewer") || hasRole(u, "panel_chair") {
			p.CanSitOn = append(p.CanSitOn, u)
		}
	}
	s.render(w, r, status, "admin/reviewers", view{Title: "Reviewers and panel for " + f.Name, Errors: errs, Data: p})
}

func (s *server) setReviewers(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["fund_id"]
	chosen := map[string]bool{}
	ids := func(part string) []string {
		out := []string{}
		for _, u := range r.PostForm[part] {
			if !chosen[part+":"+u] {
				chosen[part+":"+u] = true
				out = append(out, u)
			}
		}
		return out
	}
	body := apiclient.SetReviewerPoolJSONRequestBody{Reviewers: ids("reviewers"), Panel: ids("panel"), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	res, err := s.api.SetReviewerPoolWithResponse(r.Context(), id, nil, body, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		for i, e := range errs {
			for _, part := range []string{"reviewers", "panel"} {
				if strings.HasPrefix(e.Field, part+"[") {
					errs[i].Field = part
				}
			}
		}
		s.renderReviewers(w, r, problemStatus(err), chosen, body.Reason, explain(errs, poolLabels))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "Reviewer pool and panel saved")
	http.Redirect(w, r, fundPath(id)+"/reviewers", http.StatusSeeOther)
}

func (s *server) tokens(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, nil)
}

func (s *server) renderTokens(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	res, err := s.api.ListTokensWithResponse(r.Context())
	if err := check(res, err); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "admin/tokens", view{Title: "Service tokens", Errors: errs, Data: res.JSON200.Items})
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["token_id"]
	res, err := s.api.RevokeTokenWithResponse(r.Context(), id, nil,
		apiclient.RevokeTokenJSONRequestBody{Reason: strings.TrimSpace(r.PostFormValue("reason"))}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderTokens(w, r, problemStatus(err), errs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "Token revoked")
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}

// auditPage is one page of the directory's timeline, oldest first, as
// the API pages it.
type auditPage struct {
	Entries []apiclient.DirectoryEntry
	Next    string
}

func (s *server) audit(w http.ResponseWriter, r *http.Request) {
	params := &apiclient.ListDirectoryAuditParams{Limit: new(50)}
	if c := r.URL.Query().Get("cursor"); c != "" {
		params.Cursor = &c
	}
	res, err := s.api.ListDirectoryAuditWithResponse(r.Context(), params)
	if err := check(res, err); err != nil {
		s.fail(w, r, err)
		return
	}
	page := res.JSON200
	p := auditPage{Entries: page.Items}
	if page.NextCursor != "" {
		p.Next = "/admin/audit?cursor=" + url.QueryEscape(page.NextCursor)
	}
	s.render(w, r, http.StatusOK, "admin/audit", view{Title: "Directory audit timeline", Data: p})
}

// An organisation's certifiers are set on one form: a row for each person
// on the list, which can be changed or taken off, and spareRows empty ones
// to add people; more than that is another save away, which keeps the page
// working without JavaScript.
const spareRows = 2

// maxCertifierRows is the directory's limit on one organisation's list.
const maxCertifierRows = 20

// capacityOption is one capacity a certifier can be named in.
type capacityOption struct{ Value, Label string }

// personOption is one person a row can name. Someone on the list who can
// no longer certify is still offered, marked, so their row shows who it is
// and the admin can take them off.
type personOption struct{ ID, Name, Note string }

func certifierPeople(users []apiclient.User, list []apiclient.Certifier, org string) []personOption {
	var out []personOption
	for _, u := range users {
		if u.Active && u.OrgCode == org && hasRole(u, "applicant") {
			out = append(out, personOption{ID: u.ID, Name: u.Name})
		}
	}
	for _, c := range list {
		if !slices.ContainsFunc(out, func(p personOption) bool { return p.ID == c.UserID }) {
			out = append(out, personOption{ID: c.UserID, Name: c.Name, Note: "cannot certify now"})
		}
	}
	return out
}

// certifierValues fills the form from the list as it stands.
func certifierValues(list []apiclient.Certifier) url.Values {
	v := url.Values{}
	for i, c := range list {
		v.Set(fmt.Sprintf("user_id-%d", i), c.UserID)
		v.Set(fmt.Sprintf("capacity-%d", i), string(c.Capacity))
		setDateParts(v, fmt.Sprintf("from-%d", i), c.From.Time)
		if !c.To.IsZero() {
			setDateParts(v, fmt.Sprintf("to-%d", i), c.To.Time)
		}
	}
	return v
}

func setDateParts(v url.Values, field string, t time.Time) {
	v.Set(field+"-day", strconv.Itoa(t.Day()))
	v.Set(field+"-month", strconv.Itoa(int(t.Month())))
	v.Set(field+"-year", strconv.Itoa(t.Year()))
}

// certifiersPage is an organisation's certifiers and the form that sets
// them. Values holds the form's fields by row: user_id-0, capacity-0,
// from-0-day … to-0-year, remove-0.
type certifiersPage struct {
	Org        *apiclient.Organisation
	List       []apiclient.Certifier
	Rows       []int
	Listed     int
	Values     url.Values
	People     []personOption
	Capacities []capacityOption
	Reason     string
	Audit      []apiclient.DirectoryEntry
}

func certifiersPath(code string) string {
	return "/admin/organisations/" + url.PathEscape(code) + "/certifiers"
}

// certifiers is the page (GET) and its form (POST): one route, so the
// page's one line in routes.go serves both.
func (s *server) certifiers(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.setCertifiers(w, r)
		return
	}
	s.renderCertifiers(w, r, http.StatusOK, nil, 0, "", nil)
}

// renderCertifiers shows the list; typed, when not nil, is a refused form
// of rows rows as it was filled in.
func (s *server) renderCertifiers(w http.ResponseWriter, r *http.Request, status int, typed url.Values, rows int, reason string, errs []fieldError) {
	code := mux.Vars(r)["ods_code"]
	org, err := s.api.GetOrganisationWithResponse(r.Context(), code, nil)
	if err := check(org, err); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.api.ListCertifiersWithResponse(r.Context(), code)
	if err := check(list, err); err != nil {
		s.fail(w, r, err)
		return
	}
	users, err := s.allUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o := org.JSON200
	audit, err := s.auditOf(r.Context(), o.ODSCode)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := certifiersPage{Org: o, List: list.JSON200.Certifiers, Listed: len(list.JSON200.Certifiers), Values: typed, Reason: reason, Audit: audit}
	if typed == nil {
		p.Values = certifierValues(p.List)
		rows = min(p.Listed+spareRows, maxCertifierRows)
	}
	for i := range max(rows, p.Listed) {
		p.Rows = append(p.Rows, i)
	}
	p.People = certifierPeople(users, p.List, o.ODSCode)
	for _, c := range directory.Capacities {
		p.Capacities = append(p.Capacities, capacityOption{Value: string(c), Label: c.Label()})
	}
	s.render(w, r, status, "admin/certifiers", view{Title: "Certifiers for " + o.Name, Errors: errs, Data: p})
}

// setCertifiers sends the form's rows as the organisation's whole list. A
// row left empty, or ticked to be taken off, is not sent; dates are read
// here, as the other forms' are, and everything else is the API's to judge.
func (s *server) setCertifiers(w http.ResponseWriter, r *http.Request) {
	code := mux.Vars(r)["ods_code"]
	rows := atoiOr(r.PostFormValue("rows"))
	if rows < 1 || rows > maxCertifierRows {
		// Without its rows the form would read as an empty list, and
		// empty the organisation's.
		s.renderError(w, r, http.StatusBadRequest, "The form could not be read", "Go back, reload the page and try again.")
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	typed := url.Values{}
	body := apiclient.SetCertifiersJSONRequestBody{Certifiers: []apiclient.CertifierEntry{}, Reason: reason}
	var sent []int // the form row of each certifier sent
	var errs []fieldError
	for i := range rows {
		get := func(key string) string {
			v := strings.TrimSpace(r.PostFormValue(key))
			if v != "" {
				typed.Set(key, v)
			}
			return v
		}
		field := func(name string) string { return fmt.Sprintf("%s-%d", name, i) }
		user, capacity, remove := get(field("user_id")), get(field("capacity")), get(field("remove"))
		var dates [2]string
		var typedDate bool
		for j, name := range []string{"from", "to"} {
			f := field(name)
			parts := [3]string{get(f + "-day"), get(f + "-month"), get(f + "-year")}
			typedDate = typedDate || parts != [3]string{}
			d, msg := parseDate(parts[0], parts[1], parts[2])
			if msg != "" && remove == "" {
				errs = append(errs, certifierError(f, msg))
			}
			dates[j] = d
		}
		if remove != "" || user == "" && capacity == "" && !typedDate {
			continue
		}
		sent = append(sent, i)
		body.Certifiers = append(body.Certifiers, apiclient.CertifierEntry{UserID: user, Capacity: apiclient.CertifierCapacity(capacity), From: dates[0], To: dates[1]})
	}
	if len(errs) > 0 {
		s.renderCertifiers(w, r, http.StatusUnprocessableEntity, typed, rows, reason, errs)
		return
	}
	res, err := s.api.SetCertifiersWithResponse(r.Context(), code, nil, body, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderCertifiers(w, r, problemStatus(err), typed, rows, reason, onCertifierForm(errs, sent))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "Certifiers saved")
	http.Redirect(w, r, certifiersPath(code), http.StatusSeeOther)
}

func atoiOr(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// onCertifierForm points the API's errors, which name certifiers by their
// place in what was sent, at the form's rows.
func onCertifierForm(errs []fieldError, sent []int) []fieldError {
	out := make([]fieldError, len(errs))
	for i, e := range errs {
		var k int
		var name string
		if n, err := fmt.Sscanf(e.Field, "certifiers[%d].%s", &k, &name); n == 2 && err == nil && k < len(sent) {
			if name == "org_code" {
				name = "user_id"
			}
			out[i] = certifierError(fmt.Sprintf("%s-%d", name, sent[k]), e.Message)
			continue
		}
		if e.Field == "reason" {
			e.Message = "Reason " + e.Message
		} else {
			e.Field, e.Message = "", capitalise(e.Message)
		}
		out[i] = e
	}
	return out
}

// certifierError names the row and the part of it a message is about.
func certifierError(field, msg string) fieldError {
	name, row, _ := strings.Cut(field, "-")
	n := atoiOr(row) + 1
	label := map[string]string{"user_id": "person", "capacity": "capacity", "from": "first day", "to": "last day"}[name]
	label = fmt.Sprintf("Certifier %d's %s", n, label)
	if strings.HasPrefix(msg, "is ") || strings.HasPrefix(msg, "must ") {
		return fieldError{Field: field, Message: label + " " + msg}
	}
	return fieldError{Field: field, Message: label + ": " + msg}
}
