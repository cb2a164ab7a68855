package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	appdomain "github.com/fundflow/fundflow/internal/application"
)

// applicantField is one answer on the application form. Name is the API's
// JSON path for it, and so also its input's id and name, which lets the
// API's errors link straight to the input.
type applicantField struct {
	Name string
	// Key names the answer in the summary and in error messages; Label
	// asks for it on the form.
	Key, Label, Hint string
	// Kind is text, email, number (whole), money (pounds), textarea,
	// checkboxes or radios.
	Kind    string
	Limit   int
	Options []formOption
}

type formOption struct{ Value, Label string }

// applicantSection is one task of the task list: a page of the form,
// saved as one PATCH of just its fields.
type applicantSection struct {
	Slug, Title string
	Fields      []applicantField
}

// applicantSections is the application form. The fund supplies the
// deployment routes and the maximum award; the limits and the lists of
// cohorts and assessment statuses are the API's own.
func applicantSections(def fundDefinition) []applicantSection {
	var routes, cohorts []formOption
	for _, r := range def.DeploymentRoutes {
		routes = append(routes, formOption{r.ID, r.Title})
	}
	for _, c := range appdomain.Cohorts() {
		cohorts = append(cohorts, formOption{string(c), c.Label()})
	}
	var ig []formOption
	for _, st := range []appdomain.IGStatus{appdomain.IGNotStarted, appdomain.IGInProgress, appdomain.IGComplete} {
		ig = append(ig, formOption{string(st), st.Label()})
	}
	narrative := func(name, key, label, hint string, limit int) applicantField {
		return applicantField{Name: name, Key: key, Label: label, Hint: hint, Kind: "textarea", Limit: limit}
	}
	return []applicantSection{
		{"contacts", "Contacts", []applicantField{
			{Name: "lead_contact.name", Key: "Lead contact name", Label: "Lead contact's full name", Hint: "The person we will deal with day to day.", Kind: "text"},
			{Name: "lead_contact.email", Key: "Lead contact email", Label: "Lead contact's email address", Kind: "email"},
			{Name: "lead_contact.role", Key: "Lead contact role", Label: "Lead contact's job title", Kind: "text"},
			{Name: "sro.name", Key: "Senior responsible officer name", Label: "Senior responsible officer's full name", Hint: "The senior responsible officer signs the application off before it is submitted.", Kind: "text"},
			{Name: "sro.role", Key: "Senior responsible officer role", Label: "Senior responsible officer's job title", Kind: "text"},
		}},
		{"reach", "Population and reach", []applicantField{
			{Name: "population_covered", Key: "Population covered", Label: "Population covered", Hint: "The number of people your system serves, as a whole number, like 1200000.", Kind: "number"},
			{Name: "target_cohorts", Key: "Target cohorts", Label: "Which groups of people will the deployment target?", Hint: "Select all that apply.", Kind: "checkboxes", Options: cohorts},
			{Name: "deployment_routes", Key: "Deployment routes", Label: "How will you deploy the service?", Hint: "Select all that apply.", Kind: "checkboxes", Options: routes},
			{Name: "planned_reach", Key: "Planned reach", Label: "Planned reach", Hint: "The number of people you plan to onboard in the first 12 months, as a whole number.", Kind: "number"},
		}},
		{"funding", "Funding requested", []applicantField{
			{Name: "requested_pence", Key: "Amount requested", Label: "How much funding are you requesting?", Hint: "In pounds, up to " + money(def.MaxAwardPence) + ", the fund's maximum award.", Kind: "money"},
		}},
		{"need", "Need", []applicantField{
			narrative("need", "Need", "Describe the need the deployment meets", "Who is affected, how many people, and what happens to them now.", appdomain.MaxNeedChars),
		}},
		{"delivery", "Delivery plan", []applicantField{
			narrative("delivery_plan", "Delivery plan", "Describe how you will deliver the deployment", "Who will do what, and when.", appdomain.MaxDeliveryPlanChars),
		}},
		{"integration", "Integration plan", []applicantField{
			narrative("integration_plan", "Integration plan", "Describe how the service will fit into primary care or the NHS App", "", appdomain.MaxIntegrationPlanChars),
		}},
		{evaluationSection, "Evaluation and outcome measures", []applicantField{
			narrative("evaluation", "Evaluation", "Describe how you will evaluate the deployment and measure outcomes", "", appdomain.MaxEvaluationChars),
		}},
		{"shifts", "The three shifts", []applicantField{
			narrative("three_shifts", "Three shifts", "Describe how the deployment supports the three shifts", "From treatment to prevention, from hospital to community, and from analogue to digital.", appdomain.MaxThreeShiftsChars),
		}},
		{"governance", "Information governance", []applicantField{
			narrative("ig_readiness", "Information governance readiness", "Describe your information governance readiness", "", appdomain.MaxIGReadinessChars),
			{Name: "dpia_status", Key: "DPIA status", Label: "Data protection impact assessment (DPIA) status", Kind: "radios", Options: ig},
			{Name: "dtac_status", Key: "DTAC status", Label: "Digital Technology Assessment Criteria (DTAC) status", Kind: "radios", Options: ig},
		}},
	}
}

