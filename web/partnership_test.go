package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// coApplicantJSON is someone invited onto app1 by Ana Lead.
func coApplicantJSON(id, name, right, status string, sections ...string) map[string]any {
	m := map[string]any{"id": id, "email": strings.ToLower(strings.Fields(name)[0]) + "@bristol.gov.uk", "name": name, "right": right,
		"invited_by": actorJSON("a1", "Ana Lead", "applicant"), "invited_at": "2026-05-02T09:00:00Z", "expires_at": "2026-05-16T09:00:00Z",
		"status": status}
	if status == "active" {
		m["accepted_at"] = "2026-05-03T09:00:00Z"
	}
	if len(sections) > 0 {
		m["sections"] = sections
	}
	return m
}

// signOffJSON is app1's sign-off where the fund asks for one, with
// fields over its members.
func signOffJSON(status string, fields map[string]any) map[string]any {
	so := map[string]any{"status": status, "required": true, "certifiers": []any{}, "history": []any{}, "sent_back": []any{},
		"declaration": "I confirm the bid is accurate and has the organisation's approval.", "deadline": "2026-09-30T22:59:59Z",
		"answers_sha256": testSHA256}
	for k, v := range fields {
		so[k] = v
	}
	return so
}

func signedOffJSON() map[string]any {
	return map[string]any{"by": actorJSON("a3", "Cerys Finance", "applicant"), "capacity": "Chief finance officer",
		"at": "2026-06-01T10:00:00Z", "declaration": "I confirm the bid is accurate and has the organisation's approval.",
		"answers_sha256": testSHA256}
}

func partnerJSON(id, kind, name string, fields map[string]any) map[string]any {
	p := map[string]any{"id": id, "kind": kind, "name": name, "role": "Runs the service"}
	for k, v := range fields {
		p[k] = v
	}
	return p
}

// twoPartners are a trust and a council, with shares of a £80,000 bid.
func twoPartners() []any {
	return []any{
		partnerJSON("p1", "nhs_body", "North Bristol NHS Trust", map[string]any{"ods_code": "RVJ", "share_pence": 2_000_000, "delivery_percent": 30}),
		partnerJSON("p2", "local_authority", "Bristol City Council", map[string]any{"identifier": "E06000023", "match_pence": 500_000}),
	}
}

func TestAnApplicantsListAddsTheBidsTheyWereInvitedTo(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		rowJSON(map[string]any{"id": "app1", "reference": "PIF-0007"}),
	}})
	w := get(t, h, "tok-applicant", "/applications")
	wantHTML(t, w, http.StatusOK, "Your organisation&#39;s applications")
	var queries []string
	for _, c := range api.calls {
		if c.Path == "/v1/applications" {
			queries = append(queries, c.Query)
		}
	}
	if len(queries) != 2 || queries[1] != "invited=true" {
		t.Fatalf("list queries %q, want the organisation's, then invited=true", queries)
	}
	// The same canned list answers both here: a bid led by another
	// organisation, with its partners.
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		rowJSON(map[string]any{"id": "app9", "reference": "PIF-0009", "org_code": "QOP", "org_name": "NHS Greater Manchester ICB",
			"partners": []string{"Manchester City Council", "The Christie"}, "team": []string{"a1"}}),
	}})
	w = get(t, h, "tok-applicant", "/applications")
	wantHTML(t, w, http.StatusOK, "Bids you were invited to", "NHS Greater Manchester ICB",
		`<span class="nhsuk-body-s">(QOP)<br>With Manchester City Council, The Christie</span>`, "Start application")
}

func TestACoApplicantGetsTheApplicantsPagesNeverStaffs(t *testing.T) {
	app := appJSON(map[string]any{"reference": "PIF-0007", "co_applicants": []any{coApplicantJSON("co1", "Cara Council", "edit", "active", "need")}})
	api, h := applicantAPI(t, app)
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		rowJSON(map[string]any{"id": "app1", "reference": "PIF-0007", "org_name": "NHS Bristol ICB", "status": "draft", "status_label": "Draft"}),
	}})
	w := get(t, h, "tok-co", "/applications")
	wantHTML(t, w, http.StatusOK, "<h1 class=\"nhsuk-heading-l\">Your applications</h1>", "Bids you were invited to", "NHS Bristol ICB")
	for _, no := range []string{">Filter<", "Start application", "Your organisation&#39;s applications"} {
		if strings.Contains(w.Body.String(), no) {
			t.Errorf("a co-applicant's list shows %q", no)
		}
	}
	for _, c := range api.calls {
		if c.Path == "/v1/applications" && c.Query != "" {
			t.Errorf("a co-applicant's list asked %q; their plain list is their invitations", c.Query)
		}
	}

	w = get(t, h, "tok-co", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "Ana Lead invited you to work on this bid", `class="nhsuk-task-list"`)
	if strings.Contains(w.Body.String(), "Application answers") || strings.Contains(w.Body.String(), "Timeline") {
		t.Error("a co-applicant was shown the staff workspace")
	}
}

