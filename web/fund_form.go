package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/web/apiclient"
)

// An admin gives a fund its application form as JSON: whole in a fund
// definition file, or typed (usually copied from another fund's form and
// edited) on the new fund page or a fund's form page, where a preview
// renders the form's pages read-only before anything is saved. The API
// judges the form; the web only reads the JSON to preview it.

// formPreview is a form's pages as an applicant would see them, inputs
// disabled.
type formPreview struct {
	Sections     []previewSection
	Declarations []form.Question
	// Values are none: nothing is answered in a preview.
	Values url.Values
}

type previewSection struct {
	Title, Description string
	Fields             []field
}

// parseFormJSON reads a form typed as JSON as strictly as the API does,
// so a misspelt key is caught at preview rather than at saving.
func parseFormJSON(s string) (form.Form, error) {
	var f form.Form
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, err
	}
	if dec.More() {
		return f, errors.New("there is more after the form's closing brace")
	}
	return f, nil
}

// preview renders f's pages for def's routes and measures, as a new
// draft (nothing answered, every route chosen) would see them.
func preview(f form.Form, def apiclient.FundDefinition) *formPreview {
	var routes []string
	for _, r := range def.DeploymentRoutes {
		routes = append(routes, r.ID)
	}
	a := newAppForm(f, def, nil, routes)
	p := &formPreview{Declarations: a.declarations(), Values: url.Values{}}
	for _, sec := range a.tasks() {
		p.Sections = append(p.Sections, previewSection{Title: sec.Title, Description: sec.Description,
			Fields: a.fields(sec.Questions, previewPrefix, nil, true)})
	}
	return p
}

// previewPrefix keeps a preview's input ids apart from the page's own, such
// as a question with the id "name" beside the fund's name.
const previewPrefix = "preview."

// formJSON is f as an admin edits it.
func formJSON(f form.Form) string {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(err) // a form is plain data and always marshals
	}
	return string(b)
}

// badForm is the error for form JSON that does not parse.
func badForm(field string, err error) fieldError {
	return fieldError{Field: field, Message: "The form is not valid JSON: " + err.Error()}
}

// fundFormPage is a fund's form: the version in use, and an edited one
// to preview or publish.
type fundFormPage struct {
	Fund    *apiclient.Fund
	Version int
	JSON    string
	Preview *formPreview
}

// loadFundForm reads the fund and its current form, answering itself
// when it cannot.
func (s *server) loadFundForm(w http.ResponseWriter, r *http.Request) (*apiclient.Fund, *apiclient.FundForm, bool) {
	id := mux.Vars(r)["fund_id"]
	f, err := s.fundByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	res, err := s.api.GetFundFormWithResponse(r.Context(), id, nil)
	if err := check(res, err); err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	return f, res.JSON200, true
}

func (s *server) fundForm(w http.ResponseWriter, r *http.Request) {
	f, d, ok := s.loadFundForm(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "funds/form", view{Title: "Application form: " + f.Name,
		Data: fundFormPage{Fund: f, Version: d.Version, JSON: formJSON(d.Form), Preview: preview(d.Form, f.Definition)}})
}

