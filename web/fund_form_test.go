package web

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/form"
	funddef "github.com/fundflow/fundflow/internal/fund"
)

func formJSONOf(t *testing.T, f form.Form) string {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fundFormAPI is fundsAPI with fund-a on the social-prescribing form.
func fundFormAPI(t *testing.T) *fakeAPI {
	api := fundsAPI(t)
	api.on("GET /v1/funds/fund-a/form", http.StatusOK, fundFormJSON("fund-a", 1, funddef.SocialPrescribingForm()))
	return api
}

func TestANewFundCopiesAnotherFundsFormToEditAndPreview(t *testing.T) {
	api := fundFormAPI(t)
	h := newTestServer(t, api)
	wantHTML(t, get(t, h, "tok-admin", "/funds/new"), http.StatusOK, `id="form_from" name="form_from"`, `value="copy_form"`,
		`id="form" name="form"`, `value="preview_form"`, `href="/funds/import"`)

	vals := newFundForm()
	vals.Set("form_from", "fund-a")
	vals.Set("action", "copy_form")
	w := post(t, h, "tok-admin", "/funds", vals)
	wantHTML(t, w, http.StatusOK, "&#34;id&#34;: &#34;has_partners&#34;", `value="prevention-2027"`)
	if len(api.commands()) != 0 {
		t.Fatalf("copying a form created something: %+v", api.commands())
	}

	vals.Set("form", formJSONOf(t, funddef.SocialPrescribingForm()))
	vals.Set("action", "preview_form")
	w = post(t, h, "tok-admin", "/funds", vals)
	wantHTML(t, w, http.StatusOK, "Preview of the application form", "Voluntary-sector partners",
		`id="preview.has_partners" name="preview.has_partners" type="radio" value="yes" aria-controls="conditional-preview.has_partners-yes" disabled>`,
		// The routes of the fund whose parts are copied.
		`value="gp_app" disabled>`, "Declarations, asked before submitting")

	vals.Set("form", `{"sections": [}`)
	w = post(t, h, "tok-admin", "/funds", vals)
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#form">The form is not valid JSON`)
	vals.Set("form", `{"sektions": []}`)
	w = post(t, h, "tok-admin", "/funds", vals)
	wantHTML(t, w, http.StatusUnprocessableEntity, `unknown field &#34;sektions&#34;`)
	if len(api.commands()) != 0 {
		t.Fatalf("a form that is not JSON was sent: %+v", api.commands())
	}
}

func TestANewFundIsCreatedWithItsFormAndTheAPIsFormErrorsShown(t *testing.T) {
	api := fundFormAPI(t)
	h := newTestServer(t, api)
	vals := newFundForm()
	vals.Set("form", formJSONOf(t, funddef.SocialPrescribingForm()))
	api.on("POST /v1/funds", http.StatusUnprocessableEntity, invalid(
		fieldErr("form.sections[1].questions[0].id", "repeats sections[0].questions[2].id")))
	w := post(t, h, "tok-admin", "/funds", vals)
	wantHTML(t, w, http.StatusUnprocessableEntity,
		`<a href="#form">In the form, section 2 (Your social-prescribing service), question host_organisation, id: repeats sections[0].questions[2].id</a>`)
	sent, _ := onlyCommand(t, api).Body["form"].(map[string]any)
	if secs, _ := sent["sections"].([]any); len(secs) != 5 {
		t.Fatalf("form sent %v, want the typed form's 5 sections", sent)
	}

	api.calls = nil
	api.on("POST /v1/funds", http.StatusCreated, fundJSON("prevention-2027", "Prevention 2027", "draft", nil))
	w = post(t, h, "tok-admin", "/funds", vals)
	wantRedirect(t, w, "/funds/prevention-2027", "Fund created as a draft")
}

func TestAnOpenFundPublishesANewVersionOfItsForm(t *testing.T) {
	api := fundFormAPI(t)
	h := newTestServer(t, api)
	w := get(t, h, "tok-admin", "/funds/fund-a/form")
	wantHTML(t, w, http.StatusOK, "Version 1 is the form new applications use.", "Until the fund opens, publishing replaces it.",
		"Your social-prescribing service", "Publish form", "&#34;max_words&#34;: 500")
	wantHTML(t, get(t, h, "tok-admin", "/funds/fund-a"), http.StatusOK, `href="/funds/fund-a/form">Application form`)

	edited := funddef.SocialPrescribingForm()
	edited.Sections[3].Title = "How you will work"
	vals := url.Values{"form": {formJSONOf(t, edited)}, "action": {"preview"}}
	w = post(t, h, "tok-admin", "/funds/fund-a/form", vals)
	wantHTML(t, w, http.StatusOK, "How you will work")
	if len(api.commands()) != 0 {
		t.Fatalf("a preview published: %+v", api.commands())
	}

	api.on("PUT /v1/funds/fund-a/form", http.StatusUnprocessableEntity, invalid(fieldErr("sections[3].questions[0].max_words", "must not be negative")))
	vals.Set("action", "publish")
	vals.Set("idempotency_key", "k-pub")
	w = post(t, h, "tok-admin", "/funds/fund-a/form", vals)
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#form">In the form, section 4 (How you will work), question approach, max_words: must not be negative</a>`,
		"How you will work")
	c := onlyCommand(t, api)
	if c.Method != http.MethodPut || c.Key != "k-pub" {
		t.Fatalf("publish sent %+v", c)
	}
	if secs, _ := c.Body["sections"].([]any); len(secs) != 5 {
		t.Fatalf("publish body %v, want the form itself", c.Body)
	}

	api.on("PUT /v1/funds/fund-a/form", http.StatusOK, fundFormJSON("fund-a", 2, funddef.SocialPrescribingForm()))
	wantRedirect(t, post(t, h, "tok-admin", "/funds/fund-a/form", vals), "/funds/fund-a/form", "Application form published")
}

