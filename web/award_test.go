package web

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/form"
)

// agreementJSON is GET /v1/applications/app1/agreement for an offer on
// version 2 of the fund's terms, which QUY's certifier may sign.
func agreementJSON(signed bool) map[string]any {
	a := map[string]any{
		"terms": map[string]any{"title": "Prevention Innovation Fund grant agreement", "version": 2, "sha256": testSHA256},
		"sections": []any{
			map[string]any{"heading": "Purpose of the grant", "text": "The grant is service credit.\n\nIt moves prevention forward."},
			map[string]any{"heading": "Payment and drawdown", "text": "Credit is drawn down milestone by milestone."},
		},
		"declaration": "I confirm that I am authorised to sign this agreement.",
		"signatories": []any{"Cerys Finance, Chief finance officer"},
	}
	if signed {
		a["signed"] = map[string]any{"terms": a["terms"], "offer_ref": "PIF-0007-OFR-1", "signed_name": "Cerys Finance",
			"capacity": "Chief finance officer", "declaration": a["declaration"], "by": actorJSON("a3", "Cerys Finance", "applicant"),
			"at": "2026-06-03T10:00:00Z", "letter": "PIF-0007-AGR-1"}
	}
	return a
}

// termsOffer is the offer of offeredApp made on the fund's terms.
func termsOffer() map[string]any {
	return map[string]any{"amount_pence": 8_000_000, "reserved_at": "2026-06-01T09:00:00Z", "accept_by": "2026-06-15T22:59:59Z", "letter": "OFF-1",
		"terms": map[string]any{"version": 2, "title": "Prevention Innovation Fund grant agreement", "declaration": "I confirm that I am authorised to sign this agreement.",
			"sections": []any{map[string]any{"heading": "Purpose of the grant", "text": "The grant is service credit."}}},
		"signatories": []any{map[string]any{"user_id": "a3", "name": "Cerys Finance", "capacity": "chief_finance_officer", "capacity_label": "Chief finance officer"}},
	}
}

func agreementAPI(t *testing.T, actions []any) (*fakeAPI, http.Handler) {
	app := offeredApp()
	app["offer"], app["actions"] = termsOffer(), actions
	api, h := applicantAPI(t, app)
	api.on("GET "+testApp+"/agreement", http.StatusOK, agreementJSON(false))
	return api, h
}

func TestAnOfferOnTermsIsSignedAsTheGrantAgreement(t *testing.T) {
	api, h := agreementAPI(t, actionsJSON("accept_offer", "decline_offer", "withdraw"))
	w := get(t, h, "tok-certifier", "/applications/app1/offer")
	wantHTML(t, w, http.StatusOK, "Sign the grant agreement", "Prevention Innovation Fund grant agreement",
		"Version 2. SHA-256 fingerprint", testSHA256,
		`<h3 class="nhsuk-heading-s">1. Purpose of the grant</h3>`, `<p class="app-pre-line">The grant is service credit.</p>`,
		`<p class="app-pre-line">It moves prevention forward.</p>`, `<h3 class="nhsuk-heading-s">2. Payment and drawdown</h3>`,
		"<li>Cerys Finance, Chief finance officer</li>",
		`<input type="hidden" name="terms_sha256" value="`+testSHA256+`">`,
		`id="signatory_name"`, "Type your name as your account gives it: Cerys Finance.",
		"Your job title (optional)", "Leave this blank to sign as Chief finance officer.",
		"I confirm that I am authorised to sign this agreement.", `id="declare" name="declare" type="checkbox" value="true"`,
		"Sign and accept the offer", "Decline offer")

	api.on("POST "+testApp+"/offer/accept", http.StatusOK, commandJSON("in_deployment", appJSON(nil)))
	w = post(t, h, "tok-certifier", "/applications/app1/offer/accept", url.Values{
		"signatory_name": {"Cerys Finance"}, "signatory_role": {""}, "declare": {"true"}, "terms_sha256": {testSHA256}, "idempotency_key": {"k-sign"},
	})
	wantRedirect(t, w, "/applications/app1", "Grant agreement signed and offer accepted")
	c := onlyCommand(t, api)
	wantBody(t, c, map[string]any{"signatory_name": "Cerys Finance", "terms_sha256": testSHA256, "declare": true})
	if c.Key != "k-sign" {
		t.Fatalf("Idempotency-Key %q, want k-sign", c.Key)
	}
}