func TestTheTaskListLinksOnlyTheSectionsACoApplicantMayChange(t *testing.T) {
	app := appJSON(map[string]any{
		"co_applicants": []any{coApplicantJSON("co1", "Cara Council", "edit", "active", "need", "delivery")},
		"changed":       map[string]any{"need": map[string]any{"version": 4, "by": actorJSON("co1", "Cara Council", "co_applicant"), "at": "2026-06-02T14:04:00Z"}},
		"actions":       actionsJSON("save_draft", "add_comment"),
	})
	_, h := applicantAPI(t, app)
	w := get(t, h, "tok-co", "/applications/app1")
	body := w.Body.String()
	wantHTML(t, w, http.StatusOK, `href="/applications/app1/sections/need"`, `href="/applications/app1/sections/delivery"`,
		"Last changed by Cara Council, 2 June 2026 at 3:04pm", `<div>Contacts</div>`, `href="/applications/app1/check">Read all the answers`)
	for _, no := range []string{`href="/applications/app1/sections/contacts"`, "/withdraw", "Check your answers and submit", "Who is working on this bid"} {
		if strings.Contains(body, no) {
			t.Errorf("a co-applicant with two sections is offered %q", no)
		}
	}
	// Typing another section's address leads to reading it, not to a form.
	w = get(t, h, "tok-co", "/applications/app1/sections/contacts")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/applications/app1/check#section-contacts" {
		t.Fatalf("another section: %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = get(t, h, "tok-co", "/applications/app1/check")
	wantHTML(t, w, http.StatusOK, "All the answers", `id="section-contacts"`, `href="/applications/app1/sections/need">Change`)
	if strings.Contains(w.Body.String(), "/sections/contacts\">Change") || strings.Contains(w.Body.String(), "Submit application") {
		t.Error("the check page offers a co-applicant what the API does not")
	}
}

func TestTheLeadsTaskListHasThePartnershipsTasks(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{
		"partners": twoPartners(), "co_applicants": []any{coApplicantJSON("co1", "Cara Council", "comment", "invited")},
		"actions": actionsJSON("save_draft", "submit", "withdraw", "set_partners", "invite_co_applicant", "add_comment"),
	}))
	w := get(t, h, "tok-applicant", "/applications/app1")
	for title, status := range map[string]string{"Partner organisations": "2 partners", "Who is working on this bid": "1 person"} {
		re := regexp.MustCompile(`>` + regexp.QuoteMeta(title) + `</a>\s*</div>\s*<div class="nhsuk-task-list__status"[^>]*>\s*` + status + `\s*<`)
		if !re.MatchString(w.Body.String()) {
			t.Errorf("%s should be %s", title, status)
		}
	}
	wantHTML(t, w, http.StatusOK, `href="/applications/app1/partners"`, `href="/applications/app1/team"`, "Check your answers and submit")
}

func TestTheSignOffPanelSaysWhereSignOffStands(t *testing.T) {
	for _, tc := range []struct {
		name   string
		app    map[string]any
		want   []string
		absent []string
	}{
		{"awaiting", map[string]any{"status": "awaiting_sign_off", "status_label": "Awaiting sign-off", "sign_off": signOffJSON("awaiting", map[string]any{
			"requested_by": actorJSON("a1", "Ana Lead", "applicant"), "requested_at": "2026-06-01T09:00:00Z",
			"certifiers": []any{map[string]any{"user_id": "a3", "name": "Cerys Finance", "capacity": "cfo", "capacity_label": "Chief finance officer"}}})},
			[]string{`nhsuk-tag--yellow">Awaiting sign-off`, "By Ana Lead, 1 June 2026 at 10:00am", "Cerys Finance, Chief finance officer",
				"A certifier must sign it off by 30 September 2026 at 11:59pm"}, []string{"Review and sign off"}},
		{"signed off", map[string]any{"status": "submitted", "sign_off": signOffJSON("signed_off", map[string]any{"current": signedOffJSON(), "history": []any{signedOffJSON()}})},
			[]string{`nhsuk-tag--green">Signed off`, "Cerys Finance, Chief finance officer", "1 June 2026 at 11:00am", `<code class="app-hash">` + testSHA256}, nil},
		{"sent back", map[string]any{"sign_off": signOffJSON("not_requested", map[string]any{"sent_back": []any{
			map[string]any{"by": actorJSON("a3", "Cerys Finance", "applicant"), "at": "2026-06-02T09:00:00Z", "reason": "The budget does not add up."}}})},
			[]string{"Not sent for sign-off yet", "Sent back for changes", "Cerys Finance sent the bid back on 2 June 2026 at 10:00am", "The budget does not add up.", "submit it again"}, nil},
		{"voided", map[string]any{"status": "awaiting_sign_off", "sign_off": signOffJSON("awaiting", map[string]any{"history": []any{func() map[string]any {
			r := signedOffJSON()
			r["voided"] = map[string]any{"at": "2026-06-03T09:00:00Z", "by": actorJSON("co1", "Cara Council", "co_applicant"), "reason": "the answers changed after sign-off"}
			return r
		}()}})},
			[]string{"The sign-off by Cerys Finance on 1 June 2026 at 11:00am no longer counts: the answers changed after sign-off (Cara Council"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, h := applicantAPI(t, appJSON(tc.app))
			w := get(t, h, "tok-applicant", "/applications/app1")
			wantHTML(t, w, http.StatusOK, append([]string{`<h2 class="nhsuk-heading-m" id="sign-off">Sign-off</h2>`}, tc.want...)...)
			for _, no := range tc.absent {
				if strings.Contains(w.Body.String(), no) {
					t.Errorf("page shows %q", no)
				}
			}
		})
	}
}

