package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/web/apiclient"
)

// sectionPage is one section of the form as a page: its questions as
// fields, and the answers they show.
type sectionPage struct {
	applicantApp
	Section form.Section
	Fields  []field
	Values  url.Values
	// Version is the application's version the form was first shown at,
	// which a save sends so that it cannot overwrite what someone else
	// saved since; Conflict says that is why a save was refused.
	Version  string
	Conflict bool
}

// Targets is the section's outcome targets form, if it asks for them.
func (p sectionPage) Targets() *targetsForm { return targetsOf(p.Fields) }

// Repeats says whether the page has a repeating group, whose Add and
// Remove buttons are submit buttons too.
func (p sectionPage) Repeats() bool {
	return slices.ContainsFunc(p.Fields, func(f field) bool { return f.Type == form.RepeatingGroup })
}

// Attaches is the page's first document question, beside which the page
// offers the upload form; nil when it has none.
func (p sectionPage) Attaches() *field {
	i := slices.IndexFunc(p.Fields, func(f field) bool { return f.Type == form.Document })
	if i < 0 {
		return nil
	}
	return &p.Fields[i]
}

func targetsOf(fs []field) *targetsForm {
	i := slices.IndexFunc(fs, func(f field) bool { return f.Targets != nil })
	if i < 0 {
		return nil
	}
	return fs[i].Targets
}

// loadSection reads the application, its fund and its form for a section
// page, answering itself (not found, or the application has moved on from
// draft) when there is no form to show.
func (s *server) loadSection(w http.ResponseWriter, r *http.Request) (applicantApp, form.Section, bool) {
	p, ok := s.loadDraft(w, r)
	if !ok {
		return p, form.Section{}, false
	}
	sec, ok := p.Form.task(mux.Vars(r)["section"])
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct.")
		return p, sec, false
	}
	// A co-applicant given other sections reads this one on the check
	// page; the task list links only those they may change.
	if !p.MayEdit(sec.ID) {
		http.Redirect(w, r, p.Path()+"/check#section-"+sec.ID, http.StatusSeeOther)
		return p, sec, false
	}
	return p, sec, true
}

// loadDraft reads an application whose form is being filled in. Once it
// is submitted the form is done with, so its page is shown instead.
func (s *server) loadDraft(w http.ResponseWriter, r *http.Request) (applicantApp, bool) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return p, false
	}
	if !can(p.App, "save_draft") {
		http.Redirect(w, r, p.Path(), http.StatusSeeOther)
		return p, false
	}
	return p, true
}

func (s *server) section(w http.ResponseWriter, r *http.Request) {
	p, sec, ok := s.loadSection(w, r)
	if !ok {
		return
	}
	s.renderSection(w, r, http.StatusOK, p, sec, p.values(), nil, false)
}

func (s *server) renderSection(w http.ResponseWriter, r *http.Request, status int, p applicantApp, sec form.Section, vals url.Values, errs []fieldError, conflict bool) {
	version := r.PostFormValue("version")
	if version == "" {
		version = strconv.FormatInt(p.App.Version, 10)
	}
	s.render(w, r, status, "applicant/section", view{Title: sec.Title, Errors: errs,
		Data: sectionPage{applicantApp: p, Section: sec, Fields: p.Form.fields(sec.Questions, "", vals, true), Values: vals,
			Version: version, Conflict: conflict}})
}