func TestARefusedSignatureShowsEachErrorAtItsInput(t *testing.T) {
	api, h := agreementAPI(t, actionsJSON("accept_offer", "decline_offer"))
	api.on("POST "+testApp+"/offer/accept", http.StatusUnprocessableEntity, invalid(
		fieldErr("declare", "confirm the declaration to sign the agreement"),
		fieldErr("signatory_name", "must be 1 to 200 characters"),
		fieldErr("signatory_name", "type your full name as your account gives it, Cerys Finance")))
	w := post(t, h, "tok-certifier", "/applications/app1/offer/accept", url.Values{"signatory_name": {""}, "terms_sha256": {testSHA256}})
	wantHTML(t, w, http.StatusUnprocessableEntity, "There is a problem",
		`<a href="#declare">Confirm the declaration to sign the agreement</a>`,
		`<a href="#signatory_name">Signatory name must be 1 to 200 characters</a>`,
		`<a href="#signatory_name">Type your full name as your account gives it, Cerys Finance</a>`,
		`<span class="nhsuk-error-message" id="declare-error">`, "nhsuk-form-group--error")

	// Terms that are not the offer's: the page shows them again, and the
	// declaration must be made again about them.
	api.on("POST "+testApp+"/offer/accept", http.StatusConflict, map[string]any{"status": 409, "code": "conflict",
		"detail": "these are not the terms of this offer", "errors": []any{fieldErr("terms_sha256", "does not match the offer's terms")}})
	w = post(t, h, "tok-certifier", "/applications/app1/offer/accept", url.Values{
		"signatory_name": {"Cerys Finance"}, "declare": {"true"}, "terms_sha256": {"old"}})
	wantHTML(t, w, http.StatusConflict, "The terms of this offer are not the ones you read", `value="`+testSHA256+`"`)
	if strings.Contains(w.Body.String(), `value="true" checked`) {
		t.Error("the declaration stays made about terms that were not read")
	}
}

// An applicant who is not one of the offer's signatories reads the
// agreement, who may sign it and can decline, but is offered no signature.
func TestOnlyTheAgreementsSignatoriesAreOfferedIt(t *testing.T) {
	_, h := agreementAPI(t, actionsJSON("decline_offer", "withdraw"))
	w := get(t, h, "tok-applicant", "/applications/app1/offer")
	wantHTML(t, w, http.StatusOK, "Purpose of the grant", "Cerys Finance, Chief finance officer",
		"You cannot sign the agreement: only the people named above can sign it", "Decline offer")
	mustNotContain(t, w.Body.String(), `action="/applications/app1/offer/accept"`, `name="terms_sha256"`)

	// An offer made without terms keeps the page it had.
	_, h = applicantAPI(t, offeredApp())
	w = get(t, h, "tok-applicant", "/applications/app1/offer")
	wantHTML(t, w, http.StatusOK, "Your offer", "Accept offer")
	mustNotContain(t, w.Body.String(), "grant agreement", "terms_sha256")
}

