package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/web/apiclient"
)

// This file is the one place the web reads a fund's application form:
// the task list, section pages, check your answers, the status page, the
// reviewer's workspace and the admin's preview are all generated from the
// form the API serves, so a new fund's form needs no code here.
//
// Answers move through pages as url.Values keyed by input name, which is
// also the API's path for the answer (lead_contact.name, partners[1].role)
// and the input's id, so the API's field errors link straight to inputs.
// A date's parts are name-day, name-month and name-year; a repeating
// group's number of items on the page is name-items.

// loadForm reads one version of a fund's form: the version an application
// was started on, or the current one when version is 0.
func (s *server) loadForm(ctx context.Context, fundID string, version int) (form.Form, error) {
	var params apiclient.GetFundFormParams
	if version > 0 {
		params.Version = &version
	}
	res, err := s.api.GetFundFormWithResponse(ctx, fundID, &params)
	if err := check(res, err); err != nil {
		return form.Form{}, err
	}
	return res.JSON200.Form, nil
}

// appForm is a fund's form as one application fills it in: the fund
// supplies the deployment routes, the maximum award and the outcome
// measures; the application its documents and chosen routes.
type appForm struct {
	form.Form
	Def    apiclient.FundDefinition
	Docs   []apiclient.Document
	Routes []string
	// index finds a question by its path with item indices left out
	// (partners.name), for conditions.
	index map[string]form.Question
}

func newAppForm(f form.Form, def apiclient.FundDefinition, docs []apiclient.Document, routes []string) appForm {
	a := appForm{Form: f, Def: def, Docs: docs, Routes: routes, index: map[string]form.Question{}}
	var walk func(qs []form.Question, prefix string)
	walk = func(qs []form.Question, prefix string) {
		for _, q := range qs {
			a.index[prefix+q.ID] = q
			walk(q.Questions, prefix+q.ID+".")
		}
	}
	for _, sec := range f.Sections {
		walk(sec.Questions, "")
	}
	return a
}

// tasks are the sections of the task list: a section of nothing but
// declarations has no page, as they are asked before submitting.
func (a appForm) tasks() []form.Section {
	return slices.DeleteFunc(slices.Clone(a.Sections), func(s form.Section) bool {
		return !slices.ContainsFunc(s.Questions, func(q form.Question) bool { return q.Type != form.Declaration })
	})
}

func (a appForm) task(id string) (form.Section, bool) {
	secs := a.tasks()
	i := slices.IndexFunc(secs, func(s form.Section) bool { return s.ID == id })
	if i < 0 {
		return form.Section{}, false
	}
	return secs[i], true
}

// declarations are the form's sign-offs, asked on the check page.
func (a appForm) declarations() []form.Question {
	var out []form.Question
	for _, sec := range a.Sections {
		for _, q := range sec.Questions {
			if q.Type == form.Declaration {
				out = append(out, q)
			}
		}
	}
	return out
}

// sectionOf is the id of the section that asks question id.
func (a appForm) sectionOf(id string) string {
	for _, sec := range a.Sections {
		if slices.ContainsFunc(sec.Questions, func(q form.Question) bool { return q.ID == id }) {
			return sec.ID
		}
	}
	return ""
}

var itemIndex = regexp.MustCompile(`\[\d+\]`)

// shown reports whether q, at prefix, is asked given the answers in vals:
// a conditional question is asked only when its controlling answer, itself
// asked, is one of the values the condition names. A question in a group
// names a sibling by its id.
func (a appForm) shown(q form.Question, prefix string, vals url.Values) bool {
	if q.ShowIf == nil {
		return true
	}
	path := q.ShowIf.Question
	if _, sibling := a.index[itemIndex.ReplaceAllString(prefix+path, "")]; prefix != "" && sibling {
		path = prefix + path
	}
	ctl, ok := a.index[itemIndex.ReplaceAllString(path, "")]
	if !ok {
		return false
	}
	ctlPrefix := path[:strings.LastIndex(path, ".")+1]
	if !a.shown(ctl, ctlPrefix, vals) {
		return false
	}
	return slices.ContainsFunc(vals[path], func(v string) bool { return slices.Contains(q.ShowIf.Equals, v) })
}

