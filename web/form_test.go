package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/form"
)

func ptr64(n int64) *int64 { return &n }

// everyTypeForm asks one question of every type, over two sections, with
// a conditional on each kind of controller.
func everyTypeForm() form.Form {
	return form.Form{Version: 2, Sections: []form.Section{
		{ID: "about", Title: "About the service", Description: "Tell us about it.", Questions: []form.Question{
			form.LeadContactQuestion(),
			form.SRODeclarationQuestion(),
			{ID: "title", Type: form.Text, Label: "Service name", Hint: "As the public knows it."},
			{ID: "story", Type: form.LongText, Label: "Your story", MaxWords: 150},
			{ID: "staff", Type: form.Integer, Label: "Staff", Min: ptr64(0)},
			form.RequestedPenceQuestion(),
			{ID: "start", Type: form.Date, Label: "Start date"},
			{ID: "email", Type: form.Email, Label: "Team email"},
			{ID: "phone", Type: form.Phone, Label: "Team phone"},
			{ID: "host", Type: form.Organisation, Label: "Host organisation"},
			{ID: "model", Type: form.SingleChoice, Label: "Delivery model", Options: []form.Option{
				{Value: "in_house", Label: "In house"}, {Value: "commissioned", Label: "Commissioned"}}},
			{ID: "provider", Type: form.Text, Label: "Provider's name",
				ShowIf: &form.Condition{Question: "model", Equals: []string{"commissioned"}}},
			form.DeploymentRoutesQuestion(),
			{ID: "plan", Type: form.Document, Label: "Project plan", DocumentKind: "project_plan"},
		}},
		{ID: "partners", Title: "Partners", Questions: []form.Question{
			{ID: "has_partners", Type: form.YesNo, Label: "Do you have partners?"},
			{ID: "partners", Type: form.RepeatingGroup, Label: "Partners", MinItems: 1, MaxItems: 2,
				ShowIf: &form.Condition{Question: "has_partners", Equals: []string{"yes"}},
				Questions: []form.Question{
					{ID: "name", Type: form.Text, Label: "Organisation name"},
					{ID: "email", Type: form.Email, Label: "Contact email"},
				}},
			{ID: "why_not", Type: form.LongText, Label: "Why not?", MaxChars: 500,
				ShowIf: &form.Condition{Question: "has_partners", Equals: []string{"no"}}},
			// Conditional on an answer on another page.
			{ID: "provider_contract", Type: form.YesNo, Label: "Is the provider's contract signed?",
				ShowIf: &form.Condition{Question: "model", Equals: []string{"commissioned"}}},
		}},
	}}
}

// formAPI is applicantAPI with app1 on everyTypeForm's version 2.
func formAPI(t testing.TB, c map[string]any) (*fakeAPI, http.Handler) {
	if c == nil {
		c = map[string]any{}
	}
	app := appJSON(map[string]any{"form_version": 2, "content": c, "actions": actionsJSON("save_draft", "submit", "attach_document"), "documents": []any{
		docJSON("doc1", "plan.pdf", "project_plan", "clean"), docJSON("doc2", "budget.xlsx", "budget", "clean"),
	}})
	api, h := applicantAPI(t, app)
	api.on("GET /v1/funds/pif/form", http.StatusOK, fundFormJSON("pif", 2, everyTypeForm()))
	api.on("PATCH "+testApp, http.StatusOK, commandJSON("draft", appJSON(map[string]any{"status": "draft"})))
	return api, h
}

func TestTheFormAsksTheVersionTheApplicationIsOn(t *testing.T) {
	api, h := formAPI(t, nil)
	get(t, h, "tok-applicant", "/applications/app1/sections/about")
	for _, c := range api.calls {
		if c.Path == "/v1/funds/pif/form" && c.Query != "version=2" {
			t.Fatalf("form read with %q, want version=2", c.Query)
		}
	}
}