// awardApp is app1 in deployment: its offer accepted, IG approvals drawn
// down and Go-live to come, with extra's members over it.
func awardApp(extra map[string]any) map[string]any {
	app := appJSON(map[string]any{
		"status": "in_deployment", "status_label": "In deployment", "awarded_pence": 8_000_000, "drawn_pence": 2_000_000,
		"offer":      map[string]any{"amount_pence": 8_000_000, "reserved_at": "2026-06-01T09:00:00Z"},
		"acceptance": map[string]any{"signatory_name": "Sam Officer", "signatory_role": "Chief executive", "by": actorJSON("a1", "Ana Lead", "applicant"), "at": "2026-06-02T09:00:00Z"},
		"content":    map[string]any{"deployment_routes": []string{"primary_care"}, "sro": map[string]any{"name": "Sam Officer", "role": "Chief executive"}},
		"milestones": []any{
			map[string]any{"id": "ig", "title": "IG approvals", "due_at": "2026-07-01T22:59:59Z", "drawdown_pence": 2_000_000, "status": "verified"},
			map[string]any{"id": "live", "title": "Go-live", "due_at": "2026-09-01T22:59:59Z", "drawdown_pence": 6_000_000, "status": "pending"},
		},
		"actions": []any{},
	})
	maps.Copy(app, extra)
	return app
}

// returnsFund is the test fund with a count measure, which returns collect.
func returnsFund() map[string]any {
	f := testFundJSON()
	def := maps.Clone(f["definition"].(map[string]any))
	def["measures"] = []any{map[string]any{"id": "people_onboarded", "title": "People onboarded", "unit": "people", "direction": "higher",
		"kind": "count", "decimal_places": 0, "report_at": []any{}}}
	f["definition"] = def
	return f
}

// returnJSON is a monitoring return asking two questions and the count.
func returnJSON(id, title, status string, extra map[string]any) map[string]any {
	r := map[string]any{
		"id": id, "title": title, "status": status,
		"opens_at": "2026-06-02T09:00:00Z", "due_at": "2026-09-01T22:59:59Z", "escalate_at": "2026-09-08T22:59:59Z",
		"questions": form.Form{Version: 1, Sections: []form.Section{{ID: "progress", Title: "Progress this quarter", Questions: []form.Question{
			{ID: "progress_summary", Type: form.LongText, Required: true, Label: "Summarise progress since your last return"},
			{ID: "spend_pence", Type: form.Money, Label: "Spend on the deployment to date"},
		}}}},
		"measures":          []any{"people_onboarded"},
		"outcomes_required": []any{map[string]any{"measure": "people_onboarded", "route": "primary_care"}},
	}
	maps.Copy(r, extra)
	return r
}

// awardAPI is a fake API holding app1 in deployment, its change requests
// and its returns.
func awardAPI(t *testing.T, app map[string]any, changes, returns []any) (*fakeAPI, http.Handler) {
	app["change_requests"], app["returns"] = changes, returns
	api, h := applicantAPI(t, app)
	api.on("GET /v1/funds/pif", http.StatusOK, returnsFund())
	return api, h
}