// evaluationSection also asks for a baseline and target per outcome
// measure on each chosen route (targetsForm), below its narrative.
const evaluationSection = "evaluation"

// targets is the section's targets form, if it has one.
func (p applicantApp) targets(sec applicantSection) *targetsForm {
	if sec.Slug != evaluationSection {
		return nil
	}
	return newTargetsForm(p.Fund.Definition, p.App.Content.DeploymentRoutes)
}

func findSection(secs []applicantSection, slug string) (applicantSection, bool) {
	i := slices.IndexFunc(secs, func(s applicantSection) bool { return s.Slug == slug })
	if i < 0 {
		return applicantSection{}, false
	}
	return secs[i], true
}

// sectionLabels names every field of the form for error messages, linking
// those that have an input on this page: the API checks the whole draft,
// so saving one section can report on another.
func sectionLabels(all []applicantSection, onPage func(applicantField) bool) fieldLabels {
	out := fieldLabels{}
	for _, sec := range all {
		for _, f := range sec.Fields {
			l := fieldLabel{Label: f.Key}
			if onPage(f) {
				l.Input = f.Name
			}
			out[f.Name] = l
		}
	}
	return out
}

// contentValues reads the saved answers as the form shows them. The
// content's JSON is walked by each field's path, so a field is named once,
// in applicantSections. Zero means "not given yet" in the API, so it shows
// as an empty input.
func contentValues(c content, secs []applicantSection) url.Values {
	raw, err := json.Marshal(c)
	if err != nil {
		panic(err) // content is plain data and always marshals
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		panic(err)
	}
	out := url.Values{}
	for _, sec := range secs {
		for _, f := range sec.Fields {
			var v any = doc
			for part := range strings.SplitSeq(f.Name, ".") {
				obj, _ := v.(map[string]any)
				v = obj[part]
			}
			switch x := v.(type) {
			case string:
				if x != "" {
					out.Set(f.Name, x)
				}
			case json.Number:
				n, _ := x.Int64()
				switch {
				case n == 0:
				case f.Kind == "money":
					out.Set(f.Name, pounds(n))
				default:
					out.Set(f.Name, x.String())
				}
			case []any:
				for _, item := range x {
					if s, ok := item.(string); ok {
						out.Add(f.Name, s)
					}
				}
			}
		}
	}
	targetValues(out, c.Targets)
	return out
}

// progress is a section's task-list status, from which answers are given.
func (sec applicantSection) progress(vals url.Values) string {
	given := 0
	for _, f := range sec.Fields {
		if len(vals[f.Name]) > 0 {
			given++
		}
	}
	switch given {
	case 0:
		return "Not started"
	case len(sec.Fields):
		return "Completed"
	}
	return "Incomplete"
}

// patch is the section's PATCH body: every one of its fields and nothing
// else, an empty answer as null to clear it, and lead_contact and sro as
// objects to merge. Numbers that are not numbers are the form's errors.
func (sec applicantSection) patch(form url.Values) (map[string]any, []fieldError) {
	body := map[string]any{}
	var errs []fieldError
	for _, f := range sec.Fields {
		v, msg := f.parse(form)
		if msg != "" {
			errs = append(errs, fieldError{Field: f.Name, Message: msg})
			continue
		}
		obj, member, nested := strings.Cut(f.Name, ".")
		if !nested {
			body[f.Name] = v
			continue
		}
		m, _ := body[obj].(map[string]any)
		if m == nil {
			m = map[string]any{}
			body[obj] = m
		}
		m[member] = v
	}
	return body, errs
}

