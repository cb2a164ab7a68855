package web

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// adaMin is the admin who did everything in these tests.
var adaMin = actorJSON("ad", "Ada Min", "admin")

// userJSON is a person as the directory lists them.
func userJSON(id, name, email string, roles ...any) map[string]any {
	return map[string]any{"id": id, "name": name, "email": email, "roles": roles, "active": true,
		"invited_at": "2026-01-02T10:00:00Z", "invited_by": adaMin}
}

func directoryAPI(t *testing.T) *fakeAPI {
	api := fundsAPI(t)
	api.on("GET /v1/users", http.StatusOK, map[string]any{"items": []any{
		map[string]any{"id": "usr_ana", "name": "Ana Lead", "email": "ana@nhs.net", "org_code": "QUY", "roles": []any{"applicant"}, "active": true,
			"invited_at": "2026-01-02T10:00:00Z", "invited_by": adaMin},
		map[string]any{"id": "usr_rae", "name": "Rae Viewer", "email": "rae@nhs.net", "roles": []any{"reviewer"}, "active": true,
			"invited_at": "2026-01-02T10:00:00Z", "invited_by": adaMin},
		map[string]any{"id": "usr_cat", "name": "Cat Chair", "email": "cat@nhs.net", "roles": []any{"panel_chair"}, "active": true,
			"invited_at": "2026-01-02T10:00:00Z", "invited_by": adaMin},
		map[string]any{"id": "usr_old", "name": "Old Viewer", "email": "old@nhs.net", "roles": []any{"reviewer"}, "active": false,
			"invited_at": "2026-01-02T10:00:00Z", "invited_by": adaMin},
	}})
	api.on("GET /v1/directory/audit", http.StatusOK, map[string]any{"items": []any{
		map[string]any{"seq": 1, "at": "2026-01-02T10:00:00Z", "actor": adaMin, "action": "user_invited", "subject": "usr_rae", "detail": "Rae Viewer as reviewer"},
		map[string]any{"seq": 2, "at": "2026-01-03T10:00:00Z", "actor": adaMin, "action": "user_deactivated", "subject": "usr_old", "detail": "Old Viewer", "reason": "Left the trust"},
	}, "next_cursor": nil})
	api.on("GET /v1/funds/fund-a/reviewers", http.StatusOK, map[string]any{"fund_id": "fund-a",
		"reviewers": []any{map[string]any{"id": "usr_rae", "name": "Rae Viewer", "email": "rae@nhs.net", "roles": []any{"reviewer"}, "active": true,
			"invited_at": "2026-01-02T10:00:00Z", "invited_by": adaMin}},
		"panel": []any{}})
	api.on("GET /v1/tokens", http.StatusOK, map[string]any{"items": []any{
		map[string]any{"id": "tok_1", "name": "Finance export", "role": "programme_manager", "status": "active", "created_at": "2026-01-02T10:00:00Z",
			"created_by": adaMin, "last_used_at": "2026-02-03T09:30:00Z", "expires_at": "2027-01-01T00:00:00Z"},
		map[string]any{"id": "tok_2", "name": "Old feed", "role": "applicant", "org_code": "QUY", "status": "revoked", "created_at": "2026-01-02T10:00:00Z",
			"created_by": adaMin},
	}})
	return api
}