func TestACertifierIsLedToSignOff(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{"status": "awaiting_sign_off", "status_label": "Awaiting sign-off",
		"sign_off": signOffJSON("awaiting", nil), "actions": actionsJSON("save_draft", "sign_off", "send_back")}))
	wantHTML(t, get(t, h, "tok-certifier", "/applications/app1"), http.StatusOK,
		`href="/applications/app1/sign-off" role="button" draggable="false" data-module="nhsuk-button">Review and sign off the bid`)
}

func TestSavingASectionSendsTheVersionItWasReadAt(t *testing.T) {
	api, h := applicantAPI(t, appJSON(map[string]any{"version": 7}))
	w := get(t, h, "tok-applicant", "/applications/app1/sections/need")
	wantHTML(t, w, http.StatusOK, `<input type="hidden" name="version" value="7">`)

	api.on("PATCH "+testApp, http.StatusOK, commandJSON("draft", appJSON(nil)))
	w = post(t, h, "tok-applicant", "/applications/app1/sections/need", url.Values{"need": {"Many people"}, "version": {"7"}})
	wantRedirect(t, w, "/applications/app1", "Section saved")
	if c := onlyCommand(t, api); c.IfMatch != `"7"` {
		t.Fatalf("If-Match %q, want \"7\"", c.IfMatch)
	}
}

func TestASaveOverSomeoneElsesChangeKeepsTheTypedAnswers(t *testing.T) {
	api, h := applicantAPI(t, appJSON(map[string]any{"version": 9}))
	api.on("PATCH "+testApp, http.StatusConflict, map[string]any{"status": 409, "code": "conflict",
		"detail": "someone else changed this section while you were editing it",
		"errors": []any{fieldErr("need", "was changed by Cara Council at 2 June 2026 at 3:04pm after you opened it; reload the page to see their answers, then make your change again")}})
	w := post(t, h, "tok-applicant", "/applications/app1/sections/need", url.Values{"need": {"My own words"}, "version": {"7"}})
	wantHTML(t, w, http.StatusConflict, "There is a problem",
		"Need was changed by Cara Council at 2 June 2026 at 3:04pm after you opened it; reload the page",
		"Your answers have not been saved", `<a href="/applications/app1/sections/need">Reload this section`,
		">My own words</textarea>",
		// The form still says what it was read at, so saving again cannot overwrite the other answers.
		`<input type="hidden" name="version" value="7">`)
}

func TestASaveOfASectionNotAssignedIsShownOnTheForm(t *testing.T) {
	api, h := applicantAPI(t, appJSON(map[string]any{"co_applicants": []any{coApplicantJSON("co1", "Cara Council", "edit", "active", "need")}}))
	api.on("PATCH "+testApp, http.StatusForbidden, map[string]any{"status": 403, "code": "forbidden",
		"detail": "you may change only the sections assigned to you", "errors": []any{fieldErr("need", "is not assigned to you")}})
	w := post(t, h, "tok-co", "/applications/app1/sections/need", url.Values{"need": {"Words"}})
	wantHTML(t, w, http.StatusForbidden, "There is a problem", "Need is not assigned to you", ">Words</textarea>")
}