func (s *server) saveSection(w http.ResponseWriter, r *http.Request) {
	p, sec, ok := s.loadSection(w, r)
	if !ok {
		return
	}
	vals := overlay(p.values(), r.PostForm, sec)
	// Adding or removing an item of a repeating group shows the page
	// again with one more or one fewer; nothing is saved until the
	// applicant saves the section.
	if name := r.PostFormValue("add"); name != "" {
		vals.Set(name+"-items", strconv.Itoa(itemCount(vals, name)+1))
		s.renderSection(w, r, http.StatusOK, p, sec, vals, nil, false)
		return
	}
	if item := r.PostFormValue("remove"); item != "" {
		removeItem(vals, item)
		s.renderSection(w, r, http.StatusOK, p, sec, vals, nil, false)
		return
	}
	fields := p.Form.fields(sec.Questions, "", vals, true)
	body, errs := p.Form.patch(sec, vals)
	tf := targetsOf(fields)
	var sent []apiclient.OutcomeTarget
	if tf != nil && !tf.NoRoutes {
		var terrs []fieldError
		sent, terrs = tf.parse(vals)
		errs = append(errs, terrs...)
		body[form.QTargets] = sent
		if len(sent) == 0 {
			body[form.QTargets] = nil
		}
	}
	if len(errs) > 0 {
		s.renderSection(w, r, http.StatusUnprocessableEntity, p, sec, vals, errs, false)
		return
	}
	err := s.saveDraft(r.Context(), p.App.ID, body, r.PostFormValue("version"))
	if errs, ok := refused(err); ok {
		// Someone else saved a section this save would overwrite: the API
		// names the section.
		conflict := problemStatus(err) == http.StatusConflict && slices.ContainsFunc(errs, func(e fieldError) bool {
			_, ok := p.Form.task(e.Field)
			return ok
		})
		var mine []fieldError
		if tf != nil {
			mine, errs = tf.errors(errs, sent)
		}
		// A group has no input of its own; a repeating group's errors
		// (too few items) link to the group.
		names := p.Form.labels(vals, func(f field) string {
			if f.Type == form.Group {
				return ""
			}
			return f.Name
		}, sec.ID)
		s.renderSection(w, r, problemStatus(err), p, sec, vals, append(mine, explainErrors(errs, names)...), conflict)
		return
	}
	s.done(w, r, err, "Section saved", p.Path())
}

// removeItem takes item (partners[1]) out of its repeating group, moving
// the items after it up one.
func removeItem(vals url.Values, item string) {
	name, idx, ok := strings.Cut(strings.TrimSuffix(item, "]"), "[")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil {
		return
	}
	n := itemCount(vals, name)
	for j := i; j < n; j++ {
		from, to := itemPrefix(name, j+1), itemPrefix(name, j)
		for k := range vals {
			if strings.HasPrefix(k, to) {
				delete(vals, k)
			}
		}
		for k, v := range vals {
			if rest, ok := strings.CutPrefix(k, from); ok {
				vals[to+rest] = v
			}
		}
	}
	for k := range vals {
		if strings.HasPrefix(k, itemPrefix(name, n-1)) {
			delete(vals, k)
		}
	}
	vals.Set(name+"-items", strconv.Itoa(max(n-1, 0)))
}

// labels names every answer of the form for error messages: input says
// which input shows it on the page, where section onPage is the page's
// (every section when ""), and the others are named but not linked. A
// section is named by its title, as the API names one it refuses a change
// to.
func (a appForm) labels(vals url.Values, input func(field) string, onPage string) fieldLabels {
	out := fieldLabels{}
	for _, sec := range a.Sections {
		out[sec.ID] = fieldLabel{Label: sec.Title}
		in := input
		if onPage != "" && sec.ID != onPage {
			in = func(field) string { return "" }
		}
		labels(a.fields(sec.Questions, "", vals, true), out, in)
		for _, q := range sec.Questions {
			if q.Type == form.Declaration {
				out[q.ID] = fieldLabel{Label: summary(q), Input: in(field{Question: q, Name: q.ID})}
			}
		}
	}
	return out
}

// task is one line of the task list: a link, or only its title where
// the signed-in person may read it but not change it (Href "").
type task struct {
	Href, Title, Status string
	// Changed is who last changed it and when, if anyone has.
	Changed *apiclient.SectionChange
}

// taskListPage is a draft's sections, then the partnership's own tasks:
// the partners, and the team where the lead may change it.
type taskListPage struct {
	applicantApp
	Tasks, Partnership []task
	Note               noteForm
}