// field is one question as a page shows it.
type field struct {
	form.Question
	// Name is the answer's path in the API, and its input's id and name.
	Name string
	// Key names the answer where it is read back and in error messages.
	Key  string
	Hint string
	// Options are a choice's options, the fund's when the form says so.
	Options []form.Option
	// Members are a group's questions.
	Members []field
	// Items are a repeating group's items on the page, and CanAdd says
	// whether another fits.
	Items  [][]field
	CanAdd bool
	// Reveals are the conditional questions an option reveals when chosen,
	// asked inside it on the page (the design system's conditional reveal).
	Reveals map[string][]field
	Targets *targetsForm
}

// Many is whether a choice takes more than one option (checkboxes).
func (f field) Many() bool {
	return f.Type == form.MultipleChoice || (f.Type == form.Document && f.MaxDocuments > 1)
}

// Conditional is the id of the reveal holding option value's questions.
func (f field) Conditional(value string) string { return "conditional-" + f.Name + "-" + value }

// summary names an answer where it is read back: the question's summary,
// or its label when it has none.
func summary(q form.Question) string { return cmp.Or(q.Summary, q.Label) }

var yesNo = []form.Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}

// fields are qs at prefix as a page asks them. With reveals, a question
// conditional on an option of a sibling choice on the same page is put
// inside that option, to be revealed when it is chosen; otherwise a
// question is left out when it is not asked. With no vals at all (a
// preview) every question is shown.
func (a appForm) fields(qs []form.Question, prefix string, vals url.Values, reveals bool) []field {
	var out []field
	for _, q := range qs {
		if q.Type == form.Declaration {
			continue
		}
		f := a.field(q, prefix, vals, reveals)
		if f.Type == form.OutcomeTargets && f.Targets == nil {
			continue
		}
		if reveals && q.ShowIf != nil && len(q.ShowIf.Equals) == 1 {
			i := slices.IndexFunc(out, func(c field) bool { return c.ID == q.ShowIf.Question })
			if i >= 0 && slices.ContainsFunc(out[i].Options, func(o form.Option) bool { return o.Value == q.ShowIf.Equals[0] }) &&
				out[i].Type != form.Document {
				if out[i].Reveals == nil {
					out[i].Reveals = map[string][]field{}
				}
				v := q.ShowIf.Equals[0]
				out[i].Reveals[v] = append(out[i].Reveals[v], f)
				continue
			}
		}
		if vals != nil && !a.shown(q, prefix, vals) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func (a appForm) field(q form.Question, prefix string, vals url.Values, reveals bool) field {
	name := prefix + q.ID
	f := field{Question: q, Name: name, Key: summary(q), Hint: q.Hint, Options: q.Options}
	switch q.Type {
	case form.Group:
		f.Members = a.fields(q.Questions, name+".", vals, reveals)
	case form.RepeatingGroup:
		n := itemCount(vals, name)
		if q.MaxItems > 0 {
			n = min(n, q.MaxItems)
		}
		for i := range n {
			f.Items = append(f.Items, a.fields(q.Questions, itemPrefix(name, i), vals, reveals))
		}
		f.CanAdd = q.MaxItems == 0 || n < q.MaxItems
	case form.YesNo:
		f.Options = yesNo
	case form.SingleChoice, form.MultipleChoice:
		if q.OptionsFrom == form.OptionsDeploymentRoutes {
			f.Options = nil
			for _, r := range a.Def.DeploymentRoutes {
				f.Options = append(f.Options, form.Option{Value: r.ID, Label: r.Title})
			}
		}
	case form.Document:
		for _, d := range a.Docs {
			// A document question chooses among the application's
			// documents of its kind.
			if q.DocumentKind == "" || d.Kind == q.DocumentKind {
				f.Options = append(f.Options, form.Option{Value: d.ID, Label: d.Name})
			}
		}
	case form.OutcomeTargets:
		f.Targets = newTargetsForm(a.Def, a.Routes)
		if f.Targets != nil {
			f.Targets.RoutesAt = a.sectionOf(form.QDeploymentRoutes)
		}
	case form.Money:
		// The largest award is the fund's rule, not the form's, so a hint
		// that mentions it says what it is for this fund.
		if a.Def.MaxAwardPence > 0 {
			f.Hint = strings.Replace(f.Hint, maxAwardPhrase, money.Short(a.Def.MaxAwardPence)+", "+maxAwardPhrase, 1)
		}
	}
	return f
}

const maxAwardPhrase = "the fund's maximum award"

func itemPrefix(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]." }

// itemCount is how many items of repeating group name the page shows: as
// the page last said, at least one so there is somewhere to start.
func itemCount(vals url.Values, name string) int {
	n, err := strconv.Atoi(vals.Get(name + "-items"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 100)
}

// values reads the saved answers (the application's content, by question
// id) as the form's inputs show them. Zero means "not given yet" for the
// engine's typed numbers, so it shows as an empty input.
func (a appForm) values(answers map[string]any, targets []apiclient.OutcomeTarget) url.Values {
	out := url.Values{}
	for _, sec := range a.Sections {
		putValues(out, sec.Questions, "", answers)
	}
	targetValues(out, targets)
	return out
}

func putValues(out url.Values, qs []form.Question, prefix string, obj map[string]any) {
	for _, q := range qs {
		name := prefix + q.ID
		v := obj[q.ID]
		switch q.Type {
		case form.Group:
			m, _ := v.(map[string]any)
			putValues(out, q.Questions, name+".", m)
			continue
		case form.RepeatingGroup:
			items, _ := v.([]any)
			out.Set(name+"-items", strconv.Itoa(len(items)))
			for i, it := range items {
				m, _ := it.(map[string]any)
				putValues(out, q.Questions, itemPrefix(name, i), m)
			}
			continue
		case form.OutcomeTargets:
			continue
		}
		switch x := v.(type) {
		case bool:
			switch {
			case q.Type == form.Declaration && x:
				out.Set(name, "true")
			case q.Type == form.YesNo && x:
				out.Set(name, "yes")
			case q.Type == form.YesNo:
				out.Set(name, "no")
			}
		case string:
			if x == "" {
				continue
			}
			out.Set(name, x)
			if q.Type == form.Date {
				if t, err := time.Parse(time.DateOnly, x); err == nil {
					out.Set(name+"-day", strconv.Itoa(t.Day()))
					out.Set(name+"-month", strconv.Itoa(int(t.Month())))
					out.Set(name+"-year", strconv.Itoa(t.Year()))
				}
			}
		case json.Number:
			n, _ := x.Int64()
			switch {
			case n == 0 && typedNumber(q.ID):
			case q.Type == form.Money:
				out.Set(name, pounds(n))
			default:
				out.Set(name, x.String())
			}
		case []any:
			for _, item := range x {
				if s, ok := item.(string); ok {
					out.Add(name, s)
				}
			}
		}
	}
}

// typedNumber reports whether id is one of the engine's typed figures,
// for which 0 means not given; for a fund's own questions 0 is an answer.
func typedNumber(id string) bool {
	return id == form.QPopulationCovered || id == form.QPlannedReach || id == form.QRequestedPence
}

// decodeAnswers reads content JSON as answers by question id, numbers
// kept exact.
func decodeAnswers(raw []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	err := dec.Decode(&m)
	return m, err
}

// overlay is the saved answers with a section's inputs replaced by what
// was posted, so conditions on an earlier section's answers hold while
// this one's are judged as typed.
func overlay(saved, posted url.Values, sec form.Section) url.Values {
	out := url.Values{}
	mine := func(k string) bool {
		return slices.ContainsFunc(sec.Questions, func(q form.Question) bool {
			return k == q.ID || strings.HasPrefix(k, q.ID+".") || strings.HasPrefix(k, q.ID+"[") || strings.HasPrefix(k, q.ID+"-")
		})
	}
	for k, v := range saved {
		if !mine(k) {
			out[k] = v
		}
	}
	for k, v := range posted {
		if mine(k) {
			out[k] = v
		}
	}
	return out
}

// patch is a section's PATCH body: every one of its questions and nothing
// else, an empty or no-longer-asked answer as null to clear it, a group
// as an object to merge and a repeating group whole. What the web itself
// must read (numbers, money, dates) is the form's error when it cannot.
func (a appForm) patch(sec form.Section, vals url.Values) (map[string]any, []fieldError) {
	body := map[string]any{}
	var errs []fieldError
	for _, q := range sec.Questions {
		if q.Type == form.Declaration || q.Type == form.OutcomeTargets {
			continue
		}
		body[q.ID] = a.answer(q, "", vals, &errs)
	}
	return body, errs
}

func (a appForm) answer(q form.Question, prefix string, vals url.Values, errs *[]fieldError) any {
	name := prefix + q.ID
	if !a.shown(q, prefix, vals) {
		return nil
	}
	key := summary(q)
	switch q.Type {
	case form.Group:
		obj := map[string]any{}
		for _, m := range q.Questions {
			obj[m.ID] = a.answer(m, name+".", vals, errs)
		}
		return obj
	case form.RepeatingGroup:
		var items []any
		for i := range itemCount(vals, name) {
			item, given := map[string]any{}, false
			for _, m := range q.Questions {
				v := a.answer(m, itemPrefix(name, i), vals, errs)
				item[m.ID] = v
				given = given || v != nil
			}
			if given {
				items = append(items, item)
			}
		}
		if len(items) == 0 {
			return nil
		}
		return items
	case form.MultipleChoice, form.Document:
		picked := slices.DeleteFunc(slices.Clone(vals[name]), func(s string) bool { return s == "" })
		if len(picked) == 0 {
			return nil
		}
		return picked
	case form.Date:
		d, msg := parseDate(vals.Get(name+"-day"), vals.Get(name+"-month"), vals.Get(name+"-year"))
		if msg != "" {
			*errs = append(*errs, fieldError{Field: name, Message: key + " " + msg})
			return nil
		}
		if d == "" {
			return nil
		}
		return d
	}
	s := strings.TrimSpace(vals.Get(name))
	if s == "" {
		return nil
	}
	switch q.Type {
	case form.Integer:
		n, err := wholeNumber(s)
		if err != nil {
			*errs = append(*errs, fieldError{Field: name, Message: key + " must be a whole number, like 250000"})
			return nil
		}
		return n
	case form.Money:
		p, err := parsePence(s)
		if err != nil {
			*errs = append(*errs, fieldError{Field: name, Message: key + " must be an amount in pounds, like 80000 or 80000.50"})
			return nil
		}
		return p
	case form.YesNo:
		return s == "yes"
	case form.Organisation:
		return strings.ToUpper(s)
	}
	return s
}

// parseDate reads a date typed as day, month and year into YYYY-MM-DD:
// "" when nothing was typed, or what is wrong with it.
func parseDate(day, month, year string) (string, string) {
	parts := []string{strings.TrimSpace(day), strings.TrimSpace(month), strings.TrimSpace(year)}
	if parts[0] == "" && parts[1] == "" && parts[2] == "" {
		return "", ""
	}
	for i, what := range []string{"day", "month", "year"} {
		if parts[i] == "" {
			return "", "must include a " + what
		}
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return "", "must be a real date, like 31 3 2026"
		}
		n[i] = v
	}
	t := time.Date(n[2], time.Month(n[1]), n[0], 0, 0, 0, 0, time.UTC)
	if n[2] < 1000 || n[2] > 9999 || t.Day() != n[0] || int(t.Month()) != n[1] {
		return "", "must be a real date, like 31 3 2026"
	}
	return t.Format(time.DateOnly), ""
}

// progress is a section's task-list status, from which of its asked
// answers are given: each of a group's, a repeating group's as one.
// Outcome targets are optional figures and do not count.
func progress(fs []field, vals url.Values) string {
	given, asked := 0, 0
	var count func(fs []field)
	count = func(fs []field) {
		for _, f := range fs {
			switch f.Type {
			case form.Group:
				count(f.Members)
				continue
			case form.OutcomeTargets:
				continue
			}
			asked++
			if answered(f, vals) {
				given++
			}
		}
	}
	count(fs)
	switch given {
	case 0:
		return "Not started"
	case asked:
		return "Completed"
	}
	return "Incomplete"
}

func answered(f field, vals url.Values) bool {
	if f.Type != form.RepeatingGroup {
		return len(vals[f.Name]) > 0
	}
	for k := range vals {
		if strings.HasPrefix(k, f.Name+"[") && vals.Get(k) != "" {
			return true
		}
	}
	return false
}

// answer is one answer as it is read back. Field is its input's name, the
// id the error summary links to.
type answer struct {
	Field, Key, Value string
	Long              bool
}

// answerGroups are every section's answers as they read, with or without
// the outcome targets.
func (a appForm) answerGroups(vals url.Values, targets bool) []answerGroup {
	var out []answerGroup
	for _, sec := range a.tasks() {
		fs := a.fields(sec.Questions, "", vals, false)
		if !targets {
			fs = slices.DeleteFunc(fs, func(f field) bool { return f.Type == form.OutcomeTargets })
		}
		out = append(out, answerGroup{Slug: sec.ID, Title: sec.Title, Answers: answers(fs, vals)})
	}
	return out
}

// answers are fs's answers the way they read, not as stored: labels for
// chosen options, thousands separators, pounds, dates in words.
func answers(fs []field, vals url.Values) []answer {
	var out []answer
	for _, f := range fs {
		switch f.Type {
		case form.Group:
			out = append(out, answers(f.Members, vals)...)
			continue
		case form.OutcomeTargets:
			out = append(out, f.Targets.answers(vals)...)
			continue
		}
		out = append(out, answer{Field: f.Name, Key: f.Key, Value: f.show(vals),
			Long: f.Type == form.LongText || f.Many() || f.Type == form.RepeatingGroup})
	}
	return out
}

// show is f's answer as text, "" when it has none.
func (f field) show(vals url.Values) string {
	given := vals[f.Name]
	switch f.Type {
	case form.RepeatingGroup:
		var items []string
		for i, item := range f.Items {
			var parts []string
			for _, a := range answers(item, vals) {
				if a.Value != "" {
					parts = append(parts, a.Key+": "+a.Value)
				}
			}
			if len(parts) > 0 {
				items = append(items, fmt.Sprintf("%d. %s", i+1, strings.Join(parts, "; ")))
			}
		}
		return strings.Join(items, "\n")
	case form.Group:
		return ""
	}
	if len(given) == 0 {
		return ""
	}
	switch {
	case f.Options != nil:
		var labels []string
		for _, v := range given {
			label := v
			if i := slices.IndexFunc(f.Options, func(o form.Option) bool { return o.Value == v }); i >= 0 {
				label = f.Options[i].Label
			}
			labels = append(labels, label)
		}
		return strings.Join(labels, "\n")
	case f.Type == form.Integer:
		n, _ := strconv.ParseInt(given[0], 10, 64)
		return groupThousands(n)
	case f.Type == form.Money:
		p, _ := money.Parse(given[0])
		return money.Short(p)
	case f.Type == form.Date:
		if t, err := time.Parse(time.DateOnly, given[0]); err == nil {
			return t.Format("2 January 2006")
		}
	}
	return given[0]
}

// labels names every answer of fs for error messages, linking those whose
// input is on the page (input gives it, "" for none): the API checks the
// whole draft, so saving one section can report on another.
func labels(fs []field, out fieldLabels, input func(field) string) {
	for _, f := range fs {
		out[f.Name] = fieldLabel{Label: f.Key, Input: input(f)}
		labels(f.Members, out, input)
		for i, item := range f.Items {
			sub := fieldLabels{}
			labels(item, sub, input)
			for k, l := range sub {
				l.Label = f.Key + " (item " + strconv.Itoa(i+1) + ") " + lowerFirst(l.Label)
				out[k] = l
			}
		}
		for _, rs := range f.Reveals {
			labels(rs, out, input)
		}
	}
}