func TestEveryQuestionTypeIsAskedByItsPattern(t *testing.T) {
	_, h := formAPI(t, map[string]any{"model": "commissioned", "start": "2026-03-09", "has_partners": true,
		"partners": []any{map[string]any{"name": "Age Cymru", "email": "a@age.cymru"}}})
	w := get(t, h, "tok-applicant", "/applications/app1/sections/about")
	wantHTML(t, w, http.StatusOK, "Tell us about it.",
		`<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Lead contact</legend>`,
		`id="lead_contact.email" name="lead_contact.email" type="email" value="" autocomplete="email"`,
		`<label class="nhsuk-label" for="title">Service name</label>`, `<div class="nhsuk-hint" id="title-hint">As the public knows it.</div>`,
		`data-module="nhsuk-character-count" data-maxwords="150"`, "You can enter up to 150 words",
		`id="staff" name="staff" type="text" inputmode="numeric"`,
		`<div class="nhsuk-input-wrapper__prefix" aria-hidden="true">£</div>`, "In pounds, up to £80,000, the fund&#39;s maximum award.",
		`id="start" name="start-day" type="text" inputmode="numeric" value="9"`, `id="start-month" name="start-month" type="text" inputmode="numeric" value="3"`,
		`id="start-year" name="start-year" type="text" inputmode="numeric" value="2026"`,
		`id="phone" name="phone" type="tel" value="" autocomplete="tel"`,
		`id="host" name="host" type="text" value="" spellcheck="false"`,
		`id="model-2" name="model" type="radio" value="commissioned" aria-controls="conditional-model-commissioned" checked>`,
		`<div class="nhsuk-radios__conditional" id="conditional-model-commissioned">`, `for="provider">Provider&#39;s name</label>`,
		`id="deployment_routes-2" name="deployment_routes" type="checkbox" value="nhs_app">`,
		`id="plan" name="plan" type="radio" value="doc1">`, "plan.pdf",
		// The upload form is beside a document question, for its kind.
		`<input type="hidden" name="section" value="about">`, `<input type="hidden" name="kind" value="project_plan">`)
	body := w.Body.String()
	for _, no := range []string{"budget.xlsx", `name="sro_declaration"`} {
		if strings.Contains(body, no) {
			t.Errorf("section page has %q", no)
		}
	}

	w = get(t, h, "tok-applicant", "/applications/app1/sections/partners")
	wantHTML(t, w, http.StatusOK,
		`id="has_partners" name="has_partners" type="radio" value="yes" aria-controls="conditional-has_partners-yes" checked>`,
		`<div class="nhsuk-radios__conditional" id="conditional-has_partners-yes">`,
		`<div class="nhsuk-radios__conditional nhsuk-radios__conditional--hidden" id="conditional-has_partners-no">`,
		`<input type="hidden" name="partners-items" value="1">`, "Partners: item 1",
		`id="partners[0].name" name="partners[0].name" type="text" value="Age Cymru"`,
		`name="remove" value="partners[0]"`, `name="add" value="partners"`, "Add at least 1 and up to 2.",
		// Asked because of an answer on the other page.
		"Is the provider&#39;s contract signed?")
}

func TestAConditionalOnAnotherPageIsNotAskedWhenItDoesNotApply(t *testing.T) {
	_, h := formAPI(t, map[string]any{"model": "in_house"})
	w := get(t, h, "tok-applicant", "/applications/app1/sections/partners")
	if strings.Contains(w.Body.String(), "provider_contract") {
		t.Fatal("a question that does not apply is asked")
	}
}

func TestSavingASectionSendsEachTypeAsTheAPITakesIt(t *testing.T) {
	api, h := formAPI(t, nil)
	w := post(t, h, "tok-applicant", "/applications/app1/sections/about", url.Values{
		"lead_contact.name": {"Ana"}, "title": {" Link "}, "story": {"Once"}, "staff": {"1,200"}, "requested_pence": {"£1,000.50"},
		"start-day": {"31"}, "start-month": {"3"}, "start-year": {"2026"}, "email": {""}, "host": {"7a1"},
		"model": {"in_house"}, "provider": {"Left over from before"}, "deployment_routes": {"nhs_app"}, "plan": {"doc1"},
	})
	wantRedirect(t, w, "/applications/app1", "Section saved")
	wantBody(t, onlyCommand(t, api), map[string]any{
		"lead_contact": map[string]any{"name": "Ana", "email": nil, "role": nil},
		"title":        "Link", "story": "Once", "staff": float64(1200), "requested_pence": float64(100050),
		"start": "2026-03-31", "email": nil, "phone": nil, "host": "7A1", "model": "in_house",
		// Not asked once in house is chosen, so cleared.
		"provider":          nil,
		"deployment_routes": []any{"nhs_app"}, "plan": []any{"doc1"},
	})

	api.calls = nil
	w = post(t, h, "tok-applicant", "/applications/app1/sections/partners", url.Values{
		"has_partners": {"yes"}, "partners-items": {"2"},
		"partners[0].name": {"Age Cymru"}, "partners[0].email": {"a@age.cymru"},
		"partners[1].name": {""}, "partners[1].email": {""},
		"why_not": {"typed before changing the answer"},
	})
	wantRedirect(t, w, "/applications/app1", "Section saved")
	wantBody(t, onlyCommand(t, api), map[string]any{
		"has_partners": true,
		// A blank item is no item.
		"partners": []any{map[string]any{"name": "Age Cymru", "email": "a@age.cymru"}},
		"why_not":  nil, "provider_contract": nil,
	})
}