func (s *server) renderTaskList(w http.ResponseWriter, r *http.Request, status int, p applicantApp, errs []fieldError) {
	vals := p.values()
	page := taskListPage{applicantApp: p, Note: noteForm{Text: r.PostFormValue("note"), Section: r.PostFormValue("note_section")}}
	for _, sec := range p.Form.tasks() {
		t := task{Title: sec.Title, Status: progress(p.Form.fields(sec.Questions, "", vals, false), vals)}
		if p.MayEdit(sec.ID) {
			t.Href = p.Path() + "/sections/" + sec.ID
		}
		if c, ok := p.App.Changed[sec.ID]; ok {
			t.Changed = &c
		}
		page.Tasks = append(page.Tasks, t)
	}
	page.Partnership = append(page.Partnership, task{Href: p.Path() + "/partners", Title: "Partner organisations",
		Status: counted(len(p.App.Partners), "partner", "partners")})
	if can(p.App, "invite_co_applicant") {
		page.Partnership = append(page.Partnership, task{Href: p.Path() + "/team", Title: "Who is working on this bid",
			Status: counted(len(p.App.CoApplicants), "person", "people")})
	}
	s.render(w, r, status, "applicant/task-list", view{Title: p.FundName(), Errors: errs, Data: page})
}

// counted is a task's status that is a number of things: none is not
// started.
func counted(n int, one, many string) string {
	switch n {
	case 0:
		return "Not started"
	case 1:
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// answerGroup is one section's answers on the check page.
type answerGroup struct {
	Slug, Title string
	Answers     []answer
}

// checkPage is every answer, and the sign-offs that submit them.
type checkPage struct {
	applicantApp
	Groups       []answerGroup
	Declarations []form.Question
	Declared     url.Values
}

func (s *server) checkAnswers(w http.ResponseWriter, r *http.Request) {
	p, ok := s.loadDraft(w, r)
	if !ok {
		return
	}
	s.renderCheck(w, r, http.StatusOK, p, nil, p.values())
}

func (s *server) renderCheck(w http.ResponseWriter, r *http.Request, status int, p applicantApp, errs []fieldError, declared url.Values) {
	title := "Check your answers before submitting"
	if !can(p.App, "submit") {
		title = "All the answers"
	}
	s.render(w, r, status, "applicant/check", view{Title: title, Errors: errs,
		Data: checkPage{applicantApp: p, Groups: p.answerGroups(), Declarations: p.Form.declarations(), Declared: declared}})
}

// submit records each declaration as ticked (or not) and submits; the API
// checks the whole application and a refusal lists everything to fix,
// each linked to its answer.
func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	p, err := s.loadApplicantApp(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := map[string]any{}
	for _, q := range p.Form.declarations() {
		body[q.ID] = r.PostFormValue(q.ID) == "true"
	}
	err = s.saveDraft(r.Context(), id, body, "")
	flash := "Application submitted"
	if err == nil {
		res, serr := s.api.SubmitApplicationWithResponse(r.Context(), id, nil, keyed(r))
		if err = check(res, serr); err == nil && res.JSON200.Status == "awaiting_sign_off" {
			flash = "Sent for sign-off: it counts as submitted once a certifier signs it off"
		}
	}
	if errs, ok := refused(err); ok {
		if p, err = s.loadApplicantApp(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
		vals := p.values()
		// The check page shows a repeating group as one answer, so an
		// error about one of its items links to it.
		names := p.Form.labels(vals, func(f field) string { return strings.SplitN(f.Name, "[", 2)[0] }, "")
		var mine []fieldError
		if tf := p.Form.targetsForm(); tf != nil {
			mine, errs = tf.errors(errs, contentTargets(p.App.Content))
		}
		s.renderCheck(w, r, problemStatus(err), p, append(mine, explainErrors(errs, names)...), r.PostForm)
		return
	}
	s.done(w, r, err, flash, appPath(id))
}

// targetsForm is the form's outcome targets, if it asks for them.
func (a appForm) targetsForm() *targetsForm {
	for _, sec := range a.tasks() {
		if slices.ContainsFunc(sec.Questions, func(q form.Question) bool { return q.Type == form.OutcomeTargets }) {
			return newTargetsForm(a.Def, a.Routes)
		}
	}
	return nil
}