func (f applicantField) parse(form url.Values) (any, string) {
	if f.Kind == "checkboxes" {
		picked := slices.DeleteFunc(slices.Clone(form[f.Name]), func(s string) bool { return s == "" })
		if len(picked) == 0 {
			return nil, ""
		}
		return picked, ""
	}
	s := strings.TrimSpace(form.Get(f.Name))
	if s == "" {
		return nil, ""
	}
	switch f.Kind {
	case "number":
		n, err := strconv.ParseInt(strings.NewReplacer(",", "", " ", "").Replace(s), 10, 64)
		if err != nil {
			return nil, f.Key + " must be a whole number, like 250000"
		}
		return n, ""
	case "money":
		p, err := parsePence(s)
		if err != nil {
			return nil, f.Key + " must be an amount in pounds, like 80000 or 80000.50"
		}
		return p, ""
	}
	return s, ""
}

// sectionPage is one section's form.
type sectionPage struct {
	applicantApp
	Section applicantSection
	Values  url.Values
	// Targets is the evaluation section's baselines and targets.
	Targets *targetsForm
}

// loadSection reads the application and its fund for a section page,
// answering itself (not found, or the application has moved on from
// draft) when there is no form to show.
func (s *server) loadSection(w http.ResponseWriter, r *http.Request) (applicantApp, applicantSection, []applicantSection, bool) {
	slug := mux.Vars(r)["section"]
	if _, ok := findSection(applicantSections(fundDefinition{}), slug); !ok {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct.")
		return applicantApp{}, applicantSection{}, nil, false
	}
	p, ok := s.loadDraft(w, r)
	if !ok {
		return p, applicantSection{}, nil, false
	}
	all := applicantSections(p.Fund.Definition)
	sec, _ := findSection(all, slug)
	return p, sec, all, true
}

// loadDraft reads an application whose form is being filled in. Once it
// is submitted the form is done with, so its page is shown instead.
func (s *server) loadDraft(w http.ResponseWriter, r *http.Request) (applicantApp, bool) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return p, false
	}
	if !p.App.Can("save_draft") {
		http.Redirect(w, r, p.Path(), http.StatusSeeOther)
		return p, false
	}
	return p, true
}

func (s *server) section(w http.ResponseWriter, r *http.Request) {
	p, sec, all, ok := s.loadSection(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "applicant/section", view{Title: sec.Title,
		Data: sectionPage{applicantApp: p, Section: sec, Values: contentValues(p.App.Content, all), Targets: p.targets(sec)}})
}

func (s *server) saveSection(w http.ResponseWriter, r *http.Request) {
	p, sec, all, ok := s.loadSection(w, r)
	if !ok {
		return
	}
	tf := p.targets(sec)
	again := func(status int, errs []fieldError) {
		s.render(w, r, status, "applicant/section", view{Title: sec.Title, Errors: errs,
			Data: sectionPage{applicantApp: p, Section: sec, Values: r.PostForm, Targets: tf}})
	}
	body, errs := sec.patch(r.PostForm)
	var sent []target
	if tf != nil && !tf.NoRoutes {
		var terrs []fieldError
		sent, terrs = tf.parse(r.PostForm)
		errs = append(errs, terrs...)
		body["targets"] = sent
		if len(sent) == 0 {
			body["targets"] = nil
		}
	}
	if len(errs) > 0 {
		again(http.StatusUnprocessableEntity, errs)
		return
	}
	err := s.api.patch(r.Context(), apiApp(p.App.ID), body, nil)
	if errs, ok := refused(err); ok {
		onPage := func(f applicantField) bool {
			return slices.ContainsFunc(sec.Fields, func(g applicantField) bool { return g.Name == f.Name })
		}
		var mine []fieldError
		if tf != nil {
			mine, errs = tf.errors(errs, sent)
		}
		again(problemStatus(err), append(mine, explainErrors(errs, sectionLabels(all, onPage))...))
		return
	}
	s.done(w, r, err, "Section saved", p.Path())
}

// task is one line of the task list.
type task struct {
	Href, Title, Status string
}

type taskListPage struct {
	applicantApp
	Tasks []task
}