func TestMoneyAndDatesTheFormCannotReadAreItsOwnErrors(t *testing.T) {
	api, h := formAPI(t, nil)
	for _, tc := range []struct {
		vals url.Values
		want []string
	}{
		{url.Values{"requested_pence": {"lots"}}, []string{`<a href="#requested_pence">Amount requested must be an amount in pounds`, `value="lots"`}},
		{url.Values{"requested_pence": {"10.555"}}, []string{`<a href="#requested_pence">Amount requested must be`}},
		{url.Values{"start-day": {"31"}, "start-month": {"2"}, "start-year": {"2026"}}, []string{`<a href="#start">Start date must be a real date, like 31 3 2026</a>`, `value="31"`}},
		{url.Values{"start-day": {"1"}, "start-year": {"2026"}}, []string{`<a href="#start">Start date must include a month</a>`}},
		{url.Values{"staff": {"12.5"}}, []string{`<a href="#staff">Staff must be a whole number`}},
	} {
		w := post(t, h, "tok-applicant", "/applications/app1/sections/about", tc.vals)
		wantHTML(t, w, http.StatusUnprocessableEntity, tc.want...)
	}
	if len(api.commands()) != 0 {
		t.Fatalf("the form's own errors reached the API: %+v", api.commands())
	}
}

func TestARepeatingGroupAddsAndRemovesItemsWithinItsLimits(t *testing.T) {
	api, h := formAPI(t, nil)
	typed := url.Values{"has_partners": {"yes"}, "partners-items": {"1"}, "partners[0].name": {"Age Cymru"}, "add": {"partners"}}
	w := post(t, h, "tok-applicant", "/applications/app1/sections/partners", typed)
	wantHTML(t, w, http.StatusOK, `<input type="hidden" name="partners-items" value="2">`, `value="Age Cymru"`,
		`id="partners[1].name" name="partners[1].name" type="text" value=""`, "You have added the most this form allows.")
	if strings.Contains(w.Body.String(), `name="add"`) {
		t.Error("at its maximum the group still offers to add another")
	}

	// Asking for more than the maximum shows the maximum.
	typed.Set("partners-items", "2")
	w = post(t, h, "tok-applicant", "/applications/app1/sections/partners", typed)
	if strings.Contains(w.Body.String(), "partners[2].name") {
		t.Error("a third partner is asked for")
	}

	w = post(t, h, "tok-applicant", "/applications/app1/sections/partners", url.Values{
		"has_partners": {"yes"}, "partners-items": {"2"}, "partners[0].name": {"First"}, "partners[1].name": {"Second"}, "remove": {"partners[0]"},
	})
	wantHTML(t, w, http.StatusOK, `<input type="hidden" name="partners-items" value="1">`,
		`id="partners[0].name" name="partners[0].name" type="text" value="Second"`)
	if strings.Contains(w.Body.String(), "First") {
		t.Error("the removed partner is still there")
	}
	if len(api.commands()) != 0 {
		t.Fatalf("adding and removing saved: %+v", api.commands())
	}
}

func TestAnErrorOnAnItemLinksToItsInput(t *testing.T) {
	api, h := formAPI(t, nil)
	api.on("PATCH "+testApp, http.StatusUnprocessableEntity, invalid(fieldErr("partners[0].email", "must be an email address such as name@nhs.net")))
	w := post(t, h, "tok-applicant", "/applications/app1/sections/partners", url.Values{
		"has_partners": {"yes"}, "partners-items": {"1"}, "partners[0].name": {"A"}, "partners[0].email": {"nope"}})
	wantHTML(t, w, http.StatusUnprocessableEntity,
		`<a href="#partners[0].email">Partners (item 1) contact email must be an email address such as name@nhs.net</a>`, `value="nope"`)
}