func TestThePartnersPageListsThemAndAddsOne(t *testing.T) {
	app := appJSON(map[string]any{"requested_pence": 8_000_000, "partners": twoPartners(), "actions": actionsJSON("save_draft", "set_partners")})
	api, h := applicantAPI(t, app)
	w := get(t, h, "tok-applicant", "/applications/app1/partners")
	wantHTML(t, w, http.StatusOK, "<h2 class=\"nhsuk-card__heading nhsuk-heading-s\">North Bristol NHS Trust</h2>", "ODS code", "RVJ",
		"GSS code", "E06000023", "30%", `href="/applications/app1/partners/p1">Change<span class="nhsuk-u-visually-hidden"> North Bristol NHS Trust`,
		`href="/applications/app1/partners/p2/remove">Remove`,
		"Partners' shares: <strong>£20,000</strong> of the £80,000 requested; match funding <strong>£5,000</strong>.",
		"Add a partner", `id="kind" name="kind" type="radio" value="nhs_body"`, `id="ods_code"`, `id="local_authority.name"`,
		`id="university.identifier"`, `aria-controls="conditional-kind-2"`, "UKPRN (optional)", "Add partner")

	api.on("PUT "+testApp+"/partners", http.StatusOK, commandJSON("draft", appJSON(map[string]any{"partners": append(twoPartners(),
		partnerJSON("p3", "university", "University of Bristol", map[string]any{"identifier": "10007786"}))})))
	w = post(t, h, "tok-applicant", "/applications/app1/partners", url.Values{
		"kind": {"university"}, "university.name": {"University of Bristol"}, "university.identifier": {"10007786"},
		"local_authority.name": {"typed under another kind"}, "role": {"Evaluates the outcomes"},
		"share_pence": {"£10,000"}, "delivery_percent": {"20%"}, "match_pence": {""}, "idempotency_key": {"k-p"},
	})
	wantRedirect(t, w, "/applications/app1/partners", "Partner added: University of Bristol")
	c := onlyCommand(t, api)
	if c.Key != "k-p" {
		t.Fatalf("Idempotency-Key %q", c.Key)
	}
	wantBody(t, c, map[string]any{"partners": []any{
		map[string]any{"id": "p1", "kind": "nhs_body", "name": "North Bristol NHS Trust", "ods_code": "RVJ", "role": "Runs the service", "share_pence": float64(2_000_000), "delivery_percent": float64(30)},
		map[string]any{"id": "p2", "kind": "local_authority", "name": "Bristol City Council", "identifier": "E06000023", "role": "Runs the service", "match_pence": float64(500_000)},
		map[string]any{"kind": "university", "name": "University of Bristol", "identifier": "10007786", "role": "Evaluates the outcomes", "share_pence": float64(1_000_000), "delivery_percent": float64(20)},
	}})
}