func TestAChangeRequestIsBuiltFromPoundsAndDates(t *testing.T) {
	api, h := awardAPI(t, awardApp(map[string]any{"actions": actionsJSON("request_change")}), []any{}, []any{})
	w := get(t, h, "tok-applicant", "/applications/app1/changes/new")
	wantHTML(t, w, http.StatusOK, "Request a change to the award",
		`id="due-live" name="due-live-day" type="text" inputmode="numeric" value="1"`, `name="due-live-month" type="text" inputmode="numeric" value="9"`,
		`name="due-live-year" type="text" inputmode="numeric" value="2026"`, `id="drawdown-live" name="drawdown-live" type="text" inputmode="decimal" spellcheck="false" value="60000"`,
		`id="award" name="award" type="text" inputmode="decimal" spellcheck="false" value="80000"`, "Now Sam Officer, Chief executive.",
		`id="sro_name"`, `id="sro_role"`, `id="reason"`, "Request change")
	mustNotContain(t, w.Body.String(), "due-ig", "drawdown-ig")

	api.on("POST "+testApp+"/change-requests", http.StatusOK, commandJSON("in_deployment", awardApp(nil)))
	form := url.Values{
		"reason": {" Supplier delay "}, "due-live-day": {"31"}, "due-live-month": {"10"}, "due-live-year": {"2026"},
		"drawdown-live": {"65,000"}, "award": {"85000"}, "sro_name": {"Sam New"}, "sro_role": {"Director"}, "idempotency_key": {"k-change"},
	}
	w = post(t, h, "tok-applicant", "/applications/app1/changes/new", form)
	wantRedirect(t, w, "/applications/app1#changes", "Change requested: the programme team will decide it")
	c := onlyCommand(t, api)
	wantBody(t, c, map[string]any{
		"reason": "Supplier delay",
		// 31 October 2026 is after the clocks go back: the end of that day
		// in London is 23:59:59 UTC.
		"milestones":  []any{map[string]any{"id": "live", "due_at": "2026-10-31T23:59:59Z", "drawdown_pence": float64(6_500_000)}},
		"award_pence": float64(8_500_000),
		"sro":         map[string]any{"name": "Sam New", "role": "Director"},
	})
	if c.Key != "k-change" {
		t.Fatalf("Idempotency-Key %q", c.Key)
	}

	// What the form shows as it stands is not sent; a drawdown of nothing
	// is a change.
	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/changes/new", url.Values{
		"reason": {"Move it all"}, "due-live-day": {"1"}, "due-live-month": {"9"}, "due-live-year": {"2026"}, "drawdown-live": {"0"}, "award": {"80000"},
	})
	wantRedirect(t, w, "/applications/app1#changes", "Change requested: the programme team will decide it")
	wantBody(t, onlyCommand(t, api), map[string]any{"reason": "Move it all", "milestones": []any{map[string]any{"id": "live", "drawdown_pence": float64(0)}}})
}

func TestAChangeRequestsErrorsAreShownAtItsInputs(t *testing.T) {
	api, h := awardAPI(t, awardApp(map[string]any{"actions": actionsJSON("request_change")}), []any{}, []any{})
	w := post(t, h, "tok-applicant", "/applications/app1/changes/new", url.Values{
		"reason": {"Delay"}, "due-live-day": {"31"}, "due-live-month": {"2"}, "due-live-year": {"2027"}, "drawdown-live": {"1,00"}, "award": {"80000"},
	})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#due-live">Go-live: the new due date must be a real date, like 31 3 2027</a>`,
		`<a href="#drawdown-live">Go-live: new drawdown: enter an amount in pounds`, `value="31"`, `value="1,00"`, ">Delay</textarea>")
	if len(api.commands()) != 0 {
		t.Fatalf("what the form could not read reached the API: %+v", api.commands())
	}

	api.on("POST "+testApp+"/change-requests", http.StatusUnprocessableEntity, invalid(
		fieldErr("milestones[0].due_at", "must be in the future"),
		fieldErr("milestones", "the drawdowns add up to £80,000.00 but the award would be £85,000.00; move credit so they match"),
		fieldErr("sro.role", "must be 1 to 200 characters"),
		fieldErr("reason", "must be 1 to 2000 characters")))
	w = post(t, h, "tok-applicant", "/applications/app1/changes/new", url.Values{
		"due-live-day": {"1"}, "due-live-month": {"1"}, "due-live-year": {"2026"}, "award": {"85000"}, "sro_name": {"Sam New"},
	})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#due-live">Go-live: the new due date must be in the future</a>`,
		`<a href="#award">The drawdowns add up to £80,000.00 but the award would be £85,000.00; move credit so they match</a>`,
		`<a href="#sro_role">The new SRO&#39;s job title must be 1 to 200 characters</a>`, `<a href="#reason">Your reason must be 1 to 2000 characters</a>`,
		`value="Sam New"`, `value="85000"`)
}