func TestCheckAnswersReadsEachTypeBackAndAsksTheDeclarations(t *testing.T) {
	_, h := formAPI(t, map[string]any{
		"staff": 0, "start": "2026-03-31", "model": "commissioned", "provider": "Cwm Care", "has_partners": true,
		"partners": []any{map[string]any{"name": "Age Cymru", "email": "a@age.cymru"}, map[string]any{"name": "Mind"}},
		"why_not":  "stale", "plan": []any{"doc1"}, "provider_contract": false, "sro_declaration": true,
	})
	w := get(t, h, "tok-applicant", "/applications/app1/check")
	wantHTML(t, w, http.StatusOK, `id="staff"><span>0</span>`, `id="start"><span>31 March 2026</span>`,
		`id="model"><span>Commissioned</span>`, `id="provider"><span>Cwm Care</span>`,
		"1. Organisation name: Age Cymru; Contact email: a@age.cymru\n2. Organisation name: Mind",
		`id="plan"><span>plan.pdf</span>`, `id="provider_contract"><span>No</span>`,
		`id="sro_declaration" name="sro_declaration" type="checkbox" value="true" checked>`)
	if strings.Contains(w.Body.String(), "stale") {
		t.Error("an answer to a question not asked is shown")
	}

	w = get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, ">About the service</a>", ">Partners</a>")
}

func TestTheTaskListCountsOnlyTheQuestionsAsked(t *testing.T) {
	_, h := formAPI(t, map[string]any{"has_partners": false, "why_not": "We work alone."})
	w := get(t, h, "tok-applicant", "/applications/app1")
	if !strings.Contains(w.Body.String(), `>Partners</a>`) {
		t.Fatal(w.Body.String())
	}
	i := strings.Index(w.Body.String(), ">Partners</a>")
	if status := w.Body.String()[i : i+400]; !strings.Contains(status, "Completed") {
		t.Errorf("partners answered no with a reason should be completed: %s", status)
	}
}

// Staff read the answers by the application's form, section by section,
// whatever the fund asks.
func TestTheWorkspaceShowsTheAnswersTheFormAsked(t *testing.T) {
	api := reviewAPI(t, "eligibility")
	app := reviewApp("eligibility")
	app["actions"] = actionsJSON(reviewerActions["eligibility"]...)
	app["form_version"] = 2
	app["content"] = map[string]any{"model": "commissioned", "provider": "Cwm Care", "has_partners": false, "why_not": "We work alone.",
		"partners": []any{map[string]any{"name": "Left over"}}, "start": "2026-09-01", "sro_declaration": true}
	api.on("GET /v1/applications/app-1", http.StatusOK, app)
	api.on("GET /v1/funds/fund-1/form", http.StatusOK, fundFormJSON("fund-1", 2, everyTypeForm()))
	w := get(t, newTestServer(t, api), "tok-reviewer", "/applications/app-1")
	wantHTML(t, w, http.StatusOK, `<h3 class="nhsuk-heading-s">About the service</h3>`, `<h3 class="nhsuk-heading-s">Partners</h3>`,
		"Provider&#39;s name", "Cwm Care", "1 September 2026", "Why not?", "We work alone.",
		"<h3 class=\"nhsuk-heading-s\">Declarations</h3>")
	if strings.Contains(w.Body.String(), "Left over") {
		t.Error("an answer to a question not asked is shown to staff")
	}
	for _, c := range api.calls {
		if c.Path == "/v1/funds/fund-1/form" && c.Query != "version=2" {
			t.Fatalf("form read with %q, want the application's version", c.Query)
		}
	}
}

// A checkbox reveals its conditional question as a radio does, and an
// error on a repeating group as a whole links to the group.
func TestACheckboxRevealsItsQuestionAndAGroupsErrorLinksToIt(t *testing.T) {
	f := everyTypeForm()
	f.Sections[0].Questions = append(f.Sections[0].Questions, form.Question{ID: "routes_other", Type: form.Text, Label: "Which other way?",
		ShowIf: &form.Condition{Question: form.QDeploymentRoutes, Equals: []string{"nhs_app"}}})
	api, h := formAPI(t, map[string]any{"deployment_routes": []any{"nhs_app"}})
	api.on("GET /v1/funds/pif/form", http.StatusOK, fundFormJSON("pif", 2, f))
	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1/sections/about"), http.StatusOK,
		`value="nhs_app" aria-controls="conditional-deployment_routes-nhs_app" checked>`,
		`<div class="nhsuk-checkboxes__conditional" id="conditional-deployment_routes-nhs_app">`, `for="routes_other">Which other way?`)

	api.on("PATCH "+testApp, http.StatusUnprocessableEntity, invalid(fieldErr("partners", "must have at least 1 entries")))
	w := post(t, h, "tok-applicant", "/applications/app1/sections/partners", url.Values{"has_partners": {"yes"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#partners">Partners must have at least 1 entries</a>`)
}