// publishForm previews the edited form, or publishes it: before the fund
// opens it replaces the form, after it is the next version, which only
// applications started from then on use.
func (s *server) publishForm(w http.ResponseWriter, r *http.Request) {
	f, d, ok := s.loadFundForm(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["fund_id"]
	page := fundFormPage{Fund: f, Version: d.Version, JSON: r.PostFormValue("form")}
	again := func(status int, errs []fieldError) {
		s.render(w, r, status, "funds/form", view{Title: "Application form: " + f.Name, Errors: errs, Data: page})
	}
	edited, err := parseFormJSON(page.JSON)
	if err != nil {
		again(http.StatusUnprocessableEntity, []fieldError{badForm("form", err)})
		return
	}
	page.Preview = preview(edited, f.Definition)
	if r.PostFormValue("action") != "publish" {
		again(http.StatusOK, nil)
		return
	}
	res, err := s.api.SetFundFormWithResponse(r.Context(), id, nil, edited, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		again(problemStatus(err), formErrors(errs, edited, "form"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "Application form published")
	http.Redirect(w, r, fundPath(id)+"/form", http.StatusSeeOther)
}

// formErrors are the API's errors about a form, linked to its textarea,
// each saying where in the form it is in the form's own words when f
// (what was sent) has that part: sections[1].questions[0].label becomes
// "Section 2 (Partners), question has_partners: label".
func formErrors(errs []fieldError, f form.Form, input string) []fieldError {
	out := make([]fieldError, len(errs))
	for i, e := range errs {
		where := strings.TrimPrefix(strings.TrimPrefix(e.Field, "form"), ".")
		if where == "" {
			out[i] = fieldError{Field: input, Message: "The form " + e.Message}
			continue
		}
		out[i] = fieldError{Field: input, Message: "In the form, " + formPlace(f, where) + " " + e.Message}
	}
	return out
}

var formStep = regexp.MustCompile(`^(sections|questions)\[(\d+)\]\.?`)

// formPlace names a path into f, as far as f has it; the rest of the path
// (the key that is wrong) is kept as the API wrote it.
func formPlace(f form.Form, path string) string {
	var parts []string
	var sec *form.Section
	var qs []form.Question
	rest := path
	for {
		m := formStep.FindStringSubmatch(rest)
		if m == nil {
			break
		}
		n, _ := strconv.Atoi(m[2])
		switch {
		case m[1] == "sections" && sec == nil && qs == nil && n < len(f.Sections):
			sec = &f.Sections[n]
			qs = sec.Questions
			parts = append(parts, "section "+strconv.Itoa(n+1)+" ("+cmp.Or(sec.Title, sec.ID)+")")
		case m[1] == "questions" && n < len(qs):
			q := qs[n]
			parts = append(parts, "question "+cmp.Or(q.ID, strconv.Itoa(n+1)))
			qs = q.Questions
		default:
			return strings.Join(append(parts, rest), ", ")
		}
		rest = rest[len(m[0]):]
	}
	if rest != "" {
		parts = append(parts, rest)
	}
	return strings.Join(parts, ", ") + ":"
}

func (s *server) importFundForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "funds/import", view{Title: "Create a fund from a file"})
}

// importFund creates a fund from a definition file, form and all, as the
// API takes it: the file is sent as it is, and the API's errors name the
// part of it that is wrong.
func (s *server) importFund(w http.ResponseWriter, r *http.Request) {
	again := func(status int, errs []fieldError) {
		s.render(w, r, status, "funds/import", view{Title: "Create a fund from a file", Errors: errs})
	}
	var raw []byte
	if r.MultipartForm != nil {
		if fs := r.MultipartForm.File["definition"]; len(fs) > 0 {
			f, err := fs[0].Open()
			if err == nil {
				raw, err = io.ReadAll(io.LimitReader(f, maxForm))
				_ = f.Close()
			}
			if err != nil {
				again(http.StatusBadRequest, []fieldError{{Field: "definition", Message: "The selected file could not be read"}})
				return
			}
		}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		again(http.StatusUnprocessableEntity, []fieldError{{Field: "definition", Message: "Select a fund definition file"}})
		return
	}
	var def struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &def); err != nil {
		again(http.StatusUnprocessableEntity, []fieldError{{Field: "definition", Message: "The selected file must be a fund definition in JSON: " + err.Error()}})
		return
	}
	// Sent as the file says, compacted, for the API to judge.
	ct, body, err := jsonBody(json.RawMessage(raw))
	if err != nil {
		again(http.StatusUnprocessableEntity, []fieldError{{Field: "definition", Message: "The selected file must be a fund definition in JSON: " + err.Error()}})
		return
	}
	res, err := s.api.CreateFundWithBodyWithResponse(r.Context(), nil, ct, body, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		for i, e := range errs {
			if e.Field != "" {
				errs[i].Message = "In the file, " + e.Field + " " + e.Message
			}
			errs[i].Field = "definition"
		}
		again(problemStatus(err), errs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "Fund created as a draft")
	http.Redirect(w, r, fundPath(def.ID), http.StatusSeeOther)
}