// A change request's page offers each person only the forms the API lists
// for them: the programme manager decides, the lead withdraws.
func TestAChangeRequestOffersOnlyTheListedActions(t *testing.T) {
	cr := map[string]any{
		"id": "cr1", "status": "open", "reason": "Supplier delay", "award_pence": 8_000_000, "award_before_pence": 8_000_000,
		"milestones": []any{map[string]any{"id": "live", "due_at": "2026-10-31T23:59:59Z"}},
		"lines":      []any{map[string]any{"what": "Go-live: due date", "before": "1 September 2026", "after": "31 October 2026"}},
		"approvers":  []any{"programme_manager", "panel_chair"}, "decisions": []any{},
		"requested_by": actorJSON("a1", "Ana Lead", "applicant"), "requested_at": "2026-07-01T09:00:00Z",
	}
	decide := []any{map[string]any{"name": "decide_change", "change_id": "cr1"}}
	api, h := awardAPI(t, awardApp(map[string]any{"actions": decide}), []any{cr}, []any{})
	w := get(t, h, "tok-pm", "/applications/app1/changes/cr1")
	wantHTML(t, w, http.StatusOK, "Change request cr1", "Awaiting decision", "Supplier delay",
		`<th scope="row" class="nhsuk-table__header">Go-live: due date</th>`, "1 September 2026", "31 October 2026",
		"the programme manager, then the panel chair", "Awaiting the programme manager's decision",
		`action="/applications/app1/changes/cr1/decision"`, `id="approve" name="approve" type="radio" value="true"`,
		"If you approve, it goes to the panel chair to decide.")
	mustNotContain(t, w.Body.String(), "/changes/cr1/withdraw")

	w = post(t, h, "tok-pm", "/applications/app1/changes/cr1/decision", url.Values{"note": {"No"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#approve">Select whether to approve or refuse the change</a>`)
	if len(api.commands()) != 0 {
		t.Fatal("an unanswered decision reached the API as a refusal")
	}
	api.on("POST "+testApp+"/change-requests/cr1/decision", http.StatusOK, commandJSON("in_deployment", awardApp(nil)))
	w = post(t, h, "tok-pm", "/applications/app1/changes/cr1/decision", url.Values{"approve": {"false"}, "note": {" Too late "}, "idempotency_key": {"k-d"}})
	wantRedirect(t, w, "/applications/app1", "Change refused")
	wantBody(t, onlyCommand(t, api), map[string]any{"approve": false, "note": "Too late"})

	_, h = awardAPI(t, awardApp(map[string]any{"actions": []any{map[string]any{"name": "withdraw_change", "change_id": "cr1"}}}), []any{cr}, []any{})
	w = get(t, h, "tok-applicant", "/applications/app1/changes/cr1")
	wantHTML(t, w, http.StatusOK, `action="/applications/app1/changes/cr1/withdraw"`, "Withdraw change request")
	mustNotContain(t, w.Body.String(), "/changes/cr1/decision")

	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/changes/cr9"), http.StatusNotFound, "Page not found")
}

func TestAReturnAsksItsQuestionsAndPostsTheAnswers(t *testing.T) {
	app := awardApp(map[string]any{"actions": []any{map[string]any{"name": "submit_return", "return_id": "r1"}}})
	api, h := awardAPI(t, app, []any{}, []any{returnJSON("r1", "Quarterly return 1", "open", nil)})
	w := get(t, h, "tok-applicant", "/applications/app1/returns/r1")
	wantHTML(t, w, http.StatusOK, "Quarterly return 1", "Progress this quarter",
		`<label class="nhsuk-label" for="progress_summary">Summarise progress since your last return</label>`,
		`<textarea class="nhsuk-textarea" id="progress_summary" name="progress_summary"`,
		`id="spend_pence" name="spend_pence"`, `People onboarded: Through primary care and public health`,
		`id="outcome_0_count" name="outcome_0_count"`, `action="/applications/app1/returns/r1"`, "Send return")

	api.on("POST "+testApp+"/returns/r1", http.StatusOK, commandJSON("in_deployment", app))
	w = post(t, h, "tok-applicant", "/applications/app1/returns/r1", url.Values{
		"progress_summary": {"Live in 40 practices"}, "spend_pence": {"1,250.50"}, "outcome_0_count": {"1,200"}, "idempotency_key": {"k-ret"},
	})
	wantRedirect(t, w, "/applications/app1", "Quarterly return 1 sent")
	c := onlyCommand(t, api)
	wantBody(t, c, map[string]any{
		"answers":  map[string]any{"progress_summary": "Live in 40 practices", "spend_pence": float64(125_050)},
		"outcomes": []any{map[string]any{"measure": "people_onboarded", "route": "primary_care", "count": float64(1200)}},
	})
	if c.Key != "k-ret" {
		t.Fatalf("Idempotency-Key %q", c.Key)
	}

	api.on("POST "+testApp+"/returns/r1", http.StatusUnprocessableEntity, invalid(
		fieldErr("progress_summary", "is required"), fieldErr("outcomes.people_onboarded.primary_care", "is required in this return")))
	w = post(t, h, "tok-applicant", "/applications/app1/returns/r1", url.Values{"spend_pence": {"10"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#progress_summary">Summarise progress since your last return is required</a>`,
		`<a href="#outcome_0_count">People onboarded, Through primary care and public health: people is required in this return</a>`, `value="10"`)
}

// A return sent back shows the programme manager's note and the answers
// sent, to change and send again.
func TestASentBackReturnStartsFromWhatWasSent(t *testing.T) {
	sent := returnJSON("r1", "Quarterly return 1", "sent_back", map[string]any{
		"submission": map[string]any{"answers": map[string]any{"progress_summary": "Live in 4 practices", "spend_pence": 125_050},
			"outcomes": []any{map[string]any{"measure": "people_onboarded", "route": "primary_care", "count": 120}},
			"by":       actorJSON("a1", "Ana Lead", "applicant"), "at": "2026-08-20T09:00:00Z"},
		"reviews": []any{map[string]any{"decision": "return", "note": "Say which practices", "by": actorJSON("p1", "Pat Manager", "programme_manager"), "at": "2026-08-22T09:00:00Z"}},
	})
	_, h := awardAPI(t, awardApp(map[string]any{"actions": []any{map[string]any{"name": "submit_return", "return_id": "r1"}}}), []any{}, []any{sent})
	w := get(t, h, "tok-applicant", "/applications/app1/returns/r1")
	wantHTML(t, w, http.StatusOK, "The programme team sent this return back", "Say which practices",
		">Live in 4 practices</textarea>", `value="1250.50"`, `id="outcome_0_count" name="outcome_0_count" type="text" inputmode="numeric" spellcheck="false" value="120"`)
}

func TestAReturnOffersSignOffAndReviewOnlyWhenTheAPIDoes(t *testing.T) {
	in := map[string]any{
		"submission": map[string]any{"answers": map[string]any{"progress_summary": "Live in 40 practices"},
			"outcomes": []any{map[string]any{"measure": "people_onboarded", "route": "primary_care", "count": 1200}},
			"by":       actorJSON("a1", "Ana Lead", "applicant"), "at": "2026-08-20T09:00:00Z"},
		"certifiers": []any{map[string]any{"user_id": "a3", "name": "Cerys Finance", "capacity": "chief_finance_officer", "capacity_label": "Chief finance officer"}},
	}
	awaiting := returnJSON("r1", "Quarterly return 1", "awaiting_sign_off", in)
	signOff := []any{map[string]any{"name": "sign_off_return", "return_id": "r1"}}
	api, h := awardAPI(t, awardApp(map[string]any{"actions": signOff}), []any{}, []any{awaiting})
	w := get(t, h, "tok-certifier", "/applications/app1/returns/r1")
	wantHTML(t, w, http.StatusOK, "Summarise progress since your last return", "Live in 40 practices", "1200",
		`action="/applications/app1/returns/r1/sign-off"`, `id="declare" name="declare" type="checkbox"`, "Sign off return")
	mustNotContain(t, w.Body.String(), `name="progress_summary"`, "/returns/r1/review")

	api.on("POST "+testApp+"/returns/r1/sign-off", http.StatusUnprocessableEntity, invalid(fieldErr("declare", "confirm that the return is accurate to sign it off")))
	w = post(t, h, "tok-certifier", "/applications/app1/returns/r1/sign-off", url.Values{})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#declare">Confirm that the return is accurate to sign it off</a>`)
	api.on("POST "+testApp+"/returns/r1/sign-off", http.StatusOK, commandJSON("in_deployment", awardApp(nil)))
	api.calls = nil
	w = post(t, h, "tok-certifier", "/applications/app1/returns/r1/sign-off", url.Values{"declare": {"true"}})
	wantRedirect(t, w, "/applications/app1", "Return signed off: it has gone to the programme team")
	wantBody(t, onlyCommand(t, api), map[string]any{"declare": true})

	// The lead who sent it reads whose sign-off it waits for.
	_, h = awardAPI(t, awardApp(nil), []any{}, []any{awaiting})
	w = get(t, h, "tok-applicant", "/applications/app1/returns/r1")
	wantHTML(t, w, http.StatusOK, "It is waiting for Cerys Finance to sign it off.")
	mustNotContain(t, w.Body.String(), "<form action=\"/applications/app1/returns/r1")

	submitted := returnJSON("r1", "Quarterly return 1", "submitted", in)
	review := []any{map[string]any{"name": "review_return", "return_id": "r1"}}
	api, h = awardAPI(t, awardApp(map[string]any{"actions": review}), []any{}, []any{submitted})
	w = get(t, h, "tok-pm", "/applications/app1/returns/r1")
	wantHTML(t, w, http.StatusOK, `action="/applications/app1/returns/r1/review"`, `id="decision" name="decision" type="radio" value="verify"`, "Record review")
	mustNotContain(t, w.Body.String(), "/returns/r1/sign-off")
	w = post(t, h, "tok-pm", "/applications/app1/returns/r1/review", url.Values{"note": {"Missing figures"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#decision">Select whether to accept the return or send it back</a>`, ">Missing figures</textarea>")
	api.on("POST "+testApp+"/returns/r1/review", http.StatusOK, commandJSON("in_deployment", awardApp(nil)))
	w = post(t, h, "tok-pm", "/applications/app1/returns/r1/review", url.Values{"decision": {"return"}, "note": {"Missing figures"}})
	wantRedirect(t, w, "/applications/app1", "Return sent back to the organisation")
	wantBody(t, onlyCommand(t, api), map[string]any{"decision": "return", "note": "Missing figures"})

	_, h = awardAPI(t, awardApp(nil), []any{}, []any{submitted})
	mustNotContain(t, get(t, h, "tok-pm", "/applications/app1/returns/r1").Body.String(), "/returns/r1/review")
}

// The award page lists the agreement, the returns and the changes, with
// a link or button only for what the API lists.
func TestTheAwardPageShowsWhatFollowsTheAward(t *testing.T) {
	cr := map[string]any{
		"id": "cr1", "status": "approved", "reason": "More practices", "award_pence": 9_000_000, "award_before_pence": 8_000_000,
		"lines":     []any{map[string]any{"what": "Total award", "before": "£80,000.00", "after": "£90,000.00"}},
		"approvers": []any{"programme_manager"}, "letter": "PIF-0007-VAR-1", "closed_at": "2026-07-05T09:00:00Z",
		"decisions":    []any{map[string]any{"role": "programme_manager", "approve": true, "note": "Agreed", "by": actorJSON("p1", "Pat Manager", "programme_manager"), "at": "2026-07-05T09:00:00Z"}},
		"requested_by": actorJSON("a1", "Ana Lead", "applicant"), "requested_at": "2026-07-01T09:00:00Z",
	}
	returns := []any{
		returnJSON("r1", "Quarterly return 1", "overdue", map[string]any{"overdue": true}),
		returnJSON("r2", "Quarterly return 2", "upcoming", map[string]any{"opens_at": "2026-09-01T22:59:59Z", "due_at": "2026-12-01T23:59:59Z"}),
	}
	app := awardApp(map[string]any{"offer": termsOffer(), "agreement": agreementJSON(true), "actions": []any{
		map[string]any{"name": "request_change"}, map[string]any{"name": "submit_return", "return_id": "r1"}}})
	api, h := awardAPI(t, app, []any{cr}, returns)
	fund := returnsFund()
	fund["definition"].(map[string]any)["reporting"] = map[string]any{"every": "P13W", "count": 4, "hold_drawdown": true,
		"periodic": map[string]any{"title": "Quarterly return", "form": returnJSON("r", "", "", nil)["questions"]}}
	api.on("GET /v1/funds/pif", http.StatusOK, fund)
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK,
		"Grant agreement</h2>", "Cerys Finance, Chief finance officer", "Prevention Innovation Fund grant agreement, version 2",
		`<a href="/letters/PIF-0007-AGR-1">Download the signed agreement (PDF)</a>`,
		"Monitoring returns</h2>", `<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>`,
		`<a href="/applications/app1/returns/r1">Complete return<span class="nhsuk-u-visually-hidden">: Quarterly return 1</span></a>`,
		"Opens 1 September 2026",
		"Drawdowns are held", "Quarterly return 1 was due by 1 September 2026",
		"Changes to the award</h2>", `href="/applications/app1/changes/new" role="button"`, "Request a change",
		`<a href="/applications/app1/changes/cr1">Change request cr1</a> <strong class="nhsuk-tag nhsuk-tag--green">Approved</strong>`,
		"Approved by Pat Manager (programme manager)", `<a href="/letters/PIF-0007-VAR-1">Download the variation letter (PDF)`)

	app["actions"] = []any{}
	w = get(t, h, "tok-applicant", "/applications/app1")
	mustNotContain(t, w.Body.String(), "Request a change", "Complete return")
	mustContain(t, w.Body.String(), `<a href="/applications/app1/returns/r1">View<span class="nhsuk-u-visually-hidden"> Quarterly return 1</span></a>`)
}

// A programme manager whom the API does not offer to verify evidence,
// while a return is overdue, reads why instead of the form.
func TestHeldDrawdownsShowTheReturnInsteadOfVerification(t *testing.T) {
	app := awardApp(map[string]any{"milestones": []any{
		map[string]any{"id": "live", "title": "Go-live", "due_at": "2026-09-01T22:59:59Z", "drawdown_pence": 6_000_000, "status": "submitted",
			"evidence": map[string]any{"summary": "Live", "by": actorJSON("a1", "Ana Lead", "applicant"), "at": "2026-08-20T09:00:00Z"}},
	}, "actions": actionsJSON("terminate")})
	_, h := awardAPI(t, app, []any{}, []any{returnJSON("r1", "Quarterly return 1", "overdue", map[string]any{"overdue": true})})
	w := get(t, h, "tok-pm", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "Drawdowns are held", "Quarterly return 1 was due by 1 September 2026",
		`<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>`, "Monitoring returns</h2>", "Changes to the award</h2>")
	mustNotContain(t, w.Body.String(), "Record verification", "Request a change")

	app["actions"] = []any{map[string]any{"name": "verify_milestone", "milestone_id": "live"}}
	w = get(t, h, "tok-pm", "/applications/app1")
	mustContain(t, w.Body.String(), "Record verification")
	mustNotContain(t, w.Body.String(), "Drawdowns are held")
}