func TestPeopleListAndInvitation(t *testing.T) {
	api := directoryAPI(t)
	api.on("POST /v1/users", http.StatusCreated, userJSON("usr_new", "New Lead", "new@nhs.net", "applicant", "reviewer"))
	h := newTestServer(t, api)
	body := get(t, h, "tok-admin", "/admin/users").Body.String()
	for _, want := range []string{`<a href="/admin/users/usr_rae">Rae Viewer</a>`, `nhsuk-tag--grey">Deactivated</strong>`, `nhsuk-tag--green">Active</strong>`,
		`action="/admin/users"`, `name="csrf_token"`, `id="roles" name="roles" type="checkbox" value="applicant"`, `href="/admin/tokens"`, `href="/admin/audit"`,
		`href="/admin/users" aria-current="page">People</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("people page lacks %s", want)
		}
	}
	form := url.Values{"name": {"New Lead"}, "email": {" new@nhs.net "}, "roles": {"applicant", "reviewer", "applicant", "root"},
		"org_code": {"qop"}, "idempotency_key": {"k-i"}}
	w := post(t, h, "tok-admin", "/admin/users", form)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/users/usr_new" {
		t.Fatalf("invite: %d to %q\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	cmds := api.commands()
	want := map[string]any{"name": "New Lead", "email": "new@nhs.net", "roles": []any{"applicant", "reviewer"}, "org_code": "qop"}
	if len(cmds) != 1 || cmds[0].Method != http.MethodPost || cmds[0].Path != "/v1/users" || cmds[0].Key != "k-i" || cmds[0].Token != "tok-admin" || !reflect.DeepEqual(cmds[0].Body, want) {
		t.Fatalf("commands %+v", cmds)
	}
}

func TestARefusedInvitationIsShownAgainAsTyped(t *testing.T) {
	api := directoryAPI(t)
	api.on("POST /v1/users", http.StatusUnprocessableEntity, map[string]any{"status": 422, "code": "validation_failed", "detail": "the invitation is invalid",
		"errors": []any{
			map[string]any{"field": "email", "message": "must be a work email address"},
			map[string]any{"field": "roles[1]", "message": "needs an organisation"},
			map[string]any{"field": "org_code", "message": "QHG closed; use S1Y5D"},
		}})
	w := post(t, newTestServer(t, api), "tok-admin", "/admin/users",
		url.Values{"name": {"Ann Other"}, "email": {"ann@gmail"}, "roles": {"reviewer"}, "org_code": {"QHG"}, "idempotency_key": {"k-r"}})
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused invite: %d", w.Code)
	}
	for _, want := range []string{
		`<a href="#email">Work email address must be a work email address</a>`,
		`<a href="#roles">Roles needs an organisation</a>`,
		`<a href="#org_code">Organisation (ODS code) QHG closed; use S1Y5D</a>`,
		`value="Ann Other"`, `value="ann@gmail"`, `value="QHG"`, `value="reviewer" checked`, `id="roles-error"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	if strings.Contains(body, `value="applicant" checked`) {
		t.Error("a role not ticked came back ticked")
	}
}

func TestAPersonsPageChangesRolesAndDeactivates(t *testing.T) {
	api := directoryAPI(t)
	api.on("POST /v1/users/usr_rae/roles", http.StatusOK, userJSON("usr_rae", "Rae Viewer", "rae@nhs.net", "reviewer", "panel_chair"))
	api.on("POST /v1/users/usr_rae/deactivate", http.StatusOK, userJSON("usr_rae", "Rae Viewer", "rae@nhs.net", "reviewer"))
	api.on("POST /v1/users/usr_old/reactivate", http.StatusConflict, map[string]any{"status": 409, "code": "invalid_state", "detail": "the user is already active"})
	h := newTestServer(t, api)
	body := get(t, h, "tok-admin", "/admin/users/usr_rae").Body.String()
	for _, want := range []string{`<h1 class="nhsuk-heading-l">Rae Viewer</h1>`, `action="/admin/users/usr_rae/roles"`, `value="reviewer" checked`,
		`action="/admin/users/usr_rae/deactivate"`, `User invited: Rae Viewer as reviewer`} {
		if !strings.Contains(body, want) {
			t.Errorf("person page lacks %s", want)
		}
	}
	if strings.Contains(body, "Old Viewer") {
		t.Error("the page shows another person's audit entries")
	}
	if w := get(t, h, "tok-admin", "/admin/users/usr_nobody"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Page not found") {
		t.Errorf("unknown person: %d", w.Code)
	}
	w := post(t, h, "tok-admin", "/admin/users/usr_rae/roles", url.Values{"roles": {"reviewer", "panel_chair"}, "reason": {"Chairs spring"}, "idempotency_key": {"k-1"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/users/usr_rae" {
		t.Fatalf("roles: %d", w.Code)
	}
	w = post(t, h, "tok-admin", "/admin/users/usr_rae/deactivate", url.Values{"active_reason": {"Left"}, "idempotency_key": {"k-2:active"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", w.Code)
	}
	w = post(t, h, "tok-admin", "/admin/users/usr_old/reactivate", url.Values{"active_reason": {"Came back"}, "idempotency_key": {"k-3"}})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "the user is already active") || !strings.Contains(w.Body.String(), "Came back") {
		t.Fatalf("refused reactivate: %d\n%s", w.Code, w.Body.String())
	}
	cmds := api.commands()
	if len(cmds) != 3 ||
		cmds[0].Path != "/v1/users/usr_rae/roles" || cmds[0].Key != "k-1" ||
		!reflect.DeepEqual(cmds[0].Body, map[string]any{"roles": []any{"reviewer", "panel_chair"}, "reason": "Chairs spring"}) ||
		cmds[1].Path != "/v1/users/usr_rae/deactivate" || cmds[1].Key != "k-2:active" || !reflect.DeepEqual(cmds[1].Body, map[string]any{"reason": "Left"}) ||
		cmds[2].Path != "/v1/users/usr_old/reactivate" || cmds[2].Key != "k-3" {
		t.Fatalf("commands %+v", cmds)
	}
}

func TestAFundsReviewerPoolAndPanel(t *testing.T) {
	api := directoryAPI(t)
	api.on("PUT /v1/funds/fund-a/reviewers", http.StatusOK, map[string]any{"fund_id": "fund-a", "reviewers": []any{}, "panel": []any{}})
	h := newTestServer(t, api)
	body := get(t, h, "tok-admin", "/funds/fund-a/reviewers").Body.String()
	for _, want := range []string{`Reviewers and panel for Fund A`, `id="reviewers" name="reviewers" type="checkbox" value="usr_rae" checked`,
		`id="panel" name="panel" type="checkbox" value="usr_rae">`, `value="usr_cat"`} {
		if !strings.Contains(body, want) {
			t.Errorf("pool page lacks %s", want)
		}
	}
	if strings.Contains(body, `value="usr_old"`) || strings.Contains(body, `name="reviewers" type="checkbox" value="usr_ana"`) {
		t.Error("the pool offers someone deactivated or without the role")
	}
	if !strings.Contains(get(t, h, "tok-admin", "/funds/fund-a").Body.String(), `href="/funds/fund-a/reviewers"`) {
		t.Error("the fund's page does not link to its reviewers")
	}
	w := post(t, h, "tok-admin", "/funds/fund-a/reviewers", url.Values{"reviewers": {"usr_rae", "usr_rae"}, "panel": {"usr_cat"}, "idempotency_key": {"k-p"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/funds/fund-a/reviewers" {
		t.Fatalf("save pool: %d", w.Code)
	}
	cmds := api.commands()
	want := map[string]any{"reviewers": []any{"usr_rae"}, "panel": []any{"usr_cat"}}
	if len(cmds) != 1 || cmds[0].Method != http.MethodPut || cmds[0].Key != "k-p" || !reflect.DeepEqual(cmds[0].Body, want) {
		t.Fatalf("commands %+v", cmds)
	}
}

func TestARefusedPoolIsShownAgainAsTicked(t *testing.T) {
	api := directoryAPI(t)
	api.on("PUT /v1/funds/fund-a/reviewers", http.StatusUnprocessableEntity, map[string]any{"status": 422, "code": "validation_failed", "detail": "the pool is invalid",
		"errors": []any{map[string]any{"field": "reviewers[0]", "message": "is deactivated"}}})
	w := post(t, newTestServer(t, api), "tok-admin", "/funds/fund-a/reviewers", url.Values{"panel": {"usr_rae"}, "reviewers": {"usr_rae"}, "reason": {"Spring"}, "idempotency_key": {"k-p"}})
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused pool: %d", w.Code)
	}
	for _, want := range []string{`<a href="#reviewers">Reviewer pool is deactivated</a>`, `name="panel" type="checkbox" value="usr_rae" checked`, `Spring</textarea>`} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
}

func TestTokensAndAudit(t *testing.T) {
	api := directoryAPI(t)
	api.on("POST /v1/tokens/tok_1/revoke", http.StatusOK, map[string]any{"id": "tok_1", "name": "Finance export", "role": "programme_manager",
		"status": "revoked", "created_at": "2026-01-02T10:00:00Z", "created_by": adaMin, "revoked_at": "2026-02-04T10:00:00Z"})
	h := newTestServer(t, api)
	body := get(t, h, "tok-admin", "/admin/tokens").Body.String()
	for _, want := range []string{`Finance export`, `3 February 2026 at 9:30am`, `1 January 2027`, `Never`, `action="/admin/tokens/tok_1/revoke"`, `nhsuk-tag--red">Revoked</strong>`} {
		if !strings.Contains(body, want) {
			t.Errorf("tokens page lacks %s", want)
		}
	}
	if strings.Contains(body, `action="/admin/tokens/tok_2/revoke"`) {
		t.Error("a revoked token can be revoked again")
	}
	w := post(t, h, "tok-admin", "/admin/tokens/tok_1/revoke", url.Values{"idempotency_key": {"k-t:tok_1"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", w.Code)
	}
	if cmds := api.commands(); len(cmds) != 1 || cmds[0].Path != "/v1/tokens/tok_1/revoke" || cmds[0].Key != "k-t:tok_1" {
		t.Fatalf("commands %+v", cmds)
	}
	body = get(t, h, "tok-admin", "/admin/audit").Body.String()
	for _, want := range []string{`User deactivated: Old Viewer`, `Left the trust`, `Ada Min (Admin)`} {
		if !strings.Contains(body, want) {
			t.Errorf("audit page lacks %s", want)
		}
	}
}

func TestAdminPagesRefuseOthersAndForms(t *testing.T) {
	api := directoryAPI(t)
	api.on("GET /v1/users", http.StatusForbidden, map[string]any{"status": 403, "code": "forbidden", "detail": "only an admin can do this"})
	api.on("GET /v1/reviews", http.StatusOK, map[string]any{"items": []any{}, "next_cursor": nil})
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"items": []any{}, "next_cursor": nil})
	h := newTestServer(t, api)
	if w := get(t, h, "tok-reviewer", "/admin/users"); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "You do not have access to this page") {
		t.Errorf("reviewer on people: %d", w.Code)
	}
	if strings.Contains(get(t, h, "tok-reviewer", "/reviews").Body.String(), `href="/admin/users"`) {
		t.Error("a reviewer's menu links to the admin pages")
	}
	for _, path := range []string{"/admin/users", "/admin/users/usr_rae/deactivate", "/funds/fund-a/reviewers", "/admin/tokens/tok_1/revoke"} {
		w := post(t, h, "tok-admin", path, url.Values{"csrf_token": {"forged"}, "idempotency_key": {"k"}})
		if w.Code != http.StatusForbidden {
			t.Errorf("%s without CSRF: %d", path, w.Code)
		}
	}
	if cmds := api.commands(); len(cmds) != 0 {
		t.Fatalf("a forged form reached the API: %+v", cmds)
	}
}