// postFile submits a multipart form with one file as the admin.
func postDefinition(t *testing.T, h http.Handler, path, field, name string, content []byte) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", csrfToken("tok-admin"))
	_ = mw.WriteField("idempotency_key", "k-imp")
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: "tok-admin"})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAFundIsCreatedFromADefinitionFile(t *testing.T) {
	api := fundFormAPI(t)
	h := newTestServer(t, api)
	wantHTML(t, get(t, h, "tok-admin", "/funds/import"), http.StatusOK, `enctype="multipart/form-data"`, `id="definition" name="definition" type="file"`)

	wantHTML(t, postDefinition(t, h, "/funds/import", "definition", "fund.json", []byte("not json")), http.StatusUnprocessableEntity,
		`<a href="#definition">The selected file must be a fund definition in JSON`)
	if len(api.commands()) != 0 {
		t.Fatalf("a file that is not JSON was sent: %+v", api.commands())
	}

	def, err := json.Marshal(funddef.SocialPrescribingDefinition(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	api.on("POST /v1/funds", http.StatusUnprocessableEntity, invalid(fieldErr("form.sections[0].questions", "must include lead_contact")))
	w := postDefinition(t, h, "/funds/import", "definition", "fund.json", def)
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#definition">In the file, form.sections[0].questions must include lead_contact</a>`)
	c := onlyCommand(t, api)
	if c.Key != "k-imp" || c.Body["id"] != funddef.SocialPrescribingID || c.Body["form"] == nil {
		t.Fatalf("import sent %+v", c)
	}

	api.on("POST /v1/funds", http.StatusCreated, fundJSON(funddef.SocialPrescribingID, "Social prescribing", "draft", nil))
	w = postDefinition(t, h, "/funds/import", "definition", "fund.json", def)
	wantRedirect(t, w, "/funds/"+funddef.SocialPrescribingID, "Fund created as a draft")
	if !strings.Contains(string(def), `"has_partners"`) {
		t.Fatal("the definition file lacks its form")
	}
}

func TestAFormErrorIsPlacedInTheFormsOwnWords(t *testing.T) {
	f := funddef.SocialPrescribingForm()
	for path, want := range map[string]string{
		"sections[2].questions[1].questions[2].type": "section 3 (Voluntary-sector partners), question partners, question contact_email, type:",
		"sections[0].title":                          "section 1 (Contacts), title:",
		"sections[9].title":                          "sections[9].title",
		"sections[0].questions[7].id":                "section 1 (Contacts), questions[7].id",
		"version":                                    "version:",
	} {
		if got := formPlace(f, path); got != want {
			t.Errorf("formPlace(%s) = %q, want %q", path, got, want)
		}
	}
}