func TestARefusedPartnerIsShownAgainstItsInputs(t *testing.T) {
	app := appJSON(map[string]any{"requested_pence": 8_000_000, "partners": twoPartners(), "actions": actionsJSON("save_draft", "set_partners")})
	api, h := applicantAPI(t, app)
	api.on("PUT "+testApp+"/partners", http.StatusUnprocessableEntity, invalid(
		fieldErr("partners[2].ods_code", "RVJ is already a partner (North Bristol NHS Trust)"),
		fieldErr("partners[2].role", "is required"),
		fieldErr("partners[1].identifier", "must be a council's GSS code: a letter and 8 digits, such as E06000023"),
		fieldErr("partners", "partners' shares come to £90,000.00, more than the £80,000.00 requested"),
	))
	w := post(t, h, "tok-applicant", "/applications/app1/partners", url.Values{"kind": {"nhs_body"}, "ods_code": {"rvj"}, "share_pence": {"70000"}})
	wantHTML(t, w, http.StatusUnprocessableEntity,
		`<a href="#ods_code">ODS code RVJ is already a partner (North Bristol NHS Trust)</a>`,
		`<a href="#role">Role in the bid is required</a>`,
		`<li>Partner 2 (Bristol City Council): GSS code must be a council&#39;s GSS code`,
		`<li>Partners&#39; shares come to £90,000.00, more than the £80,000.00 requested</li>`,
		`value="rvj"`, `value="nhs_body" aria-controls="conditional-kind" checked>`, `value="70000"`)

	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/partners", url.Values{"share_pence": {"lots"}, "delivery_percent": {"half"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#kind">Select the kind of organisation the partner is</a>`,
		`<a href="#share_pence">Share of the funding must be an amount in pounds`, `<a href="#delivery_percent">Share of the delivery must be a whole number`)
	if len(api.commands()) != 0 {
		t.Fatalf("the form's own errors reached the API: %+v", api.commands())
	}
}

func TestAPartnerIsChangedAndRemovedInTheWholeList(t *testing.T) {
	app := appJSON(map[string]any{"partners": twoPartners(), "actions": actionsJSON("save_draft", "set_partners")})
	api, h := applicantAPI(t, app)
	w := get(t, h, "tok-applicant", "/applications/app1/partners/p2")
	wantHTML(t, w, http.StatusOK, "Change Bristol City Council", `value="local_authority" aria-controls="conditional-kind-2" checked>`,
		`id="local_authority.identifier" name="local_authority.identifier" type="text" value="E06000023"`, `id="match_pence" name="match_pence" type="text" inputmode="decimal" spellcheck="false" value="5000"`,
		"Save changes")

	api.on("PUT "+testApp+"/partners", http.StatusOK, commandJSON("draft", appJSON(map[string]any{"partners": twoPartners()})))
	w = post(t, h, "tok-applicant", "/applications/app1/partners/p2", url.Values{"kind": {"local_authority"},
		"local_authority.name": {"Bristol City Council"}, "local_authority.identifier": {"E06000023"}, "role": {"Public health"}})
	wantRedirect(t, w, "/applications/app1/partners", "Partner changed: Bristol City Council")
	sent := onlyCommand(t, api).Body["partners"].([]any)
	if len(sent) != 2 || sent[1].(map[string]any)["id"] != "p2" || sent[1].(map[string]any)["role"] != "Public health" || sent[0].(map[string]any)["id"] != "p1" {
		t.Fatalf("sent %v, want both partners with p2 changed in place", sent)
	}

	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/partners/p1/remove"), http.StatusOK,
		"Are you sure you want to remove North Bristol NHS Trust?", "Remove partner")
	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/partners/p1/remove", nil)
	wantRedirect(t, w, "/applications/app1/partners", "Partner removed: North Bristol NHS Trust")
	sent = onlyCommand(t, api).Body["partners"].([]any)
	if len(sent) != 1 || sent[0].(map[string]any)["id"] != "p2" {
		t.Fatalf("sent %v, want p2 alone", sent)
	}

	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/partners/p9"), http.StatusNotFound, "Page not found")
}

func TestPartnersAreReadOnlyWithoutTheAction(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{"partners": twoPartners(), "actions": actionsJSON("save_draft")}))
	body := get(t, h, "tok-applicant", "/applications/app1/partners").Body.String()
	for _, no := range []string{"Add a partner", "/partners/p1\">Change", "/remove\">Remove"} {
		if strings.Contains(body, no) {
			t.Errorf("the partners page offers %q without set_partners", no)
		}
	}
}

func TestTheTeamPageInvitesChangesAndRemoves(t *testing.T) {
	app := appJSON(map[string]any{"actions": actionsJSON("save_draft", "invite_co_applicant"), "co_applicants": []any{
		coApplicantJSON("co1", "Cara Council", "edit", "active", "need", "delivery"),
		coApplicantJSON("co2", "Dev Charity", "view", "expired"),
	}})
	api, h := applicantAPI(t, app)
	w := get(t, h, "tok-applicant", "/applications/app1/team")
	wantHTML(t, w, http.StatusOK, "Who is working on this bid", "cara@bristol.gov.uk", "Can edit:", "<li>Need</li><li>Delivery plan</li>",
		`nhsuk-tag--green">Joined`, `nhsuk-tag--grey">Invitation expired`, "The invitation expired 16 May 2026 at 10:00am",
		`href="/applications/app1/team/co1">Change<span class="nhsuk-u-visually-hidden"> what Cara Council can do`,
		"Invite someone", "The invitation lasts 14 days", `id="email" name="email" type="email"`, `value="comment"`, "Can view and comment",
		`id="sections" name="sections" type="checkbox" value="contacts"`, "Send invitation")

	api.on("POST "+testApp+"/co-applicants", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w = post(t, h, "tok-applicant", "/applications/app1/team", url.Values{"email": {"eve@bristol.gov.uk"}, "name": {"Eve Evaluator"},
		"right": {"edit"}, "sections": {"evaluation"}, "idempotency_key": {"k-inv"}})
	wantRedirect(t, w, "/applications/app1/team", "Invitation sent to Eve Evaluator")
	c := onlyCommand(t, api)
	wantBody(t, c, map[string]any{"email": "eve@bristol.gov.uk", "name": "Eve Evaluator", "right": "edit", "sections": []any{"evaluation"}})
	if c.Key != "k-inv" {
		t.Fatalf("Idempotency-Key %q", c.Key)
	}

	// Sections are asked under the edit right: ticked, then another right
	// chosen, they are not assigned.
	api.calls = nil
	post(t, h, "tok-applicant", "/applications/app1/team", url.Values{"email": {"fay@bristol.gov.uk"}, "name": {"Fay"}, "right": {"view"}, "sections": {"need"}})
	wantBody(t, onlyCommand(t, api), map[string]any{"email": "fay@bristol.gov.uk", "name": "Fay", "right": "view"})

	api.on("POST "+testApp+"/co-applicants", http.StatusUnprocessableEntity, invalid(
		fieldErr("email", "must be a work email address such as name@bristol.gov.uk"), fieldErr("sections[0]", "is not a section of the form")))
	w = post(t, h, "tok-applicant", "/applications/app1/team", url.Values{"email": {"not-an-email"}, "name": {"Gil"}, "right": {"edit"}, "sections": {"need"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#email">Email address must be a work email address`,
		`<a href="#sections">Sections (item 1) is not a section of the form</a>`, `value="not-an-email"`, `value="Gil"`,
		`value="edit" aria-describedby="right-3-item-hint" aria-controls="conditional-right-3" checked>`, `value="need" checked>`)

	w = get(t, h, "tok-applicant", "/applications/app1/team/co1")
	wantHTML(t, w, http.StatusOK, "Change what Cara Council can do", `value="need" checked>`, `value="delivery" checked>`, "Save changes")
	api.on("POST "+testApp+"/co-applicants/co1", http.StatusOK, commandJSON("draft", appJSON(nil)))
	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/team/co1", url.Values{"right": {"comment"}})
	wantRedirect(t, w, "/applications/app1/team", "Changed what Cara Council can do")
	wantBody(t, onlyCommand(t, api), map[string]any{"right": "comment"})

	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/team/co2/remove"), http.StatusOK,
		"Are you sure you want to remove Dev Charity from the bid?", "Remove from the bid")
	api.on("POST "+testApp+"/co-applicants/co2/remove", http.StatusOK, commandJSON("draft", appJSON(nil)))
	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/team/co2/remove", nil)
	wantRedirect(t, w, "/applications/app1/team", "Dev Charity removed from the bid")
	if c := onlyCommand(t, api); c.Path != testApp+"/co-applicants/co2/remove" {
		t.Fatalf("removed with %s", c.Path)
	}
}