func (s *server) renderTaskList(w http.ResponseWriter, r *http.Request, status int, p applicantApp, errs []fieldError) {
	all := applicantSections(p.Fund.Definition)
	vals := contentValues(p.App.Content, all)
	page := taskListPage{applicantApp: p}
	for _, sec := range all {
		page.Tasks = append(page.Tasks, task{Href: p.Path() + "/sections/" + sec.Slug, Title: sec.Title, Status: sec.progress(vals)})
	}
	s.render(w, r, status, "applicant/task-list", view{Title: p.FundName(), Errors: errs, Data: page})
}

// answerGroup is one section's answers on the check page.
type answerGroup struct {
	Slug, Title string
	Answers     []answer
}

// answer is one answer as the applicant reads it back. Field is its API
// name, the id the error summary links to.
type answer struct {
	Field, Key, Value string
	Long              bool
}

// answerGroups shows every answer the way it reads, not as stored: labels
// for chosen options, thousands separators, pounds.
func answerGroups(all []applicantSection, vals url.Values) []answerGroup {
	var out []answerGroup
	for _, sec := range all {
		g := answerGroup{Slug: sec.Slug, Title: sec.Title}
		for _, f := range sec.Fields {
			a := answer{Field: f.Name, Key: f.Key, Long: f.Kind == "textarea" || f.Kind == "checkboxes"}
			given := vals[f.Name]
			switch {
			case len(given) == 0:
			case f.Options != nil:
				var labels []string
				for _, v := range given {
					label := v
					if i := slices.IndexFunc(f.Options, func(o formOption) bool { return o.Value == v }); i >= 0 {
						label = f.Options[i].Label
					}
					labels = append(labels, label)
				}
				a.Value = strings.Join(labels, "\n")
			case f.Kind == "number":
				n, _ := strconv.ParseInt(given[0], 10, 64)
				a.Value = groupThousands(n)
			case f.Kind == "money":
				p, _ := parsePence(given[0])
				a.Value = money(p)
			default:
				a.Value = given[0]
			}
			g.Answers = append(g.Answers, a)
		}
		out = append(out, g)
	}
	return out
}

// checkPage is every answer, and the sign-off that submits them.
type checkPage struct {
	applicantApp
	Groups   []answerGroup
	Declared bool
}

func (s *server) checkAnswers(w http.ResponseWriter, r *http.Request) {
	p, ok := s.loadDraft(w, r)
	if !ok {
		return
	}
	s.renderCheck(w, r, http.StatusOK, p, nil, p.App.Content.SRODeclaration)
}

func (s *server) renderCheck(w http.ResponseWriter, r *http.Request, status int, p applicantApp, errs []fieldError, declared bool) {
	all := applicantSections(p.Fund.Definition)
	vals := contentValues(p.App.Content, all)
	groups := answerGroups(all, vals)
	for i, sec := range all {
		if tf := p.targets(sec); tf != nil {
			groups[i].Answers = append(groups[i].Answers, tf.answers(vals)...)
		}
	}
	s.render(w, r, status, "applicant/check", view{Title: "Check your answers before submitting", Errors: errs,
		Data: checkPage{applicantApp: p, Groups: groups, Declared: declared}})
}

// submit records the senior responsible officer's sign-off as ticked (or
// not) and submits; the API checks the whole application and a refusal
// lists everything to fix, each linked to its answer.
func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	declared := r.PostFormValue("sro_declaration") == "true"
	err := s.api.patch(r.Context(), apiApp(id), map[string]any{"sro_declaration": declared}, nil)
	if err == nil {
		err = s.api.post(r.Context(), apiApp(id)+"/submit", nil, r.PostFormValue("idempotency_key"), nil)
	}
	if errs, ok := refused(err); ok {
		p, lerr := s.loadApplicantApp(r.Context(), id)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		all := applicantSections(p.Fund.Definition)
		labels := sectionLabels(all, func(applicantField) bool { return true })
		labels["sro_declaration"] = fieldLabel{"The senior responsible officer's declaration", "sro_declaration"}
		var mine []fieldError
		if sec, _ := findSection(all, evaluationSection); p.targets(sec) != nil {
			mine, errs = p.targets(sec).errors(errs, p.App.Content.Targets)
		}
		s.renderCheck(w, r, problemStatus(err), p, append(mine, explainErrors(errs, labels)...), declared)
		return
	}
	s.done(w, r, err, "Application submitted", appPath(id))
}