func TestTheTeamPageIsReadOnlyWithoutTheAction(t *testing.T) {
	_, h := applicantAPI(t, appJSON(map[string]any{"co_applicants": []any{coApplicantJSON("co1", "Cara Council", "edit", "active")}}))
	body := get(t, h, "tok-co", "/applications/app1/team").Body.String()
	if !strings.Contains(body, "Cara Council") {
		t.Fatal("the team is not listed")
	}
	for _, no := range []string{"Invite someone", "/team/co1\">Change", "/team/co1/remove\">Remove"} {
		if strings.Contains(body, no) {
			t.Errorf("the team page offers %q without invite_co_applicant", no)
		}
	}
}

func TestAnInviteeReadsAndAcceptsTheirInvitation(t *testing.T) {
	app := appJSON(map[string]any{"reference": "PIF-0007", "co_applicants": []any{coApplicantJSON("co1", "Cara Council", "edit", "invited", "need")},
		"actions": actionsJSON("accept_invitation")})
	api, h := applicantAPI(t, app)
	w := get(t, h, "tok-co", "/applications/app1/invitation")
	wantHTML(t, w, http.StatusOK, "Your invitation to work on a bid", "Ana Lead of QUY invited you", "Prevention Innovation Fund", "PIF-0007",
		"Can edit: these sections", "<li>Need</li>", "Accept by", "16 May 2026 at 10:00am", `action="/applications/app1/invitation/accept"`, "Accept invitation")
	// The application's page points the invitee to the invitation.
	wantHTML(t, get(t, h, "tok-co", "/applications/app1"), http.StatusOK, `href="/applications/app1/invitation">View and accept your invitation`)

	api.on("POST "+testApp+"/invitation/accept", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w = post(t, h, "tok-co", "/applications/app1/invitation/accept", url.Values{"idempotency_key": {"k-acc"}})
	wantRedirect(t, w, "/applications/app1", "Invitation accepted: you are now on the team for this bid")
	if c := onlyCommand(t, api); c.Path != testApp+"/invitation/accept" || c.Key != "k-acc" {
		t.Fatalf("accepted with %+v", c)
	}

	api.on("POST "+testApp+"/invitation/accept", http.StatusUnprocessableEntity, invalid(
		fieldErr("invitation", "expired at 16 May 2026 at 10:00am; ask the lead to invite you again")))
	w = post(t, h, "tok-co", "/applications/app1/invitation/accept", nil)
	wantHTML(t, w, http.StatusUnprocessableEntity, "There is a problem", "Your invitation expired at 16 May 2026 at 10:00am; ask the lead to invite you again")
}

func TestAnExpiredOrWithdrawnInvitationSaysSo(t *testing.T) {
	api, h := applicantAPI(t, appJSON(map[string]any{"co_applicants": []any{coApplicantJSON("co1", "Cara Council", "view", "expired")}, "actions": []any{}}))
	w := get(t, h, "tok-co", "/applications/app1/invitation")
	wantHTML(t, w, http.StatusOK, "This invitation has expired", "Ask Ana Lead to invite you again")
	if strings.Contains(w.Body.String(), "Accept invitation") {
		t.Error("an expired invitation offers to accept it")
	}
	api.on("GET "+testApp, http.StatusNotFound, problemJSON(http.StatusNotFound, "not_found", `no application "app1"`))
	wantHTML(t, get(t, h, "tok-co", "/applications/app1/invitation"), http.StatusNotFound, "This invitation is not available", "may have expired")
}

// awaitingSignOff is app1 sent for sign-off, as its certifier sees it.
func awaitingSignOff() map[string]any {
	return appJSON(map[string]any{"status": "awaiting_sign_off", "status_label": "Awaiting sign-off", "requested_pence": 8_000_000,
		"content":  map[string]any{"need": "Many people\nneed help", "requested_pence": 8_000_000},
		"partners": twoPartners(), "actions": actionsJSON("save_draft", "sign_off", "send_back"),
		"sign_off": signOffJSON("awaiting", map[string]any{"requested_by": actorJSON("a1", "Ana Lead", "applicant"), "requested_at": "2026-06-01T09:00:00Z",
			"certifiers": []any{map[string]any{"user_id": "a3", "name": "Cerys Finance"}}}),
	})
}

func TestACertifierReadsTheWholeBidAndSignsItOff(t *testing.T) {
	api, h := applicantAPI(t, awaitingSignOff())
	w := get(t, h, "tok-certifier", "/applications/app1/sign-off")
	wantHTML(t, w, http.StatusOK, "Sign off the bid", "Ana Lead sent this bid to the Prevention Innovation Fund to be signed off on 1 June 2026 at 10:00am", "another certifier of NHS Bristol ICB", "30 September 2026 at 11:59pm",
		"Many people\nneed help", "£80,000", "North Bristol NHS Trust", "Bristol City Council",
		"I confirm the bid is accurate and has the organisation&#39;s approval.", `id="declare" name="declare" type="checkbox" value="true">`,
		`<input type="hidden" name="answers_sha256" value="`+testSHA256+`">`, ">Sign off</button>",
		`id="reason" name="reason"`, ">Send back</button>")
	if strings.Contains(w.Body.String(), "/sections/need\">Change") {
		t.Error("the sign-off page offers to change the answers")
	}
	keys := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindAllStringSubmatch(w.Body.String(), -1)
	if len(keys) != 2 || keys[0][1] == keys[1][1] {
		t.Fatalf("sign off and send back need their own Idempotency-Keys: %v", keys)
	}

	api.on("POST "+testApp+"/sign-off", http.StatusOK, commandJSON("submitted", appJSON(nil)))
	w = post(t, h, "tok-certifier", "/applications/app1/sign-off", url.Values{"answers_sha256": {testSHA256}, "declare": {"true"}, "idempotency_key": {"k-so"}})
	wantRedirect(t, w, "/applications/app1/sign-off", "You have signed off the bid")
	c := onlyCommand(t, api)
	wantBody(t, c, map[string]any{"answers_sha256": testSHA256, "declare": true})
	if c.Key != "k-so" {
		t.Fatalf("Idempotency-Key %q", c.Key)
	}

	signed := awaitingSignOff()
	signed["status"], signed["actions"] = "submitted", []any{}
	signed["sign_off"] = signOffJSON("signed_off", map[string]any{"current": signedOffJSON(), "history": []any{signedOffJSON()}})
	api.on("GET "+testApp, http.StatusOK, signed)
	wantHTML(t, get(t, h, "tok-certifier", "/applications/app1/sign-off"), http.StatusOK,
		`<h1 class="nhsuk-panel__title">Bid signed off</h1>`, "signed off by Cerys Finance, Chief finance officer", testSHA256)
}

// The one who sent the bid, or anyone else the API does not let sign it,
// reads it but is offered neither form.
func TestOnlyACertifierTheAPIAllowsIsOfferedSignOff(t *testing.T) {
	app := awaitingSignOff()
	app["actions"] = actionsJSON("save_draft")
	_, h := applicantAPI(t, app)
	w := get(t, h, "tok-applicant", "/applications/app1/sign-off")
	wantHTML(t, w, http.StatusOK, "You cannot sign off this bid. It is waiting for Cerys Finance to sign it off.", "Many people\nneed help")
	for _, no := range []string{">Sign off</button>", ">Send back</button>", "answers_sha256"} {
		if strings.Contains(w.Body.String(), no) {
			t.Errorf("page offers %q", no)
		}
	}
	_, h = applicantAPI(t, appJSON(nil))
	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/sign-off"), http.StatusNotFound, "This fund does not ask for bids to be signed off")
}

func TestASignOffOfChangedAnswersShowsTheAnswersAgain(t *testing.T) {
	api, h := applicantAPI(t, awaitingSignOff())
	api.on("POST "+testApp+"/sign-off", http.StatusConflict, map[string]any{"status": 409, "code": "conflict",
		"detail": "the answers changed after you opened them; read the bid again before you sign it off",
		"errors": []any{fieldErr("answers_sha256", "is not the hash of the answers as they stand")}})
	w := post(t, h, "tok-certifier", "/applications/app1/sign-off", url.Values{"answers_sha256": {strings.Repeat("cd", 32)}, "declare": {"true"}})
	wantHTML(t, w, http.StatusConflict, "There is a problem", "The answers changed after you opened this page",
		`<input type="hidden" name="answers_sha256" value="`+testSHA256+`">`, `value="true">`)
	if strings.Contains(w.Body.String(), `value="true" checked>`) {
		t.Error("the declaration stays ticked over answers the certifier has not read")
	}

	api.on("POST "+testApp+"/sign-off", http.StatusUnprocessableEntity, invalid(fieldErr("declare", "confirm the declaration to sign off")))
	w = post(t, h, "tok-certifier", "/applications/app1/sign-off", url.Values{"answers_sha256": {testSHA256}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#declare">Confirm the declaration to sign off</a>`, `id="declare-error"`)
}

func TestACertifierSendsTheBidBackWithReasons(t *testing.T) {
	api, h := applicantAPI(t, awaitingSignOff())
	api.on("POST "+testApp+"/sign-off/send-back", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w := post(t, h, "tok-certifier", "/applications/app1/sign-off/send-back", url.Values{"reason": {"The budget does not add up."}})
	wantRedirect(t, w, "/applications/app1", "Bid sent back to its team with your reasons")
	wantBody(t, onlyCommand(t, api), map[string]any{"reason": "The budget does not add up."})

	api.on("POST "+testApp+"/sign-off/send-back", http.StatusUnprocessableEntity, invalid(fieldErr("reason", "must be 1 to 2000 characters")))
	w = post(t, h, "tok-certifier", "/applications/app1/sign-off/send-back", url.Values{"reason": {""}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#reason">Your reasons must be 1 to 2000 characters</a>`)
}

func TestTheTeamsNotesAreListedAndAdded(t *testing.T) {
	app := appJSON(map[string]any{"actions": actionsJSON("save_draft", "add_comment"), "comments": []any{
		map[string]any{"id": "c1", "by": actorJSON("co1", "Cara Council", "co_applicant"), "at": "2026-06-02T09:00:00Z", "section": "need", "text": "I rewrote the need.\nPlease check."},
	}})
	api, h := applicantAPI(t, app)
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "Notes for the team", "<strong>Cara Council</strong>", "about Need", "I rewrote the need.\nPlease check.",
		`action="/applications/app1/comments"`, `<option value="need">Need</option>`, "Add note")

	api.on("POST "+testApp+"/comments", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w = post(t, h, "tok-applicant", "/applications/app1/comments", url.Values{"note": {"Looks good"}, "note_section": {"need"}})
	wantRedirect(t, w, "/applications/app1", "Note added for the team")
	wantBody(t, onlyCommand(t, api), map[string]any{"text": "Looks good", "section": "need"})

	api.on("POST "+testApp+"/comments", http.StatusUnprocessableEntity, invalid(fieldErr("text", "must be 1 to 2000 characters")))
	w = post(t, h, "tok-applicant", "/applications/app1/comments", url.Values{"note": {" "}, "note_section": {"delivery"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#note">Your note must be 1 to 2000 characters</a>`, `<option value="delivery" selected>`)
}

func TestStaffSeeThePartnersAndTheSignOffRecord(t *testing.T) {
	api := reviewAPI(t, "eligibility")
	app := reviewApp("eligibility")
	app["actions"] = actionsJSON(reviewerActions["eligibility"]...)
	app["partners"] = twoPartners()
	app["sign_off"] = signOffJSON("signed_off", map[string]any{"current": signedOffJSON(), "history": []any{signedOffJSON()}})
	api.on("GET /v1/applications/app-1", http.StatusOK, app)
	w := get(t, newTestServer(t, api), "tok-reviewer", "/applications/app-1")
	wantHTML(t, w, http.StatusOK, "Partner organisations", "<h3 class=\"nhsuk-card__heading nhsuk-heading-s\">North Bristol NHS Trust</h3>",
		"Partners' shares: <strong>£20,000</strong> of the £80,000 requested", `nhsuk-tag--green">Signed off`, "Cerys Finance, Chief finance officer", testSHA256)
	for _, no := range []string{"Notes for the team", "Review and sign off", "/partners/p1"} {
		if strings.Contains(w.Body.String(), no) {
			t.Errorf("the staff page shows %q", no)
		}
	}
}

func TestThePanelNamesEachBidsPartners(t *testing.T) {
	api := reviewAPI(t, "panel")
	api.on("GET /v1/funds", http.StatusOK, map[string]any{"items": []any{reviewFund()}, "next_cursor": nil})
	api.on("GET /v1/funds/fund-1/panel", http.StatusOK, map[string]any{"next_cursor": nil, "items": []any{
		rowJSON(map[string]any{"id": "app-1", "fund_id": "fund-1", "org_name": "NHS Bristol ICB", "status": "panel", "status_label": "Panel",
			"weighted_score": 410, "partners": []string{"North Bristol NHS Trust", "Bristol City Council"}}),
	}})
	w := get(t, newTestServer(t, api), "tok-chair", "/panel")
	wantHTML(t, w, http.StatusOK, `<span class="nhsuk-body-s">NHS Bristol ICB<br>With North Bristol NHS Trust, Bristol City Council</span>`)
}

func TestTheStaffFilterNamesAwaitingSignOff(t *testing.T) {
	api, h := applicantAPI(t, appJSON(nil))
	api.on("GET /v1/applications", http.StatusOK, map[string]any{"items": []any{}, "next_cursor": nil})
	wantHTML(t, get(t, h, "tok-pm", "/applications?status=awaiting_sign_off"), http.StatusOK,
		`<option value="awaiting_sign_off" selected>Awaiting sign-off</option>`, `<option value="eligibility">Eligibility screening</option>`)
}
